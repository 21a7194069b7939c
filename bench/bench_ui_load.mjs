// bench_ui_load.mjs (run by bench_ui.sh): the web UI's first page load on loopback in
// headless Chromium: LOADS times, each in a fresh browser context (no cache, no
// storage), the token put in sessionStorage before the page's script runs, then
// BASE/#/monitor for the range FROM..TO. Times from the navigation's start:
// DOMContentLoaded, load, when the last of the page's files (/ui/...) had arrived (what
// the network and batchd take; the rest of DOMContentLoaded is the browser parsing and
// running the script), and the monitor's first 50 rows drawn. Prints p50/p95/max.
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';

const env = (k) => process.env[k];
const require = createRequire(path.join(env('UI_DIR'), 'package.json'));
const { chromium } = require('playwright-core');
const browser = await chromium.launch({ executablePath: env('CHROMIUM'), headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
const hash = `#/monitor?range=custom&from=${encodeURIComponent(env('FROM'))}&to=${encodeURIComponent(env('TO'))}`;
const rows = { dcl: [], load: [], files: [], rows: [], bytes: [] };
const n = Number(env('LOADS') || 20);
for (let i = 0; i < n + 1; i++) {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  // Injected by the browser's devtools before the page's script (not subject to the CSP):
  // the token, and an observer noting when the 50th row is in the document.
  await ctx.addInitScript((t) => {
    sessionStorage.setItem('batchd.token', t);
    new MutationObserver(() => {
      if (!window.__rowsAt && document.querySelectorAll('#instances tr[data-id]').length >= 50) window.__rowsAt = performance.now();
    }).observe(document, { childList: true, subtree: true });
  }, env('TOKEN'));
  const page = await ctx.newPage();
  await page.goto(`${env('BASE')}/${hash}`);
  await page.waitForSelector('#instances tr[data-id]:nth-child(50)', { timeout: 60000 });
  const t = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const files = performance.getEntriesByType('resource').filter((r) => new URL(r.name).pathname.startsWith('/ui/'));
    return { dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, rows: window.__rowsAt,
      files: Math.max(nav.responseEnd, ...files.map((r) => r.responseEnd)),
      bytes: performance.getEntriesByType('resource').reduce((s, r) => s + (r.transferSize || 0), nav.transferSize || 0) };
  });
  if (i > 0) for (const k of Object.keys(rows)) rows[k].push(t[k]); // the first warms batchd, not the browser
  await ctx.close();
}
// The floor: the same fresh context loading a page of a few bytes (no script, nothing
// from batchd), to tell the browser's own cost on this machine from the UI's; once as a
// data: URL (no network at all), once over HTTP on loopback from a server in this
// process (Node's http, answering at once: the browser's network stack and a new
// connection, nothing of batchd's).
const tiny = '<!doctype html><title>x</title><p>x</p>';
const srv = http.createServer((q, a) => a.writeHead(200, { 'Content-Type': 'text/html' }).end(tiny));
await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
const floor = [];
const floorHttp = [];
for (const [url, into] of [[`data:text/html,${tiny}`, floor], [`http://127.0.0.1:${srv.address().port}/`, floorHttp]]) {
  for (let i = 0; i < n + 1; i++) {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(url);
    const t = await page.evaluate(() => performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd ?? NaN);
    if (i > 0 && !Number.isNaN(t)) into.push(t);
    await ctx.close();
  }
}
srv.close();
await browser.close();
const q = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.round(p * (s.length - 1)))]; };
console.log(`${'first page load (fresh context, loopback)'.padEnd(44)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'max ms'.padStart(8)} ${'n'.padStart(5)}`);
for (const [k, name] of [['files', 'the page\'s files all arrived'], ['dcl', 'DOMContentLoaded'], ['load', 'load event'],
  ['rows', 'the monitor\'s 50 rows drawn']]) {
  console.log(`${name.padEnd(44)} ${q(rows[k], 0.5).toFixed(1).padStart(8)} ${q(rows[k], 0.95).toFixed(1).padStart(8)} ${Math.max(...rows[k]).toFixed(1).padStart(8)} ${String(rows[k].length).padStart(5)}`);
}
for (const [a, name] of [[floor, 'floor: a static page of a few bytes, DCL'], [floorHttp, 'floor over HTTP (loopback, Node), DCL']]) {
  if (a.length) console.log(`${name.padEnd(44)} ${q(a, 0.5).toFixed(1).padStart(8)} ${q(a, 0.95).toFixed(1).padStart(8)} ${Math.max(...a).toFixed(1).padStart(8)} ${String(a.length).padStart(5)}`);
}
console.log(`bytes transferred by a first load: ${q(rows.bytes, 0.5)}`);
