// The jobs: every job of the tenant with its group, type, trigger (cron and zone),
// whether it is enabled, a Submit link for operators and admins, and "+ New job" for
// admins (the role that may create one: POST /api/v1/jobs). In a runtime environment, a
// banner lists the drifted jobs (changed for troubleshooting rather than by an applied
// export: "drift" in GET /api/v1/jobs), and each one's row is marked.
import { api, can, session } from '../api.js';
import { h, fill } from '../dom.js';
import { timeEl, ZONE } from '../time.js';
import { driftMark } from '../drift.js';

export function jobsPage(main, r) {
  const tbody = h('tbody', { id: 'jobs' });
  const err = h('p', { class: 'error', role: 'alert' });
  const banner = h('div', { id: 'drift-banner', role: 'status' });
  const deleted = r.query.get('deleted');
  fill(main, h('h1', null, 'Jobs'),
    can('admin') && h('p', { class: 'actions' }, h('a', { class: 'button', href: '#/newjob', id: 'new-job' }, '+ New job')),
    deleted && h('p', { id: 'jobs-msg', role: 'status' }, `Job "${deleted}" deleted.`),
    err, banner,
    h('table', { class: 'grid' },
      h('thead', null, h('tr', null, ['Job', 'Group', 'Type', 'Enabled', 'Trigger', 'Parameters', 'Version', `Changed (${ZONE})`, '']
        .map((t) => h('th', null, t)))),
      tbody));
  (async () => {
    const items = [];
    try {
      let cursor = null;
      do {
        const res = await api('GET', `/api/v1/jobs?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        items.push(...res.data.items);
        cursor = res.data.next_cursor;
      } while (cursor);
    } catch (e) {
      fill(err, `Cannot read the jobs: ${e.message}`);
      return;
    }
    const drifted = items.filter((j) => j.drift);
    if (session.me?.environment === 'runtime' && drifted.length) {
      banner.className = 'drift-banner';
      fill(banner, h('strong', null, `Runtime environment: ${drifted.length} job${drifted.length === 1 ? '' : 's'} drifted`),
        ' from the applied export (changed here for troubleshooting): ',
        drifted.map((j, i) => [i ? ', ' : '', h('a', { href: `#/def/${encodeURIComponent(j.name)}`, 'data-drifted': j.name }, j.name)]),
        '. Applying the export again ends the drift.');
    }
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
      : h('tr', null, h('td', { colspan: 9, class: 'muted' }, 'No job yet (batchctl apply).')));
  })();
  return null;
}
