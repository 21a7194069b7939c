// The cron helper's page (#/cron?expr=&tz=&from=): the helper (cronhelper.js) with the
// expression, zone and day in the page's address.
import { h, fill } from '../dom.js';
import { cronHelper } from '../cronhelper.js';

export function cronPage(main, r) {
  const q = r.query;
  const box = h('div', { id: 'cron-helper' });
  fill(main, h('h1', null, 'Cron helper'),
    h('p', { class: 'muted' }, 'Type a cron expression (5 fields as crontab, 6 or 7 with seconds and years, or @daily …; docs/cron.md) and a zone: batchd explains it and lists the next 10 times it fires, with the times a daylight-saving change moves marked.'),
    box);
  const helper = cronHelper(box, { expr: q.get('expr') || '', tz: q.get('tz') || '', from: q.get('from') || '' }, (expr, tz, from) => {
    const p = new URLSearchParams();
    if (expr) p.set('expr', expr);
    if (tz) p.set('tz', tz);
    if (from) p.set('from', from);
    // The address follows the form without reloading the page.
    history.replaceState(null, '', `#/cron${p.toString() ? '?' + p : ''}`);
  });
  return () => helper.stop();
}
