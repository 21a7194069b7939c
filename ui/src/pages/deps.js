// The dependency view of a day (seed 001 "Dependency View"; GET /api/v1/deps): the jobs
// as a DAG laid out by dagre (npm @dagrejs/dagre, bundled), parents left of children,
// each node coloured by its governing instance's state that day: green succeeded, yellow
// waiting or running, red failed, skipped or canceled, grey not due (no instance that
// day). The state's glyph and name are written in the node too, so no state is told by
// colour alone. Success edges are solid, completion edges dashed. A node with an
// instance links to it. batchd pushes the state changes (live.js): a node whose governing
// instance changed takes its new state from the delta at once, and the day is read again
// REREAD_MS later (one request, If-None-Match) for the rest (a new instance, a due time).
// With the stream the view also reads the day every SAFETY_MS (the day and the
// definitions move without a state change); without it, it polls every POLL_MS. Nothing
// while the tab is hidden. A day of more than MAX_NODES jobs is not drawn: the page lists
// its groups, each a link to its own view, and reads the day no more.
// dagre is a bundle of its own (ui/dist/graph.js), loaded when the view is first shown.
let dagre = null;
import { api } from '../api.js';
import { h, fill } from '../dom.js';
import { STATES } from '../states.js';
import { onChange, isLive, serial, liveText } from '../live.js';

const POLL_MS = 3000;
const SAFETY_MS = 15000;
const REREAD_MS = 700;
const NODE_W = 190, NODE_H = 56;
// A day of more jobs than this is not laid out (dagre's layout of 100,000 nodes took
// minutes, and no one reads such a graph): the page lists the day's groups instead.
const MAX_NODES = 500;
const MAX_GROUPS = 100; // groups listed then, the largest first

// The colour family of a state code (null: no instance that day).
export function familyOf(code) {
  if (code === null || code === undefined) return 'grey';
  if (code === 5 || code === 12) return 'green';
  if ([0, 1, 2, 4, 10].includes(code)) return 'yellow';
  return 'red'; // 3 Start Failed, 6 Failed, 7 Timeout Failed, 8 Timeout Skip, 9 Canceled, 11 Stop Failed
}

const SVG = 'http://www.w3.org/2000/svg';
// An SVG element (text goes in as text nodes, as in dom.js).
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

// A date 'YYYY-MM-DD' of an instant in a zone.
function dateIn(iso, zone) {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
  } catch {
    return iso.slice(0, 10);
  }
}

export function depsPage(main, r) {
  const q = r.query;
  const dateIn_ = h('input', { type: 'date', id: 'd-date', value: q.get('date') || '' });
  const groupIn = h('input', { type: 'text', id: 'd-group', value: q.get('group') || '', placeholder: 'all groups', size: 14 });
  const err = h('p', { class: 'error', role: 'alert' });
  const info = h('p', { id: 'd-info', class: 'window' });
  const box = h('div', { id: 'dag', class: 'dag' });
  const status = h('span', { id: 'live', class: 'live' });
  let etag = null;
  let timer = null;
  let reread = null;
  let cur = null; // the day as last drawn
  let lastRead = 0;
  let date = q.get('date') || '';

  const go = (ev) => {
    if (ev) ev.preventDefault();
    const p = new URLSearchParams();
    if (dateIn_.value) p.set('date', dateIn_.value);
    if (groupIn.value.trim()) p.set('group', groupIn.value.trim());
    location.hash = `#/deps?${p}`;
  };
  const legendItem = (fam, text) => h('span', { class: 'legend-item' }, h('span', { class: `swatch fam-${fam}` }), ' ', text);
  fill(main,
    h('h1', null, 'Dependency view'),
    h('form', { class: 'filters', onsubmit: go },
      h('div', { class: 'row' },
        h('label', { for: 'd-date' }, 'Day '), dateIn_, ' ',
        h('label', { for: 'd-group' }, 'Group '), groupIn, ' ',
        h('button', { type: 'submit', id: 'd-show' }, 'Show'))),
    h('p', { class: 'legend' },
      legendItem('green', 'succeeded'), legendItem('yellow', 'waiting or running'),
      legendItem('red', 'failed, skipped or canceled'), legendItem('grey', 'not due (no instance that day)'),
      h('span', { class: 'legend-item' }, h('span', { class: 'line-solid' }), ' success dependency'),
      h('span', { class: 'legend-item' }, h('span', { class: 'line-dashed' }), ' completion dependency')),
    info, err, box, h('div', { class: 'below' }, h('span'), status));

  // Too many jobs to draw: the day's groups with their jobs, each a link to its own view,
  // and no further reads until one is chosen (each read of such a day is megabytes).
  let stopped = false;
  function tooMany(d) {
    stopped = true;
    clearInterval(timer);
    clearTimeout(reread);
    fill(status, 'not followed: choose a group');
    const counts = new Map();
    for (const n of d.nodes) counts.set(n.group || '', (counts.get(n.group || '') || 0) + 1);
    const groups = [...counts].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
    const link = (g) => `#/deps?${new URLSearchParams({ date: d.date, group: g })}`;
    fill(info, `${d.date} in the tenant's zone ${d.timezone}: ${d.nodes.length} jobs${groupIn.value.trim() ? ` of group ${groupIn.value.trim()}` : ''}.`);
    fill(box, h('div', { id: 'd-too-many' },
      h('p', null, `${d.nodes.length} jobs are more than the ${MAX_NODES} this view draws. Choose a group:`),
      h('table', { class: 'grid', id: 'd-groups' },
        h('thead', null, h('tr', null, h('th', null, 'Group'), h('th', null, 'Jobs'))),
        h('tbody', null, groups.slice(0, MAX_GROUPS).map(([g, n]) => h('tr', { 'data-group': g },
          h('td', null, g ? h('a', { href: link(g) }, g) : h('span', { class: 'muted' }, '(no group)')),
          h('td', { class: 'num' }, String(n), n > MAX_NODES ? h('span', { class: 'muted' }, ' (too many to draw)') : ''))))),
      groups.length > MAX_GROUPS ? h('p', { class: 'muted' }, `… and ${groups.length - MAX_GROUPS} smaller groups.`) : ''));
  }

  function draw(d) {
    cur = d;
    if (d.nodes.length > MAX_NODES) {
      tooMany(d);
      return;
    }
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: 'LR', nodesep: 22, ranksep: 70, marginx: 10, marginy: 10 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const n of d.nodes) g.setNode(n.job, { width: NODE_W, height: NODE_H });
    for (const e of d.edges) g.setEdge(e.from, e.to);
    dagre.layout(g);
    const gr = g.graph();
    const W = Math.ceil(gr.width || 200), H = Math.ceil(gr.height || 80);
    const defs = s('defs', null,
      s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' },
        s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' })));
    const modes = new Map(d.edges.map((e) => [`${e.from}\u0000${e.to}`, e.mode]));
    const edges = g.edges().map((e) => {
      const pts = g.edge(e).points;
      const mode = modes.get(`${e.v}\u0000${e.w}`);
      return s('path', { class: `edge edge-${mode}`, 'data-from': e.v, 'data-to': e.w, 'data-mode': mode,
        d: pts.map((p, i) => `${i ? 'L' : 'M'} ${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join(' '), 'marker-end': 'url(#arrow)' },
      s('title', null, `${e.v} → ${e.w}: ${mode === 'completion' ? 'runs when the parent has ended, however' : 'runs when the parent succeeded'}`));
    });
    const nodes = d.nodes.map((n) => {
      const p = g.node(n.job);
      const fam = familyOf(n.state_code);
      const st = n.state_code === null ? null : STATES[n.state_code];
      const x = p.x - NODE_W / 2, y = p.y - NODE_H / 2;
      const label = st ? `${st.glyph} ${st.name}` : '— no instance that day';
      const body = s('g', { class: `node fam-${fam}${n.enabled === false ? ' disabled' : ''}`, 'data-job': n.job, 'data-family': fam,
        'data-state': st ? st.name : '', 'data-instance': n.instance_id ?? '' },
      s('title', null, `${n.job}${n.group ? ` (${n.group})` : ''}: ${st ? `${st.name}, instance #${n.instance_id} due ${n.due}` : 'no instance due that day'}${n.enabled === false ? '; disabled' : ''}`),
      s('rect', { x, y, width: NODE_W, height: NODE_H, rx: 6, ry: 6 }),
      s('text', { x: x + 10, y: y + 22, class: 'job' }, n.job.length > 24 ? `${n.job.slice(0, 23)}…` : n.job),
      s('text', { x: x + 10, y: y + 43, class: 'st' }, label, n.enabled === false ? ' · disabled' : ''));
      return n.instance_id ? s('a', { href: `#/instance/${n.instance_id}`, class: 'node-link' }, body) : body;
    });
    fill(box, s('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `dependencies of ${d.date}` },
      defs, s('g', { class: 'edges' }, edges), s('g', { class: 'nodes' }, nodes)));
    const count = (f) => d.nodes.filter((n) => familyOf(n.state_code) === f).length;
    fill(info, `${d.date} in the tenant's zone ${d.timezone}: ${d.nodes.length} jobs — ${count('green')} succeeded, ${count('yellow')} waiting or running, ${count('red')} failed or skipped, ${count('grey')} not due.`);
    if (!d.nodes.length) fill(box, h('p', { class: 'muted' }, 'No job (of this group).'));
  }

  const poll = serial(pollOnce);
  async function pollOnce() {
    if (document.hidden) { fill(status, '⏸ paused while the tab is hidden'); return; }
    lastRead = Date.now();
    let first = null; // the day's read made to learn the tenant's zone
    try {
      if (!date) {
        // Today by batchd's clock, in the tenant's zone (the answer names it).
        const now = (await api('GET', '/api/v1/whoami')).data.now;
        date = now.slice(0, 10);
        first = await api('GET', `/api/v1/deps?date=${date}`);
        date = dateIn(now, first.data.timezone);
        dateIn_.value = date;
        // The answer serves when it was of that day and of every group.
        if (first.data.date !== date || groupIn.value.trim()) first = null;
      }
      const p = new URLSearchParams({ date });
      if (groupIn.value.trim()) p.set('group', groupIn.value.trim());
      const res = first || await api('GET', `/api/v1/deps?${p}`, { etag });
      if (!dagre) dagre = (await import('../lazy/graph.js')).default;
      if (stopped) return; // a read under way when the day proved too large to draw
      fill(err);
      fill(status, liveText(lastRead));
      if (res.status === 304) return;
      etag = res.etag;
      draw(res.data);
    } catch (e) {
      fill(err, `Cannot read the dependencies: ${e.message}`);
    }
  }
  // A delta: a node whose governing instance changed state is drawn with its new state
  // now (the layout does not change); the day is read again soon for the rest.
  function delta(d) {
    if (document.hidden || stopped) return;
    let changed = false;
    for (const c of d.changes || []) {
      const n = cur && cur.nodes.find((x) => x.job === c.job && x.instance_id === c.instance_id);
      if (!n || n.state_code === c.state_code) continue;
      n.state_code = c.state_code;
      changed = true;
    }
    if (changed && dagre) draw(cur);
    clearTimeout(reread);
    reread = setTimeout(poll, d.resync ? 0 : REREAD_MS);
  }
  function tick() {
    if (stopped) return;
    if (document.hidden) { fill(status, '⏸ paused while the tab is hidden'); return; }
    if (isLive() && Date.now() - lastRead < SAFETY_MS) return;
    poll();
  }
  const onVis = () => { if (!document.hidden && !stopped) poll(); };
  document.addEventListener('visibilitychange', onVis);
  const off = onChange(delta);
  poll();
  timer = setInterval(tick, POLL_MS);
  return () => {
    clearInterval(timer);
    clearTimeout(reread);
    off();
    document.removeEventListener('visibilitychange', onVis);
  };
}
