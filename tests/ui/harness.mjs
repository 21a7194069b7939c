// harness.mjs: what pages.mjs needs around playwright-core: TAP-like results ("ok - NAME"
// / "not ok - NAME"), waits with a 60 s deadline that end as soon as their condition
// holds, fresh tabs watching for CSP violations and page errors, logging in, screenshots,
// and the API with a token (for setting up and waiting, never instead of the page).
import { createRequire } from 'node:module';
import path from 'node:path';

export const env = (k) => {
  if (!process.env[k]) throw new Error(`${k} is not set (run tests/ui/run.sh)`);
  return process.env[k];
};
const require = createRequire(path.join(env('UI_DIR'), 'package.json'));
const { chromium } = require('playwright-core');
export const WAIT = 60000;
export const BASE = env('BASE');

export let failures = 0;
export function ok(name, cond, detail) {
  if (cond) console.log(`ok - ${name}`);
  else {
    failures++;
    console.log(`not ok - ${name}`);
    if (detail) console.log(`    ${String(detail).replace(/\n/g, '\n    ')}`);
  }
}
// check NAME fn: passes when fn resolves to true; false, a string (what was found
// instead) or a throw (with its message) fails.
export async function check(name, fn) {
  try {
    const v = await fn();
    ok(name, v === true, typeof v === 'string' ? v : `the condition was ${v}`);
  } catch (e) {
    ok(name, false, e.message.split('\n').slice(0, 8).join('\n'));
  }
}
// until(page, fn, arg): fn(arg) evaluated in the page every 100 ms until truthy (not
// page.waitForFunction, which compiles with eval, forbidden by batchd's CSP).
export async function until(page, fn, arg) {
  const end = Date.now() + WAIT;
  for (;;) {
    if (await page.evaluate(fn, arg)) return true;
    if (Date.now() > end) throw new Error(`not true within ${WAIT / 1000} s: ${fn}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
// waitFor(fn): an async condition in node, tried every 200 ms until truthy; its value.
export async function waitFor(what, fn) {
  const end = Date.now() + WAIT;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`not within ${WAIT / 1000} s: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
export const shot = (page, name) => page.screenshot({ path: path.join(env('SCREENS'), `${name}.png`), fullPage: true });

export const browser = await chromium.launch({
  executablePath: env('CHROMIUM'), headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});

export async function newPage(opts = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, timezoneId: 'UTC', acceptDownloads: true, ...opts });
  const page = await ctx.newPage();
  page.problems = [];
  page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) page.problems.push(m.text()); });
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => { page.problems.push(`dialog: ${d.message()}`); d.dismiss(); });
  return page;
}
export async function login(page, token, hash = '#/monitor') {
  await page.goto(`${BASE}/`);
  await page.waitForSelector('#token', { timeout: WAIT });
  await page.fill('#token', token);
  await page.click('#login');
  await page.waitForSelector('#instances', { timeout: WAIT });
  if (hash !== '#/monitor') await page.goto(`${BASE}/${hash}`);
}
// The API with a token: {status, body} (body parsed when JSON).
export async function call(token, method, p, body, headers = {}) {
  const res = await fetch(`${BASE}${p}`, {
    method, headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const t = await res.text();
  let b = t;
  try { b = JSON.parse(t); } catch { /* text */ }
  return { status: res.status, body: b };
}
