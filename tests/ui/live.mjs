// live.mjs: the settings page (with tokens), the grid of jobs x days and the pushed live
// updates (Server-Sent Events) in headless Chromium, on the batchd of pages.mjs after it
// ran (tests/ui/run.sh: 2026-03-09, the nightly chain ended: extract Success, broken
// Failed, weekly not due). Prints "ok - NAME" / "not ok - NAME"; screenshots in $SCREENS.
import path from 'node:path';
import { env, ok, check, until, waitFor, shot, browser, newPage, login, call, WAIT, BASE, failures } from './harness.mjs';

const ADMIN = env('ADMIN');
const VIEWER = env('VIEWER');
const DAY = '2026-03-09';
const SECRET_PATH = 'T0AAA/B0BBB/s3cr3tHookKey';

// The instance of `job` due on DAY (the latest).
async function instanceOf(job) {
  const r = await call(ADMIN, 'GET', `/api/v1/instances?job=${job}&from=${DAY}T00:00:00Z&to=${DAY}T23:59:59Z&limit=100`);
  return (r.body.items || []).sort((x, y) => y.id - x.id)[0];
}

try {
  const a = await newPage();
  await login(a, ADMIN);

  // ---- settings
  await a.goto(`${BASE}/#/settings`);
  await a.waitForSelector('#set-window', { timeout: WAIT });
  await check('settings: the batch window, pause, timeouts and zone as batchd keeps them', async () => {
    const t = async (s) => (await a.textContent(s)).trim();
    const got = [await t('#set-tz'), await t('#set-window'), await t('#set-pauses'), await t('#set-timeouts'), await t('#set-offset')];
    return (got[0] === 'UTC' && got[1] === '22:00 to 08:00 the next day (UTC)' && got[2].includes('2026-12-24 00:00:00') &&
      got[2].includes('2026-12-27 00:00:00') && got[3].includes('4 ×') && got[3].includes('at least 45 minutes') && got[4].startsWith('off')) ||
      got.join(' | ');
  });
  await check('settings: the calendar de-workdays with its workdays and holidays', async () => {
    const row = await a.textContent('#cal-table tr[data-calendar="de-workdays"]', { timeout: WAIT });
    return (row.includes('MON, TUE, WED, THU, FRI') && row.includes('2026-12-25, 2026-12-26')) || row;
  });
  await shot(a, 'settings');
  let windowLine = 0;
  await check('settings: an admin\'s edit with a bad window start (25:00) is refused 422, marked at its line, nothing changed', async () => {
    await a.click('#set-edit');
    const text = await a.inputValue('#def-text');
    windowLine = text.split('\n').findIndex((l) => l.startsWith('batch_window:')) + 1;
    await a.fill('#def-text', text.replace('start: "22:00"', 'start: "25:00"'));
    await a.click('#def-save');
    await a.waitForSelector('#def-problems li', { timeout: WAIT });
    const lines = await a.locator('#def-problems li').evaluateAll((ls) => ls.map((l) => `${l.dataset.line}:${l.textContent}`));
    const mark = await a.locator(`#def-gutter .mark[data-line="${windowLine}"]`).count();
    const cur = (await call(ADMIN, 'GET', '/api/v1/settings')).body;
    return (windowLine > 0 && lines.some((l) => l.startsWith(`${windowLine}:`) && l.includes('25:00')) && mark === 1 &&
      cur.version === 1 && cur.spec.includes('start: "22:00"')) || `window line ${windowLine}; problems ${lines.join(' / ')}; marks ${mark}; version ${cur.version}`;
  });
  await shot(a, 'settings-refused');
  await check('settings: the corrected text with a webhook is saved as version 2; the page shows the webhook\'s host, never its path', async () => {
    const text = (await a.inputValue('#def-text')).replace('start: "25:00"', 'start: "21:30"')
      .replace(/\n$/, '') + `\nalerts: {on: [failure], webhook: ["https://hooks.example.com/services/${SECRET_PATH}"]}\n`;
    await a.fill('#def-text', text);
    await a.click('#def-save');
    await until(a, () => document.querySelector('#set-version')?.textContent.startsWith('2,'));
    const win = (await a.textContent('#set-window')).trim();
    const hook = (await a.textContent('#set-webhook')).trim();
    const page = await a.textContent('main');
    return (win.startsWith('21:30 to 08:00') && hook === 'https://hooks.example.com/…' && !page.includes('s3cr3t')) || `window ${win}; webhook ${hook}`;
  });
  await check('settings: the save is audited as a new version by the admin (token:ada)', async () => {
    const cur = (await call(ADMIN, 'GET', '/api/v1/settings')).body;
    return (cur.version === 2 && cur.updated_by === 'token:ada') || `${cur.version} ${cur.updated_by}`;
  });

  // ---- tokens
  let secret = '';
  await check('tokens: the list has ada (admin) and vera (viewer); a new operator token is shown once and works', async () => {
    await a.waitForSelector('#tok-table tr[data-token="vera"]', { timeout: WAIT });
    const roles = await a.locator('#tok-table tbody tr').evaluateAll((rs) => rs.map((r) => `${r.dataset.token}:${r.children[2].textContent}`));
    await a.fill('#tok-name', 'ci-bot');
    await a.selectOption('#tok-role', 'operator');
    await a.click('#tok-create');
    await a.waitForSelector('#tok-secret', { timeout: WAIT });
    secret = await a.inputValue('#tok-secret');
    const me = await call(secret, 'GET', '/api/v1/whoami');
    return (roles.includes('ada:admin') && roles.includes('vera:viewer') && secret.startsWith('bdt_') &&
      me.status === 200 && me.body.name === 'ci-bot' && me.body.role === 'operator') || `${roles} / ${me.status} ${JSON.stringify(me.body)}`;
  });
  // the secret is masked in the screenshot: no token in a file, even a test's
  await a.screenshot({ path: path.join(env('SCREENS'), 'tokens-created.png'), fullPage: true, mask: [a.locator('#tok-secret')] });
  await check('tokens: after a reload the secret is nowhere on the page; the list shows ci-bot without it', async () => {
    await a.reload();
    await a.waitForSelector('#tok-table tr[data-token="ci-bot"]', { timeout: WAIT });
    const html = await a.content();
    return (!html.includes(secret) && (await a.locator('#tok-secret').count()) === 0) || 'the secret is still shown';
  });
  await check('tokens: Revoke (clicked twice, no dialog) revokes ci-bot; its token is refused 401', async () => {
    const btn = a.locator('#tok-table tr[data-token="ci-bot"] .tok-revoke');
    await btn.click();
    const armed = await btn.textContent();
    await btn.click();
    await until(a, () => document.querySelector('#tok-table tr[data-token="ci-bot"] .tok-state')?.textContent === 'revoked');
    const me = await call(secret, 'GET', '/api/v1/whoami');
    return (armed.includes('Really') && me.status === 401) || `button "${armed}", whoami ${me.status}`;
  });
  ok('no CSP violation, page error or dialog in the admin\'s tab (settings)', a.problems.length === 0, a.problems.join('\n'));

  // ---- the grid of jobs x days
  await check('grid: one request answers the whole grid (no request per cell); extract ✔ Success and broken ✖ Failed on the 9th, weekly empty, nothing on the 8th', async () => {
    const seen = [];
    const count = (r) => { if (r.url().includes('/api/v1/')) seen.push(`${new URL(r.url()).pathname} ${r.status()}`); };
    a.on('response', count);
    await a.goto(`${BASE}/#/grid?days=7&to=${DAY}`);
    await a.waitForSelector('#jobgrid tr[data-job="extract"]', { timeout: WAIT });
    await new Promise((r) => setTimeout(r, 2000)); // the stream opened meanwhile: its resync is a 304
    a.off('response', count);
    const cell = (job, day) => a.locator(`#jobgrid tr[data-job="${job}"] td[data-day="${day}"]`);
    const got = [await cell('extract', DAY).getAttribute('data-state'), (await cell('extract', DAY).textContent()).trim(),
      await cell('broken', DAY).getAttribute('data-state'), (await cell('broken', DAY).textContent()).trim(),
      await cell('weekly', DAY).getAttribute('class'), await cell('extract', '2026-03-08').getAttribute('class')];
    const days = await a.locator('#jobgrid thead th.day').count();
    // one read of the grid's data (200); a second read, when the event stream opens (it may
    // have missed changes meanwhile), is answered 304 as nothing changed; never a request per cell
    const grids = seen.filter((p) => p === '/api/v1/grid 200').length;
    const per = seen.filter((p) => p.startsWith('/api/v1/instances')).length;
    return (got.join('|') === 'Success|✔|Failed|✖|cell none|cell none' && days === 7 && grids === 1 && per === 0) ||
      `${got.join('|')}; ${days} days; requests ${seen.join(' ')}`;
  });
  await check('grid: the cell\'s colour is its state\'s (Success bluish green, Failed vermillion)', async () => {
    const bg = (job) => a.locator(`#jobgrid tr[data-job="${job}"] td[data-day="${DAY}"] a.gcell`).evaluate((el) => getComputedStyle(el).backgroundColor);
    const [s, f] = [await bg('extract'), await bg('broken')];
    return (s === 'rgb(0, 158, 115)' && f === 'rgb(213, 94, 0)') || `${s} ${f}`;
  });
  await shot(a, 'grid');
  await check('grid: a click on a cell opens its instance', async () => {
    const want = (await instanceOf('broken')).id;
    await a.click(`#jobgrid tr[data-job="broken"] td[data-day="${DAY}"] a`);
    await a.waitForURL(new RegExp(`#/instance/${want}$`), { timeout: WAIT });
    await a.waitForSelector('#state .badge[data-state="Failed"]', { timeout: WAIT });
    return true;
  });

  // ---- pushed updates (Server-Sent Events)
  const broken = await instanceOf('broken');
  await check('live: the monitor says batchd pushes the changes (its event stream is open)', async () => {
    await a.goto(`${BASE}/#/monitor?range=24h`);
    await a.waitForSelector(`#instances tr[data-id="${broken.id}"]`, { timeout: WAIT });
    await until(a, () => document.querySelector('#live')?.textContent.includes('pushed'));
    return true;
  });
  await check('live: a state change reaches the monitor by push while every read of the instances is blocked (no poll can bring it)', async () => {
    let blocked = 0;
    await a.route('**/api/v1/instances**', (route) => { blocked++; return route.abort(); });
    try {
      const r = await call(ADMIN, 'POST', `/api/v1/instances/${broken.id}/mark-success`, { reason: 'pushed to the monitor' });
      if (r.status >= 300) return `mark-success: ${r.status} ${JSON.stringify(r.body)}`;
      await until(a, (id) => document.querySelector(`#instances tr[data-id="${id}"]`)?.dataset.state === 'Manual Success', broken.id);
      const badge = await a.textContent(`#instances tr[data-id="${broken.id}"] td:first-child`);
      return badge.includes('☑') || `badge ${badge} (${blocked} blocked reads)`;
    } finally {
      await a.unroute('**/api/v1/instances**');
    }
  });
  await shot(a, 'monitor-pushed');
  await check('live: the instance page shows a rerun\'s state change by push, its own reads blocked', async () => {
    const tr = await instanceOf('transform');
    await a.goto(`${BASE}/#/instance/${tr.id}`);
    await a.waitForSelector('#state .badge[data-state="Success"]', { timeout: WAIT });
    await new Promise((r) => setTimeout(r, 2000)); // its stream is open by now (a ticket, then the stream)
    await a.route(`**/api/v1/instances/${tr.id}`, (route) => route.abort());
    try {
      const r = await call(ADMIN, 'POST', `/api/v1/instances/${tr.id}/rerun`, { reason: 'pushed to the instance page' });
      if (r.status >= 300) return `rerun: ${r.status} ${JSON.stringify(r.body)}`;
      await until(a, () => !!document.querySelector('#state')?.dataset.pushed);
      return true;
    } finally {
      await a.unroute(`**/api/v1/instances/${tr.id}`);
    }
  });
  await check('live: the stream is closed while the tab is hidden and opened again (new ticket) when shown', async () => {
    const setHidden = (on) => a.evaluate((hid) => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => hid });
      document.dispatchEvent(new Event('visibilitychange'));
    }, on);
    let tickets = 0, streams = 0;
    const count = (r) => { if (r.url().includes('/api/v1/events/ticket')) tickets++; else if (r.url().includes('/api/v1/events?')) streams++; };
    await setHidden(true);
    a.on('request', count);
    await new Promise((r) => setTimeout(r, 4000));
    const whileHidden = tickets + streams;
    const again = a.waitForRequest((r) => r.url().includes('/api/v1/events?'), { timeout: WAIT });
    await setHidden(false);
    await again;
    a.off('request', count);
    return (whileHidden === 0 && tickets >= 1) || `${whileHidden} stream requests while hidden, ${tickets} tickets after`;
  });
  ok('no CSP violation, page error or dialog in the admin\'s tab (grid, live)', a.problems.length === 0, a.problems.join('\n'));

  // ---- a viewer
  const v = await newPage();
  await login(v, VIEWER);
  await check('viewer: the settings page is read-only (no Edit), without tokens, and says why', async () => {
    await v.goto(`${BASE}/#/settings`);
    await v.waitForSelector('#set-window', { timeout: WAIT });
    const n = await v.locator('#set-edit, #def-save, #tok-table, #tok-create, .tok-revoke').count();
    const why = await v.textContent('#set-actions');
    const hook = (await v.textContent('#set-webhook')).trim();
    return (n === 0 && why.includes('admin') && hook === 'https://hooks.example.com/…') || `${n} write controls; "${why}"; ${hook}`;
  });
  await shot(v, 'viewer-settings');
  await check('viewer: the server refuses the writes anyway: PUT /api/v1/settings, GET and POST /api/v1/tokens are 403', async () => {
    const st = await v.evaluate(async () => {
      const auth = { Authorization: `Bearer ${sessionStorage.getItem('batchd.token')}` };
      const put = await fetch('/api/v1/settings', { method: 'PUT', headers: { ...auth, 'Content-Type': 'application/yaml' }, body: 'kind: settings\ntimezone: UTC\n' });
      const list = await fetch('/api/v1/tokens', { headers: auth });
      const mk = await fetch('/api/v1/tokens', { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{"name": "x", "role": "admin"}' });
      return [put.status, list.status, mk.status];
    });
    const cur = (await call(ADMIN, 'GET', '/api/v1/settings')).body;
    return (st.join(',') === '403,403,403' && cur.version === 2) || `${st} version ${cur.version}`;
  });
  await check('viewer: the grid works read-only', async () => {
    await v.goto(`${BASE}/#/grid?days=3&to=${DAY}`);
    await v.waitForSelector('#jobgrid tr[data-job="extract"] td[data-state="Success"]', { timeout: WAIT });
    return (await v.locator('#def-edit, #act-stop, #act-rerun, #act-mark-success, a[data-submit]').count()) === 0;
  });
  ok('no CSP violation or page error in the viewer\'s tab', v.problems.length === 0, v.problems.join('\n'));
} catch (e) {
  ok('the browser tests of settings, grid and live updates ran to their end', false, e.stack);
} finally {
  await browser.close();
}
process.exit(failures ? 1 : 0);
