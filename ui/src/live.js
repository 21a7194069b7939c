// live.js: changes pushed by batchd (Server-Sent Events, docs/api.md "Events"). An
// EventSource cannot send the Authorization header, so the page first trades its token
// for a ticket (POST /api/v1/events/ticket: single use, valid 30 s) and opens
// /api/v1/events?ticket=T[&after=LAST]. Each "change" event is a delta: the state
// changes of the tenant's instances since the last one ({changes: [{id, instance_id,
// job, from, from_code, state, state_code, at}]}). One stream for the whole tab, opened
// while some page listens and the tab is visible: it is closed while the tab is hidden
// and opened again (from the last change seen, so nothing is missed) when it is shown.
// When it cannot be had, pages poll with ETags as before (isLive() is false).
// A page that shows one instance watches it (watch()): the stream is then opened with
// instance=ID and also brings that instance's "steps" (the step executions whose counts
// changed) and "log" (the bytes appended to its latest execution's log) events.
import { api, session } from './api.js';

const listeners = new Set();
let es = null;
let opening = false;
let live = false;
let lastId = null;
let retry = null;
let watched = null; // {id, fn}: the instance the stream follows, and who hears of it
let watching = null; // the instance the open stream confirmed it follows

// onChange(fn): fn({changes}) for every delta, and fn({resync: true}) when the stream
// (re)opens, as changes may have been missed meanwhile. Returns the unsubscribe.
export function onChange(fn) {
  listeners.add(fn);
  open();
  return () => {
    listeners.delete(fn);
    if (!listeners.size) close();
  };
}

// True while the stream is open and batchd pushes the changes.
export function isLive() {
  return live;
}

// The status line of a page that reads at lastRead (Date.now()): pushed or polled.
export function liveText(lastRead) {
  return live ? `● live: changes pushed by batchd, last read ${new Date(lastRead).toLocaleTimeString()}`
    : `● live, checked ${new Date().toLocaleTimeString()}`;
}

// watch(id, fn): the stream follows instance id: fn({steps}) and fn({log}) with its
// events (docs/api.md, "Events"). One instance per tab; returns the unwatch. The stream
// is opened again for it (from the last change seen, so nothing is missed).
export function watch(id, fn) {
  const w = { id: String(id), fn };
  watched = w;
  reopen();
  return () => {
    if (watched !== w) return;
    watched = null;
    if (watching !== null) reopen();
  };
}

// True while the open stream pushes instance id's steps and log.
export function isWatching(id) {
  return live && watching === String(id);
}

function reopen() {
  if (!es && !opening) { open(); return; }
  close();
  open();
}

function emit(d) {
  for (const fn of [...listeners]) {
    try { fn(d); } catch (e) { console.error(e); }
  }
}

function close() {
  if (es) es.close();
  es = null;
  live = false;
  watching = null;
  clearTimeout(retry);
  retry = null;
}

function again(ms) {
  clearTimeout(retry);
  retry = setTimeout(() => { retry = null; open(); }, ms);
}

async function open() {
  if (es || opening || !listeners.size || document.hidden || !session.token || typeof EventSource === 'undefined') return;
  opening = true;
  try {
    const t = (await api('POST', '/api/v1/events/ticket')).data.ticket;
    if (!listeners.size || document.hidden) return;
    const q = new URLSearchParams({ ticket: t });
    if (lastId !== null) q.set('after', lastId);
    const w = watched;
    if (w) q.set('instance', w.id);
    const src = new EventSource(`/api/v1/events?${q}`);
    es = src;
    src.addEventListener('ready', (ev) => {
      if (lastId === null) lastId = ev.lastEventId;
      let d = {};
      try { d = JSON.parse(ev.data); } catch { /* an older batchd */ }
      watching = w && String(d.instance_id) === w.id ? w.id : null;
      live = true;
      emit({ resync: true });
    });
    // An instance's steps and log: to its watcher only, and only from the stream that
    // was opened for it.
    for (const kind of ['steps', 'log']) {
      src.addEventListener(kind, (ev) => {
        if (es !== src || !w || watched !== w) return;
        let d;
        try { d = JSON.parse(ev.data); } catch { return; }
        try { w.fn({ [kind]: d }); } catch (e) { console.error(e); }
      });
    }
    src.addEventListener('change', (ev) => {
      lastId = ev.lastEventId;
      let d;
      try { d = JSON.parse(ev.data); } catch { return; }
      emit(d);
    });
    const lost = () => {
      // The ticket was single use: the browser's own reconnection would be refused, so
      // the stream is opened again here with a new ticket.
      if (es !== src) return;
      close();
      emit({ resync: true });
      again(3000);
    };
    src.addEventListener('end', lost);
    src.addEventListener('error', lost);
  } catch {
    again(30000); // no stream (an older batchd?): the pages poll; try again later
  } finally {
    opening = false;
  }
}

document.addEventListener('visibilitychange', () => {
  if (document.hidden) close();
  else open();
});

// serial(fn): fn, never run twice at once: a call while it runs makes it run once more
// after (so a read asked for by a push right after the page's first read goes out with
// the first read's ETag, and is a 304 when nothing changed).
export function serial(fn) {
  let running = false;
  let again = false;
  const run = async () => {
    if (running) { again = true; return; }
    running = true;
    try {
      await fn();
    } finally {
      running = false;
      if (again) { again = false; run(); }
    }
  };
  return run;
}
