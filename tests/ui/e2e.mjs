// e2e.mjs: the web UI in headless Chromium (Debian's, driven by playwright-core from
// ui/package.json), against the batchd that tests/ui/run.sh started. Prints one
// "ok - NAME" or "not ok - NAME" line per check; screenshots of each page in $SCREENS.
// Every wait has a 60 s deadline and ends as soon as its condition holds.
import { createRequire } from 'node:module';
import http from 'node:http';
import path from 'node:path';
import { rmSync } from 'node:fs';
import { DEFICIENCIES, distance, parseRgb } from './palette.mjs';

const env = (k) => {
  if (!process.env[k]) throw new Error(`e2e.mjs: ${k} is not set (run tests/ui/run.sh)`);
  return process.env[k];
};
const BASE = env('BASE');
const SCREENS = env('SCREENS');
const XSS_PARAM = env('XSS_PARAM');
const require = createRequire(path.join(env('UI_DIR'), 'package.json'));
const { chromium } = require('playwright-core');
const WAIT = 60000;

let failures = 0;
function ok(name, cond, detail) {
  if (cond) console.log(`ok - ${name}`);
  else {
    failures++;
    console.log(`not ok - ${name}`);
    if (detail) console.log(`    ${String(detail).replace(/\n/g, '\n    ')}`);
  }
}
// check NAME fn: passes when fn resolves to true; anything else fails: false, or a string
// saying what was found instead, or a throw (e.g. a wait's timeout) with its message.
async function check(name, fn) {
  try {
    const v = await fn();
    ok(name, v === true, typeof v === 'string' ? v : `the condition was ${v}`);
  } catch (e) {
    ok(name, false, e.message.split('\n').slice(0, 6).join('\n'));
  }
}
// until(page, fn, arg): evaluates fn(arg) in the page every 100 ms until it is truthy
// (page.waitForFunction would compile it with eval, which batchd's CSP forbids).
async function until(page, fn, arg) {
  const end = Date.now() + WAIT;
  for (;;) {
    if (await page.evaluate(fn, arg)) return true;
    if (Date.now() > end) throw new Error(`not true within ${WAIT / 1000} s: ${fn}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const shot = (page, name) => page.screenshot({ path: path.join(SCREENS, `${name}.png`), fullPage: true });

const browser = await chromium.launch({
  executablePath: env('CHROMIUM'), headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});

// A fresh tab (its own sessionStorage), watching for CSP violations and page errors.
async function newPage() {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, timezoneId: 'UTC' });
  const page = await ctx.newPage();
  page.problems = [];
  page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) page.problems.push(m.text()); });
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => { page.problems.push(`dialog: ${d.message()}`); d.dismiss(); });
  page.uiFiles = []; // the UI's files the tab asked for (/ui/NAME), in order
  page.on('request', (q) => { const u = new URL(q.url()); if (u.pathname.startsWith('/ui/')) page.uiFiles.push(u.pathname.slice(4)); });
  return page;
}
async function login(page, token) {
  await page.goto(`${BASE}/`);
  await page.waitForSelector('#token', { timeout: WAIT });
  await page.fill('#token', token);
  await page.click('#login');
  await page.waitForSelector('#instances', { timeout: WAIT });
}
const rowState = (page, job) => page.locator(`#instances tr[data-job="${job}"]`).first().getAttribute('data-state');
async function waitRowState(page, job, state) {
  await page.waitForSelector(`#instances tr[data-job="${job}"][data-state="${state}"]`, { timeout: WAIT });
  return true;
}
async function waitInstanceState(page, state) {
  await page.waitForSelector(`#state .badge[data-state="${state}"]`, { timeout: WAIT });
  return true;
}
// The instance page's action buttons are exactly `ids`: they follow the page's read of the
// instance, which may come a moment after the pushed state's badge (waitInstanceState).
async function waitButtons(page, ids) {
  await until(page, (want) => ['act-stop', 'act-rerun', 'act-mark-success'].every((b) => !!document.getElementById(b) === want.includes(b)), ids);
  return true;
}
async function submitViaForm(page, job, fill) {
  await page.goto(`${BASE}/#/jobs`);
  await page.click(`a[data-submit="${job}"]`, { timeout: WAIT });
  await page.waitForSelector('#submit', { timeout: WAIT });
  if (fill) await fill();
  await page.click('#submit');
  await page.waitForURL(/#\/instance\/\d+$/, { timeout: WAIT });
  return Number(page.url().replace(/.*#\/instance\//, ''));
}

try {
  // ---- login
  const op = await newPage();
  await op.goto(`${BASE}/`);
  await check('without a token the UI shows the login page', async () => {
    await op.waitForSelector('#token', { timeout: WAIT });
    return op.url().endsWith('#/login');
  });
  await shot(op, 'login');
  // Each page is a module of its own (docs/ui.md, "How a first load goes"): the login
  // page's first load is the shell and the login page, nothing of the other pages.
  await check('a first load of the login page fetches app.css, app.js and login.js only', async () => {
    const got = [...op.uiFiles].sort().join(' ');
    return got === 'app.css app.js login.js' || got;
  });
  await check('a wrong token is refused with the server\'s reason, and not kept', async () => {
    await op.fill('#token', 'bdt_not-a-token');
    await op.click('#login');
    await op.waitForSelector('#login-error:not(:empty)', { timeout: WAIT });
    const t = await op.textContent('#login-error');
    const kept = await op.evaluate(() => sessionStorage.getItem('batchd.token'));
    return /not valid/.test(t) && kept === null;
  });
  await check('the operator logs in: the monitor, with name and role in the header', async () => {
    await login(op, env('OPERATOR'));
    return (await op.textContent('#who-name')) === 'oscar' && (await op.textContent('#who-role')) === 'operator';
  });
  await check('the token is in sessionStorage only (no cookie, no localStorage)', async () => {
    const s = await op.evaluate(() => [sessionStorage.getItem('batchd.token'), localStorage.length, document.cookie]);
    const cookies = await op.context().cookies();
    return s[0] === env('OPERATOR') && s[1] === 0 && s[2] === '' && cookies.length === 0;
  });
  await check('logged in, the monitor\'s module is fetched, once, after the login page\'s', async () => {
    const f = op.uiFiles;
    return (f.filter((x) => x === 'monitor.js').length === 1 && f.at(-1) === 'monitor.js' &&
      f.lastIndexOf('login.js') < f.indexOf('monitor.js')) || f.join(' ');
  });
  await check('a first load of #/monitor with a token fetches app.css, app.js and monitor.js only; Jobs then jobs.js', async () => {
    const t = await newPage();
    await t.context().addInitScript((tok) => sessionStorage.setItem('batchd.token', tok), env('OPERATOR'));
    await t.goto(`${BASE}/#/monitor`);
    await t.waitForSelector('#instances tr', { timeout: WAIT });
    const first = [...t.uiFiles].sort().join(' ');
    await t.click('nav a[href="#/jobs"]');
    await t.waitForSelector('#jobs tr', { timeout: WAIT });
    const then = t.uiFiles.slice(3).join(' ');
    await t.context().close();
    return (first === 'app.css app.js monitor.js' && then === 'jobs.js') || `first load: ${first}; then: ${then}`;
  });
  await check('an address naming no page (#/nosuch, #/constructor) says so, and nothing breaks', async () => {
    const t = await newPage();
    await t.context().addInitScript((tok) => sessionStorage.setItem('batchd.token', tok), env('OPERATOR'));
    for (const name of ['nosuch', 'constructor']) {
      await t.goto(`${BASE}/#/${name}`);
      await until(t, (n) => document.querySelector('#main p.error')?.textContent === `No page "${n}".`, name);
    }
    const problems = t.problems.join('; ');
    await t.context().close();
    return !problems || problems;
  });

  // ---- the chain turns green on the monitor (due at 01:00 of the virtual clock)
  await check('monitor: extract, then load (its child) turn Success', async () =>
    (await waitRowState(op, 'extract', 'Success')) && (await waitRowState(op, 'load', 'Success')));
  await check('monitor: the default window is the last 24 hours of batchd\'s clock, zone shown', async () => {
    const t = await op.textContent('#window');
    return /2026-03-0[12] .*UTC/.test(t) && /last 24 hours/.test(t);
  });
  await check('monitor: Success is shown in green (Okabe-Ito #009E73) with its glyph', async () => {
    const b = op.locator('#instances tr[data-job="load"] .badge').first();
    const bg = await b.evaluate((el) => getComputedStyle(el).backgroundColor);
    return bg === 'rgb(0, 158, 115)' && (await b.textContent()).includes('✔');
  });
  await check('monitor: an instance\'s reason and due time with its zone', async () => {
    const row = op.locator('#instances tr[data-job="load"]').first();
    const due = await row.locator('time').first().textContent();
    return /^2026-03-02 01:00:00 UTC$/.test(due.trim()) && (await row.locator('td.reason').textContent()).length > 0;
  });
  await shot(op, 'monitor');
  await check('the 13 states: distinct glyphs and names; distinct colours stay ΔE ≥ 10 apart under deuteranopia, protanopia and tritanopia', async () => {
    // The badges as the shipped app.css colours them (states.js draws them; built here for all 13).
    const states = await op.evaluate(() => {
      const out = [];
      for (let s = 0; s < 13; s++) {
        const el = document.createElement('span');
        el.className = `badge st-${s}`;
        document.body.appendChild(el);
        out.push({ s, bg: getComputedStyle(el).backgroundColor });
        el.remove();
      }
      return out;
    });
    const options = await op.locator('#f-state option[value]:not([value=""])').allTextContents();
    const glyphs = new Set(options.map((o) => o.split(' ')[0]));
    const names = new Set(options.map((o) => o.slice(o.indexOf(' ') + 1)));
    if (options.length !== 13 || glyphs.size !== 13 || names.size !== 13) return `options ${options}`;
    const colours = [...new Set(states.map((x) => x.bg))].map(parseRgb);
    if (colours.length < 6) return `only ${colours.length} colours`;
    const worst = [];
    for (const d of DEFICIENCIES) {
      for (let i = 0; i < colours.length; i++) {
        for (let j = i + 1; j < colours.length; j++) {
          const e = distance(colours[i], colours[j], d);
          if (e < 10) worst.push(`${d}: ${colours[i]} vs ${colours[j]} ΔE ${e.toFixed(1)}`);
        }
      }
    }
    return worst.length === 0 || worst.join('; ');
  });
  await check('monitor: the state filter shows only that state', async () => {
    await op.selectOption('#f-state', '6'); // Failed: none
    await op.waitForSelector('#instances td.muted', { timeout: WAIT });
    const none = (await op.locator('#instances tr[data-id]').count()) === 0;
    await op.selectOption('#f-state', '5');
    await waitRowState(op, 'load', 'Success');
    const states = await op.locator('#instances tr[data-id]').evaluateAll((rs) => rs.map((r) => r.dataset.state));
    return none && states.length >= 2 && states.every((s) => s === 'Success');
  });
  await check('monitor: the filters are kept in the address (reload shows the same view)', async () => {
    await op.reload();
    await op.waitForSelector('#instances tr[data-id]', { timeout: WAIT });
    return op.url().includes('state=5') && (await op.inputValue('#f-state')) === '5';
  });

  // ---- polling: ETag, paused while hidden
  await check('monitor: polls with If-None-Match and gets 304 while nothing changes', async () => {
    await op.goto(`${BASE}/#/monitor`);
    const got = await op.waitForResponse((r) => r.url().includes('/api/v1/instances?') && r.status() === 304, { timeout: WAIT });
    return got.request().headers()['if-none-match'] !== undefined;
  });
  await check('monitor: no polling while the tab is hidden, again once visible', async () => {
    let n = 0;
    const count = (r) => { if (r.url().includes('/api/v1/instances?')) n++; };
    const setHidden = (on) => op.evaluate((h) => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
      document.dispatchEvent(new Event('visibilitychange'));
    }, on);
    let hidden;
    await setHidden(true);
    try {
      // The next tick finds the tab hidden and says so; from then on nothing is asked.
      await until(op, () => document.querySelector('#live').textContent.includes('paused'));
      op.on('request', count);
      await op.waitForTimeout(7000); // more than two polling periods (3 s)
      hidden = n;
    } finally {
      op.off('request', count);
      const again = op.waitForRequest((r) => r.url().includes('/api/v1/instances?'), { timeout: WAIT });
      await setHidden(false);
      await again;
    }
    return hidden === 0 || `${hidden} polls while hidden`;
  });

  // ---- jobs and submit
  await op.goto(`${BASE}/#/jobs`);
  await check('jobs page: every job with its trigger and enabled flag', async () => {
    await op.waitForSelector('#jobs tr[data-job="greet"]', { timeout: WAIT });
    const names = await op.locator('#jobs tr[data-job]').evaluateAll((rs) => rs.map((r) => r.dataset.job));
    const ext = await op.textContent('#jobs tr[data-job="extract"]');
    return ['extract', 'greet', 'load', 'markup', 'sleeper'].every((j) => names.includes(j)) &&
      ext.includes('0 1 * * * (UTC)') && ext.includes('enabled');
  });
  await shot(op, 'jobs');
  let greetId = 0;
  await check('submit: the form has the job\'s parameter with its default; submitted with who=Ada', async () => {
    greetId = await submitViaForm(op, 'greet', async () => {
      if ((await op.inputValue('#p-who')) !== 'world') throw new Error('default of who is not "world"');
      await op.fill('#p-who', 'Ada');
      await shot(op, 'submit');
    });
    return greetId > 0;
  });
  await check('instance page: the submitted greet runs to Success and its log says "hello Ada"', async () => {
    await waitInstanceState(op, 'Success');
    await until(op, () => document.querySelector('#log').textContent.includes('hello Ada'));
    return (await op.textContent('#params')).includes('who=Ada');
  });
  await check('instance page: state history from creation to Success, one execution', async () => {
    const h = await op.locator('#history tr').count();
    const ex = await op.locator('#executions .exec').count();
    return h >= 3 && ex === 1;
  });
  await check('instance page: process date 2026-03-01 (a 01:00 submit, default noon-to-noon window) and submitted by token:oscar', async () => {
    const pd = (await op.textContent('#process-date')).trim();
    const by = (await op.textContent('#submitted-by')).trim();
    return pd === '2026-03-01' && by === 'token:oscar';
  });
  await shot(op, 'instance');
  await check('monitor: the submitted instance is listed with its parameter', async () => {
    await op.goto(`${BASE}/#/monitor`);
    await op.waitForSelector(`#instances tr[data-id="${greetId}"]`, { timeout: WAIT });
    return (await op.textContent(`#instances tr[data-id="${greetId}"] td.params`)) === 'who=Ada';
  });
  await check('monitor: "My Jobs" shows the operator\'s submit', async () => {
    await op.check('#f-mine');
    await op.waitForURL(/mine=1/, { timeout: WAIT });
    await op.waitForSelector(`#instances tr[data-id="${greetId}"]`, { timeout: WAIT });
    return (await op.locator('#instances tr[data-job="extract"]').count()) === 0;
  });

  // ---- stop a running job
  let sleeperId = 0;
  await check('stop: a running sleeper is stopped from its page and ends Canceled', async () => {
    sleeperId = await submitViaForm(op, 'sleeper');
    await waitInstanceState(op, 'Running');
    await op.waitForSelector('#act-stop', { timeout: WAIT });
    await shot(op, 'instance-running');
    await op.click('#act-stop');
    await waitInstanceState(op, 'Canceled');
    return waitButtons(op, ['act-rerun', 'act-mark-success']);
  });
  await shot(op, 'instance-stopped');
  await check('rerun: the canceled sleeper runs again (a second execution), is stopped again, then marked successful', async () => {
    // Canceled, and its execution recorded as ended (a rerun of a run still going is refused).
    await until(op, () => document.querySelector('#executions').textContent.includes('exit status'));
    await op.click('#act-rerun');
    await until(op, () => /^rerun(:| refused)/.test(document.querySelector('#action-msg').textContent));
    const said = await op.textContent('#action-msg');
    if (said.includes('refused')) return said;
    await op.waitForSelector('#executions .exec:nth-child(2)', { timeout: WAIT });
    await waitInstanceState(op, 'Running');
    await op.click('#act-stop');
    await waitInstanceState(op, 'Canceled');
    await op.click('#act-mark-success');
    await waitInstanceState(op, 'Manual Success');
    await waitButtons(op, []);
    const execs = await op.locator('#executions .exec').count();
    return execs === 2 || `${execs} executions`;
  });
  await shot(op, 'instance-manual-success');
  // ---- a chunk job: its step execution's eight counts
  let importId = 0;
  await check('chunk job: the import\'s step shows 5 read, 2 process skips, 3 written', async () => {
    importId = await submitViaForm(op, 'import');
    await waitInstanceState(op, 'Success');
    await op.waitForSelector('#executions tr[data-step="import"]', { timeout: WAIT });
    const counts = await op.locator('#executions tr[data-step="import"] td[data-count]').evaluateAll((tds) =>
      Object.fromEntries(tds.map((td) => [td.dataset.count, Number(td.textContent)])));
    return (counts.read_count === 5 && counts.process_skip_count === 2 && counts.write_count === 3 &&
      counts.read_skip_count === 0 && counts.write_skip_count === 0) || JSON.stringify(counts);
  });
  await shot(op, 'instance-chunk');
  await check('monitor: "has failure" shows exactly the import, flagged with its 2 skipped items', async () => {
    await op.goto(`${BASE}/#/monitor?has_failure=1`);
    await op.waitForSelector(`#instances tr[data-id="${importId}"]`, { timeout: WAIT });
    const ids = await op.locator('#instances tr[data-id]').evaluateAll((rs) => rs.map((r) => Number(r.dataset.id)));
    const flag = await op.textContent(`#instances tr[data-id="${importId}"] .flag`);
    return (ids.length === 1 && flag.includes('2 skipped')) || `rows ${ids}, flag ${flag}`;
  });
  // ---- pushed step counts and log lines: a chunk job fed a row every 0.3 s (run.sh's
  // trickle) followed on its page while every read of the instance and its log is
  // refused in the browser, so only the stream (instance=ID) can move them.
  let trickleId = 0;
  const countsOf = () => op.locator('#executions tr[data-step="import"] td[data-count]').evaluateAll((tds) =>
    Object.fromEntries(tds.map((td) => [td.dataset.count, Number(td.textContent)])));
  const fedRows = () => op.evaluate(() => (document.getElementById('log').textContent.match(/^fed row \d+$/gm) || [])
    .map((l) => Number(l.slice(8))));
  await check('pushed: a running chunk job\'s read count and log grow with no read of the instance or its log', async () => {
    const streams = [];
    op.on('request', (q) => { if (q.url().includes('/api/v1/events?')) streams.push(q.url()); });
    // The reads of the instance and its log that its state changes bring (Init, Starting,
    // Running: each read again, docs/ui.md) are let finish before reads are blocked: on a
    // loaded machine the last of them can come after the Running badge is shown.
    let lastRead = Date.now();
    const onRead = (q) => { if (trickleId && q.url().includes(`/api/v1/instances/${trickleId}`)) lastRead = Date.now(); };
    op.on('request', onRead);
    op.on('requestfinished', onRead);
    trickleId = await submitViaForm(op, 'trickle');
    await waitInstanceState(op, 'Running');
    await op.waitForSelector('#executions tr[data-step="import"]', { timeout: WAIT });
    await until(op, () => /pushed by batchd/.test(document.getElementById('log-note').textContent));
    await until(op, () => [...document.querySelectorAll('#history tr')].pop()?.children[2]?.textContent.includes('Running'));
    for (const t0 = Date.now(); Date.now() - lastRead < 1500 && Date.now() - t0 < WAIT;) await op.waitForTimeout(100);
    op.off('request', onRead);
    op.off('requestfinished', onRead);
    const polled = [];
    await op.route(`**/api/v1/instances/${trickleId}**`, (route) => { polled.push(route.request().url()); return route.abort(); });
    try {
      const c0 = (await countsOf()).read_count;
      const l0 = (await fedRows()).length;
      await until(op, ([c, l]) => {
        const n = Number(document.querySelector('#executions tr[data-step="import"] td[data-count="read_count"]').textContent);
        const fed = (document.getElementById('log').textContent.match(/^fed row \d+$/gm) || []).length;
        return n >= c + 3 && fed >= l + 3;
      }, [c0, l0]);
      const c1 = (await countsOf()).read_count;
      const l1 = (await fedRows()).length;
      const watched = streams.some((u) => new URL(u).searchParams.get('instance') === String(trickleId));
      return (polled.length === 0 && watched) ||
        `reads ${polled.join(' ')}; read count ${c0} -> ${c1}, log rows ${l0} -> ${l1}; streams ${streams.join(' ')}`;
    } finally {
      await op.unroute(`**/api/v1/instances/${trickleId}**`);
    }
  });
  await shot(op, 'instance-pushed-counts');
  await check('pushed: when the feed stops, Success with every fed row read and written once and its log line shown once, in order', async () => {
    rmSync(env('TRICKLING'), { recursive: true, force: true });
    await waitInstanceState(op, 'Success');
    // The final counts come with the read that the state change brings.
    await until(op, () => document.querySelector('#executions tr[data-step="import"]')?.children[1]?.textContent === 'COMPLETED');
    const rows = await fedRows();
    const c = await countsOf();
    const inOrder = rows.length > 3 && rows.every((n, i) => n === i + 1);
    return (inOrder && c.read_count === rows.length && c.write_count === rows.length &&
      c.process_skip_count === 0 && c.write_skip_count === 0) ||
      `log rows ${rows.join(',')}; counts ${JSON.stringify(c)}`;
  });
  ok('no CSP violation or page error in the operator\'s tab', op.problems.length === 0, op.problems.join('\n'));

  // ---- markup in data is shown as text, never run
  const x = await newPage();
  await login(x, env('OPERATOR'));
  let markupId = 0;
  await check('markup: a submit whose parameter is an <img onerror> payload', async () => {
    markupId = await submitViaForm(x, 'markup', async () => {
      await x.fill('#p-extra', 'extra=<script>window.__xss=3</script>');
    });
    return markupId > 0;
  });
  await check('markup: its log line with <script> is shown as text and nothing ran', async () => {
    await waitInstanceState(x, 'Success');
    await until(x, () => document.querySelector('#log').textContent.includes('<script>window.__xss=2</script>'));
    const params = await x.textContent('#params');
    const scripts = await x.locator('main script, main img').count();
    const xss = await x.evaluate(() => window.__xss);
    return params.includes(XSS_PARAM) && params.includes('<script>window.__xss=3</script>') && scripts === 0 && xss === undefined;
  });
  await shot(x, 'xss-instance');
  await check('markup: the monitor shows the parameters as text and nothing ran', async () => {
    await x.goto(`${BASE}/#/monitor`);
    await x.waitForSelector(`#instances tr[data-id="${markupId}"]`, { timeout: WAIT });
    const t = await x.textContent(`#instances tr[data-id="${markupId}"] td.params`);
    const xss = await x.evaluate(() => window.__xss);
    return t.includes(XSS_PARAM) && (await x.locator('#instances img').count()) === 0 && xss === undefined;
  });
  await shot(x, 'xss-monitor');
  await check('markup: the submit form shows the payload default as a value, nothing ran', async () => {
    await x.goto(`${BASE}/#/submit/markup`);
    await x.waitForSelector('#p-note', { timeout: WAIT });
    return (await x.inputValue('#p-note')) === XSS_PARAM && (await x.evaluate(() => window.__xss)) === undefined;
  });
  ok('no CSP violation, page error or dialog in the markup tab', x.problems.length === 0, x.problems.join('\n'));

  // ---- the viewer sees no write buttons; the server refuses their writes
  const v = await newPage();
  await login(v, env('VIEWER'));
  await check('viewer: the instance page has no stop, rerun or mark-success button', async () => {
    await v.goto(`${BASE}/#/instance/${greetId}`);
    await waitInstanceState(v, 'Success');
    await v.waitForSelector('#actions:not(:empty)', { timeout: WAIT });
    const n = await v.locator('#act-stop, #act-rerun, #act-mark-success').count();
    return n === 0 && (await v.textContent('#actions')).includes('viewer');
  });
  await shot(v, 'viewer-instance');
  await check('viewer: the jobs page has no Submit link', async () => {
    await v.goto(`${BASE}/#/jobs`);
    await v.waitForSelector('#jobs tr[data-job="greet"]', { timeout: WAIT });
    return (await v.locator('a[data-submit]').count()) === 0;
  });
  await shot(v, 'viewer-jobs');
  await check('viewer: a POST from the page with the viewer token is refused 403', async () => {
    const st = await v.evaluate(async (id) => {
      const r = await fetch(`/api/v1/instances/${id}/rerun`, { method: 'POST',
        headers: { Authorization: `Bearer ${sessionStorage.getItem('batchd.token')}`, 'Content-Type': 'application/json' }, body: '{}' });
      return r.status;
    }, greetId);
    return st === 403 || `status ${st}`;
  });
  await check('log out forgets the token and shows the login page', async () => {
    await v.click('#logout');
    await v.waitForSelector('#token', { timeout: WAIT });
    return (await v.evaluate(() => sessionStorage.getItem('batchd.token'))) === null;
  });

  // ---- pagination: 50 rows a page, never more
  await check('monitor: 50 rows a page; "Older" shows the rest, older ids; "Newer" comes back', async () => {
    await op.goto(`${BASE}/#/monitor`);
    await op.waitForSelector('#instances tr[data-id]', { timeout: WAIT });
    const made = await op.evaluate(async () => {
      const ids = [];
      for (let i = 0; i < 50; i++) {
        const r = await fetch('/api/v1/jobs/many/submit', { method: 'POST',
          headers: { Authorization: `Bearer ${sessionStorage.getItem('batchd.token')}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ params: { who: `p${i}` } }) });
        if (r.status !== 201) return `submit ${i}: ${r.status}`;
        ids.push((await r.json()).id);
      }
      return ids;
    });
    if (!Array.isArray(made)) return made;
    const newest = Math.max(...made);
    await op.waitForSelector(`#instances tr[data-id="${newest}"]`, { timeout: WAIT });
    const ids = async () => op.locator('#instances tr[data-id]').evaluateAll((rs) => rs.map((r) => Number(r.dataset.id)));
    const first = await ids();
    await op.click('#older');
    await op.waitForSelector('#newer', { timeout: WAIT });
    await until(op, (min) => [...document.querySelectorAll('#instances tr[data-id]')].every((r) => Number(r.dataset.id) < min), Math.min(...first));
    const second = await ids();
    await op.click('#newer');
    await op.waitForSelector(`#instances tr[data-id="${newest}"]`, { timeout: WAIT });
    const total = Number(newest); // ids are 1..newest, all in the window
    return (first.length === 50 && first[0] === newest && second.length === total - 50 &&
      (await op.locator('#newer').count()) === 0) || `page 1: ${first.length} rows from ${first[0]}, page 2: ${second.length}, newest ${newest}`;
  });
  await shot(op, 'monitor-many');

  // ---- a page of another site, served from another port of this machine (so another
  // origin), posts to batchd as a forged form would
  await check('another site\'s page: the POST its browser sends with its Origin is refused 403 before any token check', async () => {
    const site = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><title>another site</title><p>another site</p>');
    });
    await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
    const other = `http://127.0.0.1:${site.address().port}`;
    try {
      const evil = await newPage();
      await evil.goto(`${other}/`);
      // A form-like POST (text/plain, no preflight). The page cannot read the answer (no
      // CORS); the test reads it off the network: 403 from the origin check (without it, a
      // request without a token gets 401).
      const answer = evil.waitForResponse((r) => r.url() === `${BASE}/api/v1/jobs/greet/submit`, { timeout: WAIT });
      await evil.evaluate((target) => {
        fetch(`${target}/api/v1/jobs/greet/submit`, { method: 'POST', body: 'x', mode: 'no-cors' }).catch(() => {});
      }, BASE);
      const r = await answer;
      const body = await r.text().catch(() => '(body not readable)');
      return r.status() === 403 || `status ${r.status()}: ${body}`;
    } finally {
      site.close();
    }
  });
} catch (e) {
  ok('the browser tests ran to their end', false, e.stack);
} finally {
  await browser.close();
}
process.exit(failures ? 1 : 0);
