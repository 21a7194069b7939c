// The grid of jobs x recent days (#/grid?days=&to=&group=), like Airflow's grid view:
// one row per job (JOBS a page), one column per day of the tenant's zone, each cell the governing
// instance's state that day (its colour and glyph, the name in its tooltip), a link to
// the instance; an empty cell where none was due. One request per refresh
// (GET /api/v1/grid), however many cells; polled with If-None-Match, paused while the
// tab is hidden, and read again at once when batchd pushes a change (live.js).
import { api } from '../api.js';
import { h, fill } from '../dom.js';
import { STATES } from '../states.js';
import { onChange, serial } from '../live.js';

const POLL_MS = 5000;
const JOBS = 50; // rows a page: a tenant's thousands of jobs are never all in the page

export function gridPage(main, r) {
  const q = r.query;
  const asked = /^[1-9][0-9]?$/.test(q.get('days') || '') ? Number(q.get('days')) : 14;
  const choices = [...new Set([7, 14, 30, 62, asked])].sort((x, y) => x - y);
  const daysIn = h('select', { id: 'g-days' }, choices.map((n) => h('option', { value: n }, `${n} day${n === 1 ? '' : 's'}`)));
  daysIn.value = String(asked);
  const toIn = h('input', { type: 'date', id: 'g-to', value: q.get('to') || '' });
  const groupIn = h('input', { type: 'text', id: 'g-group', value: q.get('group') || '', placeholder: 'all groups', size: 14 });
  const err = h('p', { class: 'error', role: 'alert' });
  const info = h('p', { id: 'g-info', class: 'window' });
  const box = h('div', { id: 'grid-box', class: 'gridbox' });
  const status = h('span', { id: 'live', class: 'live' });
  const pager = h('span', { class: 'pager', id: 'g-pager' });
  const cursors = ['']; // the cursor of each page shown so far
  let etag = null;

  const go = (ev) => {
    if (ev) ev.preventDefault();
    const p = new URLSearchParams({ days: daysIn.value });
    if (toIn.value) p.set('to', toIn.value);
    if (groupIn.value.trim()) p.set('group', groupIn.value.trim());
    location.hash = `#/grid?${p}`;
  };
  fill(main,
    h('h1', null, 'Grid: jobs × days'),
    h('form', { class: 'filters', onsubmit: go },
      h('div', { class: 'row' },
        h('label', { for: 'g-days' }, 'Show '), daysIn, ' ',
        h('label', { for: 'g-to' }, 'up to '), toIn, h('span', { class: 'muted' }, ' (empty: today)'), ' ',
        h('label', { for: 'g-group' }, 'Group '), groupIn, ' ',
        h('button', { type: 'submit', id: 'g-show' }, 'Show'))),
    info, err, box, h('div', { class: 'below' }, pager, status),
    h('p', { class: 'muted' }, 'Each cell: the latest instance due that day; click it to open the instance.'));

  function draw(d) {
    const head = h('tr', null, h('th', { scope: 'col' }, 'Job'),
      d.days.map((day) => h('th', { scope: 'col', class: 'day', title: `${day} (${d.timezone})` }, day.slice(5))));
    const rows = d.jobs.map((j) => h('tr', { 'data-job': j.job },
      h('th', { scope: 'row', class: 'job' }, h('a', { href: `#/def/${encodeURIComponent(j.job)}` }, j.job),
        j.group ? h('span', { class: 'tag' }, j.group) : null, j.enabled ? null : h('span', { class: 'tag' }, 'disabled')),
      j.cells.map((c, i) => {
        if (!c) return h('td', { class: 'cell none', 'data-day': d.days[i], title: `${j.job}, ${d.days[i]}: no instance due` }, '·');
        const st = STATES[c.state_code] || { glyph: '?', name: c.state };
        return h('td', { class: 'cell', 'data-day': d.days[i], 'data-state': st.name },
          h('a', { href: `#/instance/${c.instance_id}`, class: `gcell st-${c.state_code}`, 'aria-label': `${j.job} ${d.days[i]}: ${st.name}`,
            title: `${j.job}, ${d.days[i]}: ${st.name} — instance #${c.instance_id} due ${c.due}${c.runs > 1 ? ` (${c.runs} runs that day, the latest shown)` : ''}` },
          st.glyph, c.runs > 1 ? h('sup', null, String(c.runs)) : null));
      })));
    fill(box, d.jobs.length ? h('table', { class: 'jobgrid', id: 'jobgrid' }, h('thead', null, head), h('tbody', null, rows))
      : h('p', { class: 'muted' }, 'No job (of this group).'));
    const cells = d.jobs.flatMap((j) => j.cells).filter(Boolean);
    fill(info, `${d.days[0]} to ${d.days[d.days.length - 1]}, days of the tenant's zone ${d.timezone}: ${d.jobs.length} jobs${cursors.length > 1 || d.next_cursor ? ` (page ${cursors.length}, ${JOBS} jobs a page)` : ''}, ${cells.length} job-days with an instance.`);
    fill(pager,
      cursors.length > 1 && h('button', { type: 'button', id: 'g-prev', onclick: () => { cursors.pop(); etag = null; poll(); } }, '← Previous jobs'),
      d.next_cursor && h('button', { type: 'button', id: 'g-next', onclick: () => { cursors.push(d.next_cursor); etag = null; poll(); } }, 'Next jobs →'));
    // The states present, as a legend.
    const seen = [...new Set(cells.map((c) => c.state_code))].sort((a, b) => a - b);
    box.appendChild(h('p', { class: 'legend' }, seen.map((s) => h('span', { class: 'legend-item' },
      h('span', { class: `gcell st-${s}` }, STATES[s].glyph), ' ', STATES[s].name))));
  }

  const poll = serial(pollOnce);
  async function pollOnce() {
    if (document.hidden) { fill(status, '⏸ paused while the tab is hidden'); return; }
    try {
      const p = new URLSearchParams({ days: daysIn.value, limit: String(JOBS) });
      if (toIn.value) p.set('to', toIn.value);
      if (groupIn.value.trim()) p.set('group', groupIn.value.trim());
      if (cursors[cursors.length - 1]) p.set('cursor', cursors[cursors.length - 1]);
      const res = await api('GET', `/api/v1/grid?${p}`, { etag });
      fill(err);
      fill(status, `● live, checked ${new Date().toLocaleTimeString()}`);
      if (res.status === 304) return;
      etag = res.etag;
      draw(res.data);
    } catch (e) {
      fill(err, `Cannot read the grid: ${e.message}`);
    }
  }
  const onVis = () => { if (!document.hidden) poll(); };
  document.addEventListener('visibilitychange', onVis);
  const off = onChange(() => poll());
  poll();
  const timer = setInterval(poll, POLL_MS);
  return () => {
    clearInterval(timer);
    off();
    document.removeEventListener('visibilitychange', onVis);
  };
}
