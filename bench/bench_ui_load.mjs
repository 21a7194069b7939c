// bench_ui_load.mjs (run by bench_ui.sh): the web UI's first page load on loopback in
// headless Chromium: LOADS times, each in a fresh browser context (no cache, no
// storage), the token put in sessionStorage before the page's script runs, then
// BASE/#/monitor for the range FROM..TO. Times from the navigation's start:
// DOMContentLoaded, load, when the last of the page's files (/ui/...) had arrived (what
// the network and batchd take), the monitor drawn (its table in the document: the page's
// module has run) and its first 50 rows drawn. Prints p50/p95/max.
// TARGETS="NAME URL TOKEN;NAME URL TOKEN" (instead of BASE and TOKEN): several batchd
// (e.g. main's and this branch's, bench_ui.sh's BEFORE), loaded in turn, one load each
// per round, in turn first (A B, B A, ...), so that each sees the same moments of a
// loaded machine.
// Each round also loads three floors, in the same browser: a page of a few bytes as a
// data: URL (no network), the same over HTTP from a loopback server in this process
// (Node's http), and the UI's own page from the (last) batchd with JavaScript off (its
// HTML and CSS from the same server, no script): the UI's figure minus the last is what
// its script costs.
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';

const env = (k) => process.env[k];
const require = createRequire(path.join(env('UI_DIR'), 'package.json'));
const { chromium } = require('playwright-core');
const browser = await chromium.launch({ executablePath: env('CHROMIUM'), headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
const hash = `#/monitor?range=custom&from=${encodeURIComponent(env('FROM'))}&to=${encodeURIComponent(env('TO'))}`;
const targets = (env('TARGETS') || `batchd ${env('BASE')} ${env('TOKEN')}`).split(';').map((t) => {
  const [name, base, token] = t.trim().split(/\s+/);
  return { name, base, token, rows: { files: [], dcl: [], load: [], shown: [], rows: [], bytes: [] } };
});
const n = Number(env('LOADS') || 20);
const view = { viewport: { width: 1400, height: 900 } };

async function loadUi(t) {
  const ctx = await browser.newContext(view);
  // Injected by the browser's devtools before the page's script (not subject to the CSP):
  // the token, and an observer noting when the monitor's table and its 50th row are in
  // the document.
  await ctx.addInitScript((tok) => {
    sessionStorage.setItem('batchd.token', tok);
    new MutationObserver(() => {
      if (!window.__shownAt && document.getElementById('instances')) window.__shownAt = performance.now();
      if (!window.__rowsAt && document.querySelectorAll('#instances tr[data-id]').length >= 50) window.__rowsAt = performance.now();
    }).observe(document, { childList: true, subtree: true });
  }, t.token);
  const page = await ctx.newPage();
  await page.goto(`${t.base}/${hash}`);
  await page.waitForSelector('#instances tr[data-id]:nth-child(50)', { timeout: 60000 });
  const r = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const files = performance.getEntriesByType('resource').filter((x) => new URL(x.name).pathname.startsWith('/ui/'));
    return { dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, shown: window.__shownAt, rows: window.__rowsAt,
      files: Math.max(nav.responseEnd, ...files.map((x) => x.responseEnd)),
      bytes: performance.getEntriesByType('resource').reduce((s, x) => s + (x.transferSize || 0), nav.transferSize || 0) };
  });
  await ctx.close();
  return r;
}
// The DOMContentLoaded of url in a fresh context (scripts off with noScript).
async function loadFloor(url, noScript) {
  const ctx = await browser.newContext({ ...view, javaScriptEnabled: !noScript });
  const page = await ctx.newPage();
  await page.goto(url);
  const t = await page.evaluate(() => performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd ?? NaN);
  await ctx.close();
  return t;
}

const tiny = '<!doctype html><title>x</title><p>x</p>';
const srv = http.createServer((q, a) => a.writeHead(200, { 'Content-Type': 'text/html' }).end(tiny));
await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
const floors = [
  ['floor: a static page of a few bytes, DCL', `data:text/html,${tiny}`, false],
  ['floor over HTTP (loopback, Node), DCL', `http://127.0.0.1:${srv.address().port}/`, false],
  [`floor: ${targets.at(-1).name}'s page, no script, DCL`, `${targets.at(-1).base}/`, true],
].map(([name, url, noScript]) => ({ name, url, noScript, dcl: [] }));
for (let i = 0; i < n + 1; i++) {
  // The first round warms batchd (and the browser), and is not counted.
  for (const t of i % 2 ? [...targets].reverse() : targets) {
    const r = await loadUi(t);
    if (i > 0) for (const k of Object.keys(t.rows)) t.rows[k].push(r[k]);
  }
  for (const f of floors) {
    const d = await loadFloor(f.url, f.noScript);
    if (i > 0) f.dcl.push(d); // NaN (no navigation entry) is left out of the figures
  }
}
srv.close();
await browser.close();

const q = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.round(p * (s.length - 1)))]; };
const line = (name, a) => console.log(`${name.padEnd(48)} ${q(a, 0.5).toFixed(1).padStart(8)} ${q(a, 0.95).toFixed(1).padStart(8)} ${Math.max(...a).toFixed(1).padStart(8)} ${String(a.length).padStart(5)}`);
console.log(`${`first page load (fresh context, loopback${targets.length > 1 ? ', alternated' : ''})`.padEnd(48)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'max ms'.padStart(8)} ${'n'.padStart(5)}`);
for (const t of targets) {
  const who = targets.length > 1 ? `${t.name}: ` : '';
  for (const [k, name] of [['files', 'the page\'s files all arrived'], ['dcl', 'DOMContentLoaded'], ['load', 'load event'],
    ['shown', 'the monitor drawn (its table)'], ['rows', 'the monitor\'s 50 rows drawn']]) line(who + name, t.rows[k]);
}
for (const f of floors) {
  const a = f.dcl.filter((d) => !Number.isNaN(d));
  if (a.length) line(f.name, a);
}
// Each batchd's DOMContentLoaded above the floor of batchd's own page without script,
// round by round: what the UI's script costs, with what the machine's load adds to every
// page taken out as far as one round's floor tells it.
const own = floors.at(-1).dcl;
for (const t of targets) {
  const d = t.rows.dcl.map((v, i) => v - own[i]).filter((x) => !Number.isNaN(x));
  if (d.length) line(`${targets.length > 1 ? `${t.name}: ` : ''}DCL minus that floor, round by round`, d);
}
// With two batchd: the second's time minus the first's, load by load within a round (the
// two saw the same moment of the machine), as median and p5..p95 of the differences.
if (targets.length === 2) {
  const [a, b] = targets;
  console.log(`${`${b.name} - ${a.name}, paired by round`.padEnd(48)} ${'p50 ms'.padStart(8)} ${'p5 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'n'.padStart(5)}`);
  for (const [k, name] of [['dcl', 'DOMContentLoaded'], ['shown', 'the monitor drawn (its table)'], ['rows', 'the monitor\'s 50 rows drawn']]) {
    const d = b.rows[k].map((v, i) => v - a.rows[k][i]);
    console.log(`${name.padEnd(48)} ${q(d, 0.5).toFixed(1).padStart(8)} ${q(d, 0.05).toFixed(1).padStart(8)} ${q(d, 0.95).toFixed(1).padStart(8)} ${String(d.length).padStart(5)}`);
  }
}
for (const t of targets) console.log(`bytes transferred by a first load${targets.length > 1 ? ` (${t.name})` : ''}: ${q(t.rows.bytes, 0.5)}`);
