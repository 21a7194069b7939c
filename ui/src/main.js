// main.js: the web UI's shell (docs/ui.md): a header, and the page the location's hash
// names (#/login, #/monitor, #/instance/ID, #/jobs, #/submit/NAME, #/report, #/cron, #/deps,
// #/def/NAME, #/newjob, #/settings, #/grid). A page is a function
// (main element, route) that may return a cleanup, called when the user leaves it
// (it stops the page's polling).
import { api, session } from './api.js';
import { h, fill } from './dom.js';

// The modules most pages use are bundled here, in app.js, and the page modules import
// them from it (ui/build.mjs): one copy of each, live.js's one stream included.
export * from './api.js';
export * from './dom.js';
export * from './states.js';
export * from './time.js';
export * from './live.js';

// Each page is a module of its own (dist/PAGE.js), loaded the first time its route is
// shown: a first load parses the shell and the one page its address names.
const PAGES = {
  login: () => import('./pages/login.js').then((m) => m.loginPage),
  monitor: () => import('./pages/monitor.js').then((m) => m.monitorPage),
  instance: () => import('./pages/instance.js').then((m) => m.instancePage),
  jobs: () => import('./pages/jobs.js').then((m) => m.jobsPage),
  submit: () => import('./pages/submit.js').then((m) => m.submitPage),
  report: () => import('./pages/report.js').then((m) => m.reportPage),
  cron: () => import('./pages/cron.js').then((m) => m.cronPage),
  deps: () => import('./pages/deps.js').then((m) => m.depsPage),
  def: () => import('./pages/definition.js').then((m) => m.definitionPage),
  newjob: () => import('./pages/newjob.js').then((m) => m.newJobPage),
  settings: () => import('./pages/settings.js').then((m) => m.settingsPage),
  grid: () => import('./pages/grid.js').then((m) => m.gridPage),
};

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

let shown = 0; // calls of show(): one still waiting gives way to a later one

async function show() {
  const my = ++shown;
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
  // The page's module is fetched while the token is checked, not after.
  const loading = Object.hasOwn(PAGES, r.page) ? PAGES[r.page]() : null; // not #/constructor
  loading?.catch(() => {}); // reported below, if this page is still the one to show
  if (session.token && !session.me) {
    try {
      session.me = (await api('GET', '/api/v1/whoami')).data;
      session.meAt = Date.now();
    } catch (e) {
      if (e.status !== 401 && my === shown) fill(main, h('p', { class: 'error' }, `batchd does not answer: ${e.message}`));
      return;
    }
  }
  if (my !== shown) return;
  header();
  if (route().page !== r.page) return; // the address changed: its hashchange shows it
  r = route();
  if (!loading) {
    fill(main, h('p', { class: 'error' }, `No page "${r.page}".`));
    return;
  }
  let page;
  try {
    page = await loading;
  } catch (e) {
    if (my === shown) fill(main, h('p', { class: 'error' }, `Cannot load the page "${r.page}" from batchd: ${e.message}`));
    return;
  }
  if (my !== shown) return;
  fill(main);
  document.title = `batchd · ${r.page}`;
  cleanup = page(main, r) || null;
}

window.addEventListener('hashchange', show);
show();
