// The jobs (#/jobs?group=G): the tenant's jobs by name, JOBS a page (GET /api/v1/jobs
// with its cursor: a tenant of 100,000 jobs is never all in the page), each with its group,
// type, trigger (cron and zone), whether it is enabled, a Submit link for operators and
// admins, and "+ New job" for admins (the role that may create one: POST /api/v1/jobs).
// In a runtime environment, a banner lists the drifted jobs (changed for troubleshooting
// rather than by an applied export: GET /api/v1/jobs?drift=true), and each one's row is
// marked.
import { api, can, session } from '../api.js';
import { h, fill } from '../dom.js';
import { timeEl, ZONE } from '../time.js';
import { driftMark } from '../drift.js';
import { serial } from '../live.js';

const JOBS = 200; // rows a page
const DRIFTED = 1000; // drifted jobs named in the banner at most

export function jobsPage(main, r) {
  const tbody = h('tbody', { id: 'jobs' });
  const err = h('p', { class: 'error', role: 'alert' });
  const banner = h('div', { id: 'drift-banner', role: 'status' });
  const info = h('p', { id: 'jobs-info', class: 'muted' });
  const pager = h('p', { class: 'pager', id: 'jobs-pager' });
  const deleted = r.query.get('deleted');
  const group = (r.query.get('group') || '').trim();
  const groupIn = h('input', { type: 'text', id: 'jobs-group', value: group, placeholder: 'all groups', size: 14 });
  const cursors = ['']; // the cursor of each page shown so far
  const filter = (ev) => {
    ev.preventDefault();
    const g = groupIn.value.trim();
    location.hash = g ? `#/jobs?${new URLSearchParams({ group: g })}` : '#/jobs';
  };
  fill(main, h('h1', null, 'Jobs'),
    can('admin') && h('p', { class: 'actions' }, h('a', { class: 'button', href: '#/newjob', id: 'new-job' }, '+ New job')),
    deleted && h('p', { id: 'jobs-msg', role: 'status' }, `Job "${deleted}" deleted.`),
    h('form', { class: 'filters', onsubmit: filter },
      h('label', { for: 'jobs-group' }, 'Group '), groupIn, ' ', h('button', { type: 'submit', id: 'jobs-show' }, 'Show')),
    err, banner, info,
    h('table', { class: 'grid' },
      h('thead', null, h('tr', null, ['Job', 'Group', 'Type', 'Enabled', 'Trigger', 'Parameters', 'Version', `Changed (${ZONE})`, '']
        .map((t) => h('th', null, t)))),
      tbody),
    pager);

  // The drifted jobs, whatever the page shows.
  if (session.me?.environment === 'runtime') {
    api('GET', `/api/v1/jobs?drift=true&limit=${DRIFTED}`).then((res) => {
      const drifted = res.data.items;
      if (!drifted.length) return;
      banner.className = 'drift-banner';
      fill(banner, h('strong', null, `Runtime environment: ${drifted.length}${res.data.next_cursor ? '+' : ''} job${drifted.length === 1 ? '' : 's'} drifted`),
        ' from the applied export (changed here for troubleshooting): ',
        drifted.map((j, i) => [i ? ', ' : '', h('a', { href: `#/def/${encodeURIComponent(j.name)}`, 'data-drifted': j.name }, j.name)]),
        res.data.next_cursor ? ` and more (the first ${DRIFTED} named)` : '', '. Applying the export again ends the drift.');
    }, (e) => fill(err, `Cannot read the drifted jobs: ${e.message}`));
  }

  async function show() {
    const p = new URLSearchParams({ limit: String(JOBS) });
    if (group) p.set('group', group);
    if (cursors[cursors.length - 1]) p.set('cursor', cursors[cursors.length - 1]);
    let d;
    try {
      d = (await api('GET', `/api/v1/jobs?${p}`)).data;
    } catch (e) {
      fill(err, `Cannot read the jobs: ${e.message}`);
      return;
    }
    fill(err);
    const items = d.items;
    const first = (cursors.length - 1) * JOBS;
    fill(info, items.length ? `Jobs ${first + 1} to ${first + items.length}${group ? ` of group ${group}` : ''}, by name${cursors.length > 1 || d.next_cursor ? ` (${JOBS} a page)` : ''}.` : '');
    fill(pager,
      cursors.length > 1 && h('button', { type: 'button', id: 'jobs-prev', onclick: () => { cursors.pop(); page(); } }, '← Previous jobs'), ' ',
      d.next_cursor && h('button', { type: 'button', id: 'jobs-next', onclick: () => { cursors.push(d.next_cursor); page(); } }, 'Next jobs →'));
    fill(tbody, items.length ? items.map((j) => h('tr', { 'data-job': j.name },
      h('td', null, h('a', { href: `#/def/${encodeURIComponent(j.name)}`, 'data-def': j.name, title: 'its definition' }, j.name), ' ',
        j.drift && [driftMark(j), ' '],
        h('a', { href: `#/monitor?job=${encodeURIComponent(j.name)}&range=30d`, class: 'small' }, 'instances')),
      h('td', null, j.group || '—'),
      h('td', null, j.type),
      h('td', null, j.enabled ? h('span', { class: 'yes' }, '✔ enabled') : h('span', { class: 'no' }, '✖ disabled')),
      h('td', { class: 'mono' }, j.cron ? `${j.cron} (${j.timezone || "tenant's zone"})` : j.type === 'manual' ? 'submitted by hand' : 'on its parents'),
      h('td', { class: 'params' }, Object.keys(j.parameters || {}).join(', ') || '—'),
      h('td', { class: 'num' }, String(j.version)),
      h('td', null, timeEl(j.updated_at)),
      h('td', null, can('operator') && j.enabled && h('a', { class: 'button', href: `#/submit/${encodeURIComponent(j.name)}`, 'data-submit': j.name }, 'Submit…'))))
      : h('tr', null, h('td', { colspan: 9, class: 'muted' }, group ? `No job of group ${group}.` : 'No job yet (batchctl apply).')));
  }
  const page = serial(show); // one read at a time: a later click's page is drawn last
  page();
  return null;
}
