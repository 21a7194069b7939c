// main.js: the web UI's shell (docs/ui.md): a header, and the page the location's hash
// names (#/login, #/monitor, #/instance/ID, #/jobs, #/submit/NAME, #/report, #/cron, #/deps,
// #/def/NAME, #/newjob, #/settings, #/grid). A page is a function
// (main element, route) that may return a cleanup, called when the user leaves it
// (it stops the page's polling).
import { api, session } from './api.js';
import { h, fill } from './dom.js';
import { loginPage } from './pages/login.js';
import { monitorPage } from './pages/monitor.js';
import { instancePage } from './pages/instance.js';
import { jobsPage } from './pages/jobs.js';
import { submitPage } from './pages/submit.js';
import { reportPage } from './pages/report.js';
import { cronPage } from './pages/cron.js';
import { depsPage } from './pages/deps.js';
import { definitionPage } from './pages/definition.js';
import { newJobPage } from './pages/newjob.js';
import { settingsPage } from './pages/settings.js';
import { gridPage } from './pages/grid.js';

let cleanup = null;

// The route of the hash: {page, arg, query}.
export function route() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, qs] = raw.split('?');
  const parts = path.split('/').map(decodeURIComponent);
  return { page: parts[0] || 'monitor', arg: parts[1] || '', query: new URLSearchParams(qs || '') };
}

function header() {
  const top = document.getElementById('top');
  const r = route();
  const link = (page, text) =>
    h('a', { href: `#/${page}`, class: r.page === page ? 'current' : null }, text);
  fill(top,
    h('span', { class: 'brand' }, 'batchd'),
    session.me && h('nav', null, link('monitor', 'Job monitor'), link('grid', 'Grid'), link('jobs', 'Jobs'), link('deps', 'Dependencies'), link('report', 'Batch report'), link('cron', 'Cron helper'), link('settings', 'Settings')),
    session.me && h('span', { class: 'who' },
      h('span', { id: 'who-name' }, session.me.name), ' · ',
      h('span', { id: 'who-role', class: `role role-${session.me.role}` }, session.me.role),
      ' ',
      h('button', { type: 'button', id: 'logout', onclick: logout }, 'Log out')));
}

function logout() {
  session.token = null;
  session.me = null;
  location.hash = '#/login';
}

async function show() {
  if (cleanup) {
    cleanup();
    cleanup = null;
  }
  const main = document.getElementById('main');
  let r = route();
  if (!session.token && r.page !== 'login') {
    location.hash = '#/login';
    return;
  }
  if (session.token && !session.me) {
    try {
      session.me = (await api('GET', '/api/v1/whoami')).data;
      session.meAt = Date.now();
    } catch (e) {
      if (e.status !== 401) fill(main, h('p', { class: 'error' }, `batchd does not answer: ${e.message}`));
      return;
    }
  }
  header();
  r = route();
  const pages = { login: loginPage, monitor: monitorPage, instance: instancePage, jobs: jobsPage, submit: submitPage,
    report: reportPage, cron: cronPage, deps: depsPage, def: definitionPage, newjob: newJobPage, settings: settingsPage, grid: gridPage };
  const page = pages[r.page];
  fill(main);
  if (!page) {
    fill(main, h('p', { class: 'error' }, `No page "${r.page}".`));
    return;
  }
  document.title = `batchd · ${r.page}`;
  cleanup = page(main, r) || null;
}

window.addEventListener('hashchange', show);
show();
