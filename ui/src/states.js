// states.js: the 13 instance states (DESIGN.md §3, docs/states.md), each with a colour
// (a class st-N in app.css, from the Okabe-Ito palette) and a glyph, the same on every page.
import { h } from './dom.js';
import { showTime } from './time.js';

export const STATES = [
  { code: 0, name: 'Init', glyph: '○' },
  { code: 1, name: 'Dependency Wait', glyph: '◷' },
  { code: 2, name: 'Starting', glyph: '▷' },
  { code: 3, name: 'Start Failed', glyph: '⊘' },
  { code: 4, name: 'Running', glyph: '▶' },
  { code: 5, name: 'Success', glyph: '✔' },
  { code: 6, name: 'Failed', glyph: '✖' },
  { code: 7, name: 'Timeout Failed', glyph: '⌛' },
  { code: 8, name: 'Timeout Skip', glyph: '↷' },
  { code: 9, name: 'Canceled', glyph: '⊗' },
  { code: 10, name: 'Stopping', glyph: '■' },
  { code: 11, name: 'Stop Failed', glyph: '⚠' },
  { code: 12, name: 'Manual Success', glyph: '☑' },
];

// The final states: nothing more happens unless an operator reruns or marks success.
export const FINAL = new Set([3, 5, 6, 7, 8, 9, 12]);

// A badge: the glyph and the name on the state's colour.
export function badge(code) {
  const s = STATES[code];
  if (!s) return h('span', { class: 'badge' }, `state ${code}`);
  return h('span', { class: `badge st-${code}`, 'data-state': s.name },
    h('span', { class: 'glyph', 'aria-hidden': 'true' }, s.glyph), ' ', s.name);
}

// The reason to show: the API's, else what the state says with since when.
export function reasonOf(it) {
  if (it.reason) return it.reason;
  const since = showTime(it.updated_at);
  switch (it.state) {
    case 0: return `due ${showTime(it.due)}, waiting to be taken up`;
    case 1: return `waiting for its parents since ${since}`;
    case 2: return `starting since ${since}`;
    case 4: return `running since ${since}`;
    case 10: return `stopping since ${since}`;
    default: return `${STATES[it.state] ? STATES[it.state].name : 'state ' + it.state} at ${since}`;
  }
}

export function paramsText(p) {
  return Object.entries(p || {}).map(([k, v]) => `${k}=${v}`).join(' ');
}
