// time.js: every timestamp is shown with its zone: the browser's zone, named, with the
// UTC instant the API gave in the tooltip.
const fmt = new Intl.DateTimeFormat('sv-SE', {
  year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  second: '2-digit', hour12: false, timeZoneName: 'short',
});

// "2026-03-02 01:00:05 UTC" (or the browser's zone) for an ISO 8601 instant; '' for none.
export function showTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return fmt.format(d);
}

// A <time> element showing the instant with its zone, the UTC form as its title.
import { h } from './dom.js';
export function timeEl(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: iso, title: `${iso} (UTC)` }, showTime(iso));
}

// The browser's zone, for labels ("times in Europe/Paris").
export const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

// ISO (UTC, seconds) of a Date.
export function isoOf(d) {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// The value for an <input type=datetime-local> (browser's zone) of an ISO instant, and back.
export function toLocalInput(iso) {
  const d = new Date(iso);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
export function fromLocalInput(v) {
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : isoOf(d);
}
