// The job monitor: instances due in a time range (default the last 24 hours of batchd's
// clock), filtered by job, state, has-failure, failed and "My Jobs", latest due first, a page
// of PAGE rows at a time. Live: batchd pushes each state change (live.js); a row shown
// takes its new state from the delta at once, then the page is read again (one request,
// If-None-Match) for the rest. Without the stream it polls every POLL_MS; with it, every
// SAFETY_MS only (the rolling window moves). Nothing while the tab is hidden. The
// filters live in the hash, so a reload or a shared link shows the same view.
import { api, session } from '../api.js';
import { h, fill } from '../dom.js';
import { STATES, badge, reasonOf, paramsText } from '../states.js';
import { timeEl, isoOf, toLocalInput, fromLocalInput, ZONE, showTime } from '../time.js';
import { onChange, isLive, serial, liveText } from '../live.js';

const POLL_MS = 3000;
const SAFETY_MS = 15000;
const REREAD_MS = 700; // after a delta, the page is read again this much later (changes come in bursts)
const PAGE = 50;
const RANGES = [['24h', 'Last 24 hours', 24], ['7d', 'Last 7 days', 24 * 7], ['30d', 'Last 30 days', 24 * 30]];

export function monitorPage(main, r) {
  const q = r.query;
  const f = {
    range: q.get('range') || '24h', from: q.get('from') || '', to: q.get('to') || '',
    job: q.get('job') || '', state: q.get('state') || '', has_failure: q.get('has_failure') === '1',
    failed: q.get('failed') === '1', mine: q.get('mine') === '1',
  };
  const cursors = ['']; // cursor of each page shown so far (for "Newer")
  let etag = null;
  let timer = null;

  const setHash = (changes) => {
    const n = { ...f, ...changes };
    const p = new URLSearchParams();
    if (n.range !== '24h') p.set('range', n.range);
    if (n.range === 'custom') { p.set('from', n.from); p.set('to', n.to); }
    if (n.job) p.set('job', n.job);
    if (n.state !== '') p.set('state', n.state);
    for (const k of ['has_failure', 'failed', 'mine']) if (n[k]) p.set(k, '1');
    location.hash = `#/monitor${p.toString() ? '?' + p : ''}`;
  };

  // ---- the filter bar
  const rangeButtons = RANGES.map(([key, label]) =>
    h('button', { type: 'button', class: f.range === key ? 'on' : null, 'data-range': key,
      onclick: () => setHash({ range: key }) }, label));
  const fromIn = h('input', { type: 'datetime-local', id: 'f-from' });
  const toIn = h('input', { type: 'datetime-local', id: 'f-to' });
  const jobIn = h('input', { type: 'text', id: 'f-job', value: f.job, placeholder: 'any job', size: 16, list: 'job-names' });
  const jobList = h('datalist', { id: 'job-names' });
  const stateSel = h('select', { id: 'f-state' }, h('option', { value: '' }, 'any state'),
    STATES.map((s) => h('option', { value: String(s.code) }, `${s.glyph} ${s.name}`)));
  stateSel.value = f.state;
  const box = (id, label, on) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', id, checked: on }), ' ', label);
  const hf = box('f-has-failure', 'has failure', f.has_failure);
  const fl = box('f-failed', 'failed', f.failed);
  const mine = box('f-mine', 'My Jobs', f.mine);
  // Applies the filters; `custom`: the from/to inputs become the range.
  function apply(ev, custom) {
    if (ev) ev.preventDefault();
    const from = fromLocalInput(fromIn.value), to = fromLocalInput(toIn.value);
    custom = from && to && (f.range === 'custom' || custom);
    setHash({
      range: custom ? 'custom' : f.range, from: from || '', to: to || '',
      job: jobIn.value.trim(), state: stateSel.value,
      has_failure: hf.querySelector('input').checked, failed: fl.querySelector('input').checked,
      mine: mine.querySelector('input').checked,
    });
  }
  for (const el of [stateSel, hf, fl, mine]) el.addEventListener('change', () => apply(null, false));
  const windowText = h('p', { id: 'window', class: 'window' });
  const status = h('span', { id: 'live', class: 'live' });
  const tbody = h('tbody', { id: 'instances' });
  const pager = h('div', { class: 'pager' });
  const err = h('p', { class: 'error', role: 'alert' });

  fill(main,
    h('h1', null, 'Job monitor'),
    h('form', { class: 'filters', onsubmit: apply },
      h('div', { class: 'row' }, h('span', { class: 'lbl' }, 'Due'), rangeButtons,
        h('span', { class: 'custom' }, 'from ', fromIn, ' to ', toIn, ' ',
          h('button', { type: 'button', id: 'f-apply-range', onclick: (ev) => apply(ev, true) }, 'Show range'))),
      h('div', { class: 'row' },
        h('label', { for: 'f-job' }, 'Job '), jobIn, jobList, ' ',
        h('label', { for: 'f-state' }, 'State '), stateSel, ' ', hf, fl, mine, ' ',
        h('button', { type: 'submit', id: 'f-apply' }, 'Filter'))),
    windowText, err,
    h('table', { class: 'grid' },
      h('thead', null, h('tr', null, ['State', 'Instance', 'Job', `Due (${ZONE})`, 'Reason', 'Parameters', 'Failure', `Updated (${ZONE})`]
        .map((t) => h('th', null, t)))),
      tbody),
    h('div', { class: 'below' }, pager, status));

  // The job names for the job field's suggestions, read when the field is first used
  // (with thousands of jobs that list is the largest answer: not part of the first load).
  let named = false;
  jobIn.addEventListener('focus', () => {
    if (named) return;
    named = true;
    api('GET', '/api/v1/jobs?limit=1000').then(({ data }) =>
      fill(jobList, data.items.map((j) => h('option', { value: j.name })))).catch(() => { named = false; });
  });

  // The due window asked for: [from, to] ISO.
  async function windowOf() {
    if (f.range === 'custom' && f.from && f.to) return [f.from, f.to, 'chosen range'];
    const hours = (RANGES.find(([k]) => k === f.range) || RANGES[0])[2];
    // batchd's clock (virtual in tests), read again on each poll; the first read of a page
    // load uses the one the shell has just read (one round trip less before the rows).
    const fresh = session.me && session.meAt && Date.now() - session.meAt < 1000;
    session.meAt = 0;
    const now = new Date(fresh ? session.me.now : (await api('GET', '/api/v1/whoami')).data.now);
    const label = (RANGES.find(([k]) => k === f.range) || RANGES[0])[1].toLowerCase();
    // Whole minutes, so that the window moves once a minute.
    const t = Math.floor(now.getTime() / 60e3) * 60e3;
    return [isoOf(new Date(t - hours * 3600e3)), isoOf(new Date(t + 120e3)), `${label} of batchd's clock`];
  }

  function rows(items) {
    if (!items.length) return [h('tr', null, h('td', { colspan: 8, class: 'muted' }, 'No instance matches.'))];
    return items.map((it) => h('tr', { 'data-id': it.id, 'data-job': it.job, 'data-state': it.state_name },
      h('td', null, badge(it.state)),
      h('td', null, h('a', { href: `#/instance/${it.id}` }, `#${it.id}`)),
      h('td', null, it.job, it.scheduled ? '' : h('span', { class: 'tag' }, 'submitted')),
      h('td', null, timeEl(it.due)),
      h('td', { class: 'reason' }, reasonOf(it)),
      h('td', { class: 'params' }, paramsText(it.params)),
      h('td', null, it.has_failure ? h('span', { class: 'flag', title: `${it.skip_count} items skipped` }, `⚑ ${it.skip_count} skipped`) : ''),
      h('td', null, timeEl(it.updated_at))));
  }

  let lastRead = 0;
  let reread = null;
  // Each poll tick: nothing while hidden; with the stream, only every SAFETY_MS.
  function tick() {
    if (document.hidden) { fill(status, '⏸ paused while the tab is hidden'); return; }
    if (isLive() && Date.now() - lastRead < SAFETY_MS) return;
    poll();
  }
  // A delta: the rows shown take their new state now; the page is read again soon.
  function delta(d) {
    if (document.hidden) return;
    for (const c of d.changes || []) {
      const tr = tbody.querySelector(`tr[data-id="${c.instance_id}"]`);
      if (!tr) continue;
      tr.dataset.state = c.state;
      tr.firstChild.replaceChildren(badge(c.state_code));
      tr.classList.add('pushed');
    }
    clearTimeout(reread);
    reread = setTimeout(poll, d.resync ? 0 : REREAD_MS);
  }

  const poll = serial(pollOnce);
  async function pollOnce() {
    if (document.hidden) { fill(status, '⏸ paused while the tab is hidden'); return; }
    lastRead = Date.now();
    try {
      const [from, to, label] = await windowOf();
      if (document.hidden) return; // hidden meanwhile
      const p = new URLSearchParams({ from, to, order: 'due', limit: String(PAGE) });
      if (f.job) p.set('job', f.job);
      if (f.state !== '') p.set('state', f.state);
      if (f.has_failure) p.set('has_failure', 'true');
      if (f.failed) p.set('failed', 'true');
      if (f.mine) p.set('submitted_by', 'me');
      const cur = cursors[cursors.length - 1];
      if (cur) p.set('cursor', cur);
      if (!fromIn.value) fromIn.value = toLocalInput(from);
      if (!toIn.value) toIn.value = toLocalInput(to);
      fill(windowText, `Instances due from ${showTime(from)} to ${showTime(to)} (${label}), latest due first.`);
      // The ETag is a hash of the answer's body (server.c), so it stays valid while the
      // rolling window moves: 304 means the rows would be the same.
      const res = await api('GET', `/api/v1/instances?${p}`, { etag });
      fill(err);
      fill(status, liveText(lastRead));
      if (res.status === 304) return;
      etag = res.etag;
      fill(tbody, rows(res.data.items));
      const next = res.data.next_cursor;
      fill(pager,
        cursors.length > 1 && h('button', { type: 'button', id: 'newer', onclick: () => { cursors.pop(); etag = null; poll(); } }, '← Newer'),
        h('span', { class: 'muted' }, ` page ${cursors.length} `),
        next && h('button', { type: 'button', id: 'older', onclick: () => { cursors.push(String(next)); etag = null; poll(); } }, 'Older →'));
    } catch (e) {
      fill(err, `Cannot read the instances: ${e.message}`);
    }
  }
  function schedule() {
    clearInterval(timer);
    timer = setInterval(tick, POLL_MS);
  }
  const onVis = () => { if (document.hidden) fill(status, '⏸ paused while the tab is hidden'); else poll(); };
  document.addEventListener('visibilitychange', onVis);
  const off = onChange(delta);
  poll();
  schedule();
  return () => {
    clearInterval(timer);
    clearTimeout(reread);
    off();
    document.removeEventListener('visibilitychange', onVis);
  };
}
