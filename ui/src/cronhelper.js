// cronhelper.js: the cron helper, an expression and a zone in, batchd's plain-English
// explanation and its next 10 fire times out, those moved or doubled by a DST transition
// marked (GET /api/v1/cron: the scheduler's own engine, nothing of cron is computed
// here). Part of the cron helper's page (pages/cron.js) and of the definition page.
import { api } from './api.js';
import { h, fill } from './dom.js';
import { ZONE, showTime } from './time.js';

let zonesList = null;
function zones() {
  if (!zonesList) {
    let names = [];
    try { names = Intl.supportedValuesOf('timeZone'); } catch { /* older browser: none */ }
    zonesList = h('datalist', { id: 'tz-names' }, ['UTC', ...names].map((z) => h('option', { value: z })));
  }
  return zonesList;
}

// A helper in `el`: {expr, tz, from} to start with; onChange(expr, tz, from) when the
// user changes them (the page keeps them in its address). Returns {set(expr, tz)}.
export function cronHelper(el, start, onChange) {
  const exprIn = h('input', { type: 'text', id: 'cron-expr', class: 'mono', size: 30, value: start.expr || '', placeholder: '0 1 * * *', spellcheck: 'false', autocomplete: 'off' });
  const tzIn = h('input', { type: 'text', id: 'cron-tz', size: 22, value: start.tz || '', placeholder: "the tenant's zone", list: 'tz-names' });
  const fromIn = h('input', { type: 'date', id: 'cron-from', value: start.from || '' });
  const explain = h('p', { id: 'cron-explain', class: 'explain' });
  const err = h('div', { id: 'cron-error', class: 'error', role: 'alert' });
  const tbody = h('tbody', { id: 'cron-fires' });
  const note = h('p', { class: 'muted', id: 'cron-note' });
  let timer = null;
  let seq = 0;

  async function run() {
    const expr = exprIn.value.trim();
    const my = ++seq;
    fill(err);
    if (!expr) { fill(explain); fill(tbody); fill(note); return; }
    const p = new URLSearchParams({ expr, count: '10' });
    if (tzIn.value.trim()) p.set('tz', tzIn.value.trim());
    if (fromIn.value) p.set('from', `${fromIn.value}T00:00:00`);
    try {
      const d = (await api('GET', `/api/v1/cron?${p}`)).data;
      if (my !== seq) return; // a later request is on its way
      fill(explain, h('strong', null, d.explanation), ` (time zone ${d.timezone})`);
      // The viewer's zone beside the job's where they differ (UTC has its own column).
      const other = d.timezone !== ZONE && ZONE !== 'UTC' && ZONE !== 'Etc/UTC';
      const moved = d.fires.filter((f) => f.dst).length;
      fill(note, d.never ? 'This expression never fires: no date matches it.'
        : `The next ${d.fires.length} fire times after ${showTime(d.from)}, in the job's zone ${d.timezone}${other ? `, in yours (${ZONE})` : ''} and in UTC. ` +
          (moved ? `${moved} of them concerned by a daylight-saving transition (⚠).` : 'No daylight-saving transition concerns them.'));
      const heads = ['#', `Job's zone (${d.timezone})`, ...(other ? [`Yours (${ZONE})`] : []), 'UTC', 'DST'];
      fill(tbody.parentNode.querySelector('thead'), h('tr', null, heads.map((t) => h('th', null, t))));
      fill(tbody, d.fires.map((f, i) => h('tr', { 'data-local': f.local, 'data-dst': f.dst || '', class: f.dst ? 'dst' : null },
        h('td', { class: 'num' }, String(i + 1)),
        h('td', { class: 'mono' }, `${f.local.replace('T', ' ')} ${d.timezone}`),
        other && h('td', { class: 'mono' }, showTime(f.utc)),
        h('td', { class: 'mono' }, f.utc.replace('T', ' ').replace('Z', ' UTC')),
        h('td', null, f.dst ? h('span', { class: 'dstmark', title: f.dst }, `⚠ ${f.dst_note}`) : ''))));
    } catch (e) {
      if (my !== seq) return;
      fill(explain);
      fill(tbody);
      fill(note);
      const pb = e.problem || {};
      // The expression with a caret under the column the parser names.
      fill(err, h('p', null, e.message),
        pb.position && h('pre', { id: 'cron-caret', class: 'caret' }, `${expr}\n${' '.repeat(pb.position - 1)}^ ${pb.field || ''}`));
    }
  }
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(() => { run(); if (onChange) onChange(exprIn.value.trim(), tzIn.value.trim(), fromIn.value); }, 350);
  };
  for (const i of [exprIn, tzIn, fromIn]) i.addEventListener('input', changed);
  fill(el,
    h('div', { class: 'filters' }, h('div', { class: 'row' },
      h('label', { for: 'cron-expr' }, 'Expression '), exprIn, ' ',
      h('label', { for: 'cron-tz' }, 'Zone '), tzIn, zones(), ' ',
      h('label', { for: 'cron-from' }, 'from '), fromIn,
      h('span', { class: 'muted' }, ' (00:00 in the zone; empty: now by batchd\'s clock)'))),
    err, explain, note,
    h('table', { class: 'grid narrow' }, h('thead'), tbody));
  run();
  return {
    set(expr, tz) { exprIn.value = expr || ''; tzIn.value = tz || ''; run(); },
    stop() { clearTimeout(timer); },
  };
}
