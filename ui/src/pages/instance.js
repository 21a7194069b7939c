// Instance detail: the instance, its state history, executions with their step executions
// (the eight counts), and the log. batchd pushes (live.js) the instance's state changes,
// its step executions' new counts and the lines appended to its log: the page reads the
// instance when it opens, when the stream (re)opens and on a state change, and polls
// (every POLL_MS while it runs; ETag: 304 while nothing changed; the log from where it
// was, with a Range) only when there is no stream. Stop / rerun / mark success are shown
// to operators and admins; the server checks the role anyway. "Why?" is batchd's
// explanation of the instance's state (GET /api/v1/jobs/JOB/why?instance=ID), asked
// when the page first shows the instance and again at each change of its state.
import { api, can } from '../api.js';
import { h, fill } from '../dom.js';
import { FINAL, badge, reasonOf, paramsText } from '../states.js';
import { onChange, isLive, watch, isWatching, serial } from '../live.js';
import { timeEl, ZONE } from '../time.js';
import { whyPanel } from '../why.js';

const POLL_MS = 2000;
const COUNTS = ['read_count', 'write_count', 'commit_count', 'rollback_count', 'read_skip_count',
  'process_skip_count', 'write_skip_count', 'filter_count'];

export function instancePage(main, r) {
  const id = r.arg;
  if (!/^[1-9][0-9]*$/.test(id)) {
    fill(main, h('p', { class: 'error' }, 'Not an instance id.'));
    return null;
  }
  let etag = null;
  let timer = null;
  let logLen = 0;
  let logExec = null;
  let inst = null;
  const head = h('section', { id: 'summary' });
  const actions = h('div', { class: 'actions', id: 'actions' });
  const actionMsg = h('p', { id: 'action-msg', role: 'status' });
  const history = h('tbody', { id: 'history' });
  const execs = h('div', { id: 'executions' });
  const log = h('pre', { id: 'log', class: 'log' });
  const logNote = h('p', { class: 'muted', id: 'log-note' });
  const err = h('p', { class: 'error', role: 'alert' });
  const whyTitle = h('span', { id: 'why-job' });
  const whyBox = h('div', { id: 'why' });
  let whyState = null;

  fill(main,
    h('p', null, h('a', { href: '#/monitor' }, '← Job monitor')),
    h('h1', null, `Instance #${id}`), err, head, actions, actionMsg,
    h('h2', null, 'Why? ', whyTitle), whyBox,
    h('h2', null, 'State history'),
    h('table', { class: 'grid' }, h('thead', null, h('tr', null,
      [`At (${ZONE})`, 'From', 'To', 'By', 'Reason'].map((t) => h('th', null, t)))), history),
    h('h2', null, 'Executions'), execs,
    h('h2', null, 'Log'), logNote, log);

  async function act(action) {
    const reason = `${action} from the web UI`;
    fill(actionMsg, `${action}…`);
    try {
      const res = await api('POST', `/api/v1/instances/${id}/${action}`, { body: { reason } });
      fill(actionMsg, res.data.done ? `${action}: ${res.data.message}` : `${action}: requested; batchd carries it out when it can`);
    } catch (e) {
      fill(actionMsg, h('span', { class: 'error' }, `${action} refused: ${e.message}`));
    }
    etag = null;
    clearInterval(timer); // a rerun starts a new execution: follow it again
    timer = setInterval(tick, POLL_MS);
    refresh();
  }

  // The operators' requests each state allows (docs/states.md): stop from 0, 1, 2, 4 and
  // 11; rerun from the final states but 12; mark success from 0, 1, 3, 6, 7, 8, 9, 11.
  const STOP = new Set([0, 1, 2, 4, 11]);
  const RERUN = new Set([3, 5, 6, 7, 8, 9]);
  const MARK = new Set([0, 1, 3, 6, 7, 8, 9, 11]);
  function showActions() {
    if (!can('operator')) {
      fill(actions, h('span', { class: 'muted' }, 'Your role can only look (viewer).'));
      return;
    }
    const s = inst.state;
    fill(actions,
      STOP.has(s) && h('button', { type: 'button', id: 'act-stop', class: 'danger', onclick: () => act('stop') }, '■ Stop'),
      RERUN.has(s) && h('button', { type: 'button', id: 'act-rerun', onclick: () => act('rerun') }, '↻ Rerun'),
      MARK.has(s) && h('button', { type: 'button', id: 'act-mark-success', onclick: () => act('mark-success') }, '☑ Mark success'));
  }

  function stateName(code) {
    return code < 0 ? '(created)' : badge(code);
  }

  // The explanation of this instance's state, headed by its job's display name (read
  // once) and the state it explains. Only the latest call fills the panel: an earlier one
  // still waiting for the display name must not put back the state it was called for.
  let dnRead = null;
  let explained = 0;
  async function explain(d) {
    const n = ++explained;
    dnRead = dnRead || api('GET', `/api/v1/jobs/${encodeURIComponent(d.job)}`)
      .then((res) => res.data.display_name || '', () => ''); // the job's name serves
    const dn = await dnRead;
    if (n !== explained) return;
    fill(whyTitle, h('span', { class: 'mono' }, d.job), dn ? [' ', h('span', { id: 'why-display' }, `(${dn})`)] : '', ' is ', badge(d.state));
    whyPanel(whyBox, d.job, { instance: id });
  }

  function showSteps(steps) {
    if (!steps.length) return h('p', { class: 'muted' }, 'No step executions (not an SDK chunk job, or none yet).');
    return h('table', { class: 'grid steps' },
      h('thead', null, h('tr', null, ['Step', 'Status', 'read', 'write', 'commit', 'rollback', 'read skip', 'process skip', 'write skip', 'filter', 'Exit message', `Updated (${ZONE})`]
        .map((t) => h('th', null, t)))),
      h('tbody', null, steps.map((s) => h('tr', { 'data-step': s.name },
        h('td', null, s.name), h('td', null, s.status),
        COUNTS.map((c) => h('td', { class: 'num', 'data-count': c }, String(s[c]))),
        h('td', null, s.exit_message || ''), h('td', null, timeEl(s.updated_at))))));
  }

  function show(d) {
    inst = d;
    fill(head,
      h('dl', { class: 'kv' },
        h('dt', null, 'Job'), h('dd', { id: 'job' }, d.job),
        h('dt', null, 'State'), h('dd', { id: 'state' }, badge(d.state)),
        h('dt', null, 'Reason'), h('dd', { id: 'reason' }, reasonOf(d)),
        h('dt', null, 'Due'), h('dd', null, timeEl(d.due)),
        h('dt', null, 'Process date'), h('dd', { id: 'process-date' }, d.process_date || '—'),
        h('dt', null, 'Submitted by'), h('dd', { id: 'submitted-by' }, d.submitted_by || '—'),
        h('dt', null, 'Parameters'), h('dd', { id: 'params', class: 'params' }, paramsText(d.params) || '—'),
        h('dt', null, 'Data failure'), h('dd', null, d.has_failure ? `⚑ yes, ${d.skip_count} items skipped` : 'no'),
        h('dt', null, 'Trace'), h('dd', { class: 'mono' }, d.trace_id || '—')));
    showActions();
    if (whyState !== d.state) { whyState = d.state; explain(d); }
    fill(history, d.history.map((t) => h('tr', null,
      h('td', null, timeEl(t.at)), h('td', null, stateName(t.from)), h('td', null, stateName(t.to)),
      h('td', null, t.actor || ''), h('td', null, t.reason || ''))));
    fill(execs, d.executions.length ? d.executions.map((e) => h('div', { class: 'exec', 'data-exec': e.id },
      h('h3', null, `Execution ${e.id} (attempt ${e.attempt})`),
      h('p', null, 'pid ', String(e.pid), ', started ', timeEl(e.started_at),
        e.finished ? [', finished ', timeEl(e.finished_at), `, exit status ${e.exit_status}`] : ', running',
        e.error ? [', error: ', h('span', { class: 'error' }, e.error)] : ''),
      h('div', { class: 'steps-box' }, showSteps(e.steps)))) : h('p', { class: 'muted' }, 'Not started yet.'));
  }

  // Pushed step executions (a "steps" event): those of an execution the page shows are
  // merged by name and its table drawn again; an execution it does not know yet (a new
  // run) makes it read the instance.
  function pushedSteps(d) {
    const e = inst && inst.executions.find((x) => String(x.id) === String(d.execution_id));
    const box = e && execs.querySelector(`[data-exec="${e.id}"] .steps-box`);
    if (!box) { refresh(); return; }
    for (const s of d.steps) {
      const i = e.steps.findIndex((x) => x.name === s.name);
      if (i < 0) e.steps.push(s); else e.steps[i] = s;
    }
    box.replaceChildren(showSteps(e.steps));
  }

  // The log is changed by one thing at a time, in order (reads and pushed pieces).
  let logQ = Promise.resolve();
  function logTask(fn) {
    logQ = logQ.then(fn, fn);
    return logQ;
  }

  // A pushed piece of the log ({execution_id, from, to, text}, offsets in bytes): appended
  // when it starts where the page's copy ends; a piece of a newer execution from its
  // first byte starts the log afresh; anything else (a gap: the page read less or more
  // than the stream began with) is mended by reading the log from where the copy ends.
  function pushedLog(d) {
    return logTask(async () => {
      if (String(d.execution_id) !== String(logExec)) {
        if (d.from !== 0) return readLog();
        logExec = d.execution_id; logLen = 0; fill(log);
      }
      if (d.to <= logLen) return undefined;
      if (d.from !== logLen) return readLog();
      log.appendChild(document.createTextNode(d.text));
      logLen = d.to;
      return undefined;
    });
  }

  async function readLog() {
    const last = inst.executions[inst.executions.length - 1];
    if (!last) { fill(logNote, 'No execution yet, so no log.'); return; }
    if (logExec !== last.id) { logExec = last.id; logLen = 0; fill(log); }
    try {
      const res = await api('GET', `/api/v1/instances/${id}/log?execution=${last.id}`,
        { headers: { Range: `bytes=${logLen}-`, Accept: 'text/plain' } });
      const text = typeof res.data === 'string' ? res.data : '';
      if (res.status === 200) { fill(log); logLen = 0; }
      log.appendChild(document.createTextNode(text));
      // The bytes read (Content-Range: bytes FROM-TO/SIZE), as pushed pieces count them.
      const cr = /^bytes \d+-(\d+)\//.exec(res.headers.get('Content-Range') || '');
      logLen = cr ? Number(cr[1]) + 1 : logLen + new TextEncoder().encode(text).length;
    } catch (e) {
      if (e.status !== 416 && e.status !== 404) fill(logNote, `Cannot read the log: ${e.message}`);
    }
    fill(logNote, `Execution ${last.id}${last.finished ? ''
      : isWatching(id) ? ', following while it runs (pushed by batchd)' : ', following while it runs'}.`);
  }

  // A poll tick: none while the stream pushes this instance's steps and log; with a
  // stream that does not (an older batchd), only while it runs, else every 15 s at most;
  // without a stream, every POLL_MS.
  let lastRead = 0;
  function tick() {
    if (isWatching(id)) return;
    if (isLive() && inst && ![2, 4, 10].includes(inst.state) && Date.now() - lastRead < 15000) return;
    refresh();
  }
  // One read at a time (live.js serial): reads started side by side (a pushed change while
  // another is under way) could answer out of order and show an earlier state last.
  const refresh = serial(readOnce);
  async function readOnce() {
    if (document.hidden) return;
    lastRead = Date.now();
    try {
      const res = await api('GET', `/api/v1/instances/${id}`, { etag });
      if (res.status !== 304) { etag = res.etag; show(res.data); }
      fill(err);
      // The log in its own queue (readLog reports its errors): the next read of the
      // instance, and so its state and buttons, does not wait for the log's.
      logTask(readLog);
      if (FINAL.has(inst.state) && inst.executions.every((e) => e.finished)) clearInterval(timer);
    } catch (e) {
      fill(err, `Cannot read the instance: ${e.message}`);
    }
  }
  const onVis = () => { if (!document.hidden) refresh(); };
  document.addEventListener('visibilitychange', onVis);
  // Pushed changes (live.js): this instance's new state is shown from the delta at once,
  // then the instance is read again (its history, executions, buttons).
  const off = onChange((d) => {
    const mine = (d.changes || []).filter((c) => String(c.instance_id) === String(id));
    if (!mine.length && !d.resync) return;
    const c = mine[mine.length - 1];
    const st = document.getElementById('state');
    if (c && st) { st.replaceChildren(badge(c.state_code)); st.dataset.pushed = c.state; }
    refresh();
    if (c && !FINAL.has(c.state_code)) { clearInterval(timer); timer = setInterval(tick, POLL_MS); }
  });
  const unwatch = watch(id, (d) => {
    if (d.steps) pushedSteps(d.steps);
    if (d.log) pushedLog(d.log);
  });
  refresh();
  timer = setInterval(tick, POLL_MS);
  return () => {
    clearInterval(timer);
    off(); // first: with no page listening the stream closes, and unwatch opens none
    unwatch();
    document.removeEventListener('visibilitychange', onVis);
  };
}
