// pages.mjs: the web UI's later pages in headless Chromium (tests/ui/run.sh starts the
// batchd: 2026-03-09, a Monday, clock 10x, a nightly chain due at 07:00 UTC whose first
// job waits for $GATE to go). Prints "ok - NAME" / "not ok - NAME" per check;
// screenshots in $SCREENS.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { env, ok, check, until, waitFor, shot, browser, newPage, login, call, WAIT, BASE, failures } from './harness.mjs';

const ADMIN = env('ADMIN');
const VIEWER = env('VIEWER');
const XSS_NAME = env('XSS_NAME');
const DAY = '2026-03-09';

// The instances of DAY by job: {job: [instance...]}.
async function instancesOfDay() {
  const r = await call(ADMIN, 'GET', `/api/v1/instances?from=${DAY}T00:00:00Z&to=${DAY}T23:59:59Z&limit=1000`);
  const by = {};
  for (const it of r.body.items || []) (by[it.job] ||= []).push(it);
  return by;
}
const FINAL = new Set([3, 5, 6, 7, 8, 9, 12]);

try {
  const a = await newPage();
  await login(a, ADMIN);

  // ---- the nightly chain: extract runs (held by the gate), then everything ends
  await check('the nightly chain starts at 07:00: extract Running (held), broken Failed', async () => {
    await waitFor('extract Running and broken Failed', async () => {
      const by = await instancesOfDay();
      return by.extract && by.extract[0].state === 4 && by.broken && by.broken[0].state === 6;
    });
    return true;
  });

  // ---- the dependency view of the day, while extract is held
  const fam = (page, job) => page.getAttribute(`#dag g.node[data-job="${job}"]`, 'data-family');
  await check('deps: the day as a DAG: extract and transform yellow (running, waiting), broken red, weekly grey (not due)', async () => {
    await a.goto(`${BASE}/#/deps?date=${DAY}`);
    await a.waitForSelector('#dag g.node[data-job="load"]', { timeout: WAIT });
    const got = {};
    for (const j of ['extract', 'transform', 'load', 'broken', 'weekly']) got[j] = `${await fam(a, j)}/${await a.getAttribute(`#dag g.node[data-job="${j}"]`, 'data-state')}`;
    const fill = await a.locator('#dag g.node[data-job="broken"] rect').evaluate((el) => getComputedStyle(el).fill);
    return (got.extract === 'yellow/Running' && got.transform === 'yellow/Dependency Wait' && got.broken === 'red/Failed' &&
      got.weekly === 'grey/' && fill === 'rgb(213, 94, 0)') || `${JSON.stringify(got)} broken fill ${fill}`;
  });
  await check('deps: parents left of children; success edges solid, completion edges dashed', async () => {
    const x = async (j) => (await a.locator(`#dag g.node[data-job="${j}"] rect`).boundingBox()).x;
    const dash = (f, t) => a.locator(`#dag path.edge[data-from="${f}"][data-to="${t}"]`).evaluate((el) => getComputedStyle(el).strokeDasharray);
    const [xe, xt, xl] = [await x('extract'), await x('transform'), await x('load')];
    const [d1, d2] = [await dash('extract', 'transform'), await dash('transform', 'load')];
    return (xe < xt && xt < xl && d1 === 'none' && d2 !== 'none') || `x ${xe} ${xt} ${xl}; dashes ${d1} / ${d2}`;
  });
  await shot(a, 'deps-running');
  await check('deps: the chain turns green without a reload (extract, transform, load), pushed: every read of the day blocked', async () => {
    await until(a, () => document.querySelector('#live')?.textContent.includes('pushed'));
    let blocked = 0;
    await a.route('**/api/v1/deps**', (route) => { blocked++; return route.abort(); });
    try {
      rmSync(env('GATE'), { force: true });
      await until(a, () => ['extract', 'transform', 'load'].every((j) =>
        document.querySelector(`#dag g.node[data-job="${j}"]`)?.dataset.family === 'green'));
      const st = await a.getAttribute('#dag g.node[data-job="load"]', 'data-state');
      return st === 'Success' || `load ${st} (${blocked} reads blocked)`;
    } finally {
      await a.unroute('**/api/v1/deps**');
    }
  });
  await shot(a, 'deps-green');
  await check('deps: a click on a node opens its instance', async () => {
    const id = await a.getAttribute('#dag g.node[data-job="load"]', 'data-instance');
    await a.click('#dag g.node[data-job="load"]');
    await a.waitForURL(new RegExp(`#/instance/${id}$`), { timeout: WAIT });
    await a.waitForSelector('#state .badge[data-state="Success"]', { timeout: WAIT });
    return true;
  });
  await check('the chain ends: extract, transform, load and slowpoke Success', async () => {
    const by = await waitFor('extract, transform, load, slowpoke final', async () => {
      const b = await instancesOfDay();
      return ['extract', 'transform', 'load', 'slowpoke'].every((j) => b[j] && FINAL.has(b[j][0].state)) && b;
    });
    const states = ['extract', 'transform', 'load', 'slowpoke'].map((j) => `${j}:${by[j][0].state_name}`);
    return states.every((s) => s.endsWith(':Success')) || states.join(' ');
  });

  // ---- the batch report
  await check('report: runs per day by outcome for 2026-03-08..09 (4 success and 1 failed on the 9th, nothing on the 8th)', async () => {
    await a.goto(`${BASE}/#/report?from=2026-03-08&to=${DAY}&day=${DAY}`);
    await a.waitForSelector(`#outcomes tr[data-day="${DAY}"]`, { timeout: WAIT, state: 'attached' });
    const cell = (d, k) => a.textContent(`#outcomes tr[data-day="${d}"] td[data-outcome="${k}"]`);
    const got = [await cell(DAY, 'success'), await cell(DAY, 'failed'), await cell('2026-03-08', 'success'), await cell('2026-03-08', 'failed')];
    return got.join(',') === '4,1,0,0' || `success, failed on the 9th and 8th: ${got}`;
  });
  await check('report: the outcome chart and the duration chart are drawn (uPlot canvases with a legend)', async () => {
    const n = await a.evaluate(() => [...document.querySelectorAll('#chart-outcomes canvas, #chart-duration canvas')]
      .filter((c) => c.width > 300 && c.height > 100).length);
    const legend = await a.textContent('#chart-outcomes');
    return (n === 2 && legend.includes('success') && legend.includes('failed')) || `${n} canvases; legend ${legend}`;
  });
  await check('report: slowpoke (estimate 1 min, runs 90 s of the 10x clock) is over its estimate', async () => {
    const over = await a.getAttribute('#durations tr[data-job="slowpoke"] td[data-over]', 'data-over');
    const ext = await a.getAttribute('#durations tr[data-job="extract"] td[data-over]', 'data-over');
    return (over === '1' && ext === '0') || `slowpoke ${over}, extract ${ext}`;
  });
  await check('report: the jobs that did not run when scheduled: all on the 8th (batchd was not running; weekly on Sunday), berlin (02:30 Berlin) on the 9th', async () => {
    const rows = await a.locator('#not-run tr[data-day]').evaluateAll((rs) => rs.map((r) => `${r.dataset.day} ${r.dataset.job}`));
    const want = ['berlin', 'broken', 'extract', 'load', 'slowpoke', 'transform', 'weekly'].map((j) => `2026-03-08 ${j}`)
      .concat([`${DAY} berlin`]);
    return rows.join(';') === want.join(';') || `rows: ${rows.join('; ')}`;
  });
  await check('report: the daily inspection of the 9th: broken is an error with its failure, extract All Successful', async () => {
    await a.waitForSelector('#inspection tr[data-job="broken"]', { timeout: WAIT });
    const broken = await a.getAttribute('#inspection tr[data-job="broken"]', 'data-severity');
    const ext = await a.textContent('#inspection tr[data-job="extract"]');
    const day = await a.getAttribute('#inspection-summary .sev', 'data-severity');
    return (broken === 'error' && ext.includes('All Successful') && day === 'error') || `broken ${broken}, day ${day}, extract ${ext}`;
  });
  await check('report: a display name with markup is shown as text, nothing ran', async () => {
    const t = await a.textContent('#inspection tr[data-job="extract"] td:nth-child(2)');
    return (t === XSS_NAME && (await a.locator('main img').count()) === 0 && (await a.evaluate(() => window.__xss)) === undefined) || `cell ${t}`;
  });
  await shot(a, 'report');
  await check('report: "Download .xlsx" saves the day\'s workbook; openpyxl reads broken\'s row as an error', async () => {
    const [dl] = await Promise.all([a.waitForEvent('download', { timeout: WAIT }), a.click('#xlsx')]);
    const file = path.join(env('DOWNLOADS'), 'report.xlsx');
    await dl.saveAs(file);
    const name = dl.suggestedFilename();
    const py = `import openpyxl,sys
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["${DAY}"]
rows = list(ws.iter_rows(values_only=True))
h = rows[0]
for r in rows[1:]:
    if r[h.index("job")] == "broken":
        print(r[h.index("fail")], r[h.index("severity")], r[h.index("total")])
    if r[h.index("job")] == "extract":
        print(r[h.index("display_name")])`;
    const out = execFileSync('/usr/bin/python3', ['-c', py, file], { encoding: 'utf8' }).trim().split('\n');
    return (name === `batchd-report-${DAY}.xlsx` && out[0] === '1 error 1' && out[1] === XSS_NAME) || `file ${name}, read ${JSON.stringify(out)}`;
  });

  // ---- the cron helper
  await check('cron helper: 30 2 * * * in Europe/Berlin from 2026-03-25 00:00: explained, 10 fires, 03-29 moved to 03:00+02:00 and marked', async () => {
    await a.goto(`${BASE}/#/cron?expr=${encodeURIComponent('30 2 * * *')}&tz=Europe/Berlin&from=2026-03-25`);
    await a.waitForSelector('#cron-fires tr[data-local]', { timeout: WAIT });
    const expl = await a.textContent('#cron-explain');
    const rows = await a.locator('#cron-fires tr').evaluateAll((rs) => rs.map((r) => [r.dataset.local, r.dataset.dst, r.textContent]));
    const moved = rows.filter((r) => r[1]);
    return (expl.includes('at 02:30, every day') && expl.includes('Europe/Berlin') && rows.length === 10 &&
      rows[0][0] === '2026-03-25T02:30:00+01:00' && moved.length === 1 && moved[0][0] === '2026-03-29T03:00:00+02:00' &&
      moved[0][1] === 'dst_gap_moved' && moved[0][2].includes('moved by DST') && rows[5][0] === '2026-03-30T02:30:00+02:00' &&
      rows[0][2].includes('2026-03-25 01:30:00 UTC')) || `${expl} | ${JSON.stringify(rows.slice(0, 5))}`;
  });
  await shot(a, 'cron');
  await check('cron helper: typing a bad expression shows the parser\'s message with a caret under column 3', async () => {
    await a.fill('#cron-expr', '0 25 * * *');
    await a.waitForSelector('#cron-caret', { timeout: WAIT });
    const msg = await a.textContent('#cron-error');
    const caret = await a.textContent('#cron-caret');
    return (msg.includes('hour: "25" is out of range 0-23') && caret === '0 25 * * *\n  ^ hour' &&
      (await a.locator('#cron-fires tr').count()) === 0) || `${msg} | ${JSON.stringify(caret)}`;
  });
  await check('cron helper: the address follows the form (a reload shows the same expression)', async () => {
    await until(a, () => location.hash.includes('25'));
    await a.reload();
    await a.waitForSelector('#cron-caret', { timeout: WAIT });
    return (await a.inputValue('#cron-expr')) === '0 25 * * *';
  });
  await shot(a, 'cron-error');

  // ---- definitions: view, edit with the server's validation at its line, history, disable
  await check('definition: the jobs page links to it; the stored YAML with line numbers, the display name as text', async () => {
    await a.goto(`${BASE}/#/jobs`);
    await a.click('a[data-def="extract"]', { timeout: WAIT });
    await a.waitForSelector('#def-view .ln', { timeout: WAIT });
    const dn = await a.textContent('#def-display');
    const yaml = await a.textContent('#def-view');
    return (dn === XSS_NAME && yaml.includes('name: extract') && yaml.includes('0 7 * * *') &&
      (await a.locator('main img, main script').count()) === 0 && (await a.evaluate(() => window.__xss)) === undefined) || `display ${dn}`;
  });
  await shot(a, 'definition');
  const specLine = async (re) => {
    const lines = (await a.inputValue('#def-text')).split('\n');
    return lines.findIndex((l) => re.test(l)) + 1;
  };
  await check('definition: a bad cron typed in the editor is refused with the server\'s message, marked at its line', async () => {
    await a.goto(`${BASE}/#/def/weekly`);
    await a.click('#def-edit', { timeout: WAIT });
    const text = await a.inputValue('#def-text');
    await a.fill('#def-text', `# edited in the browser\n${text.replace('0 7 * * 0', '0 25 * * 0')}`);
    const line = await specLine(/cron: "0 25/);
    await a.click('#def-save');
    await a.waitForSelector('#def-problems li', { timeout: WAIT });
    const li = await a.textContent('#def-problems li');
    const at = await a.getAttribute('#def-problems li', 'data-line');
    const mark = await a.locator(`#def-gutter .mark[data-line="${line}"]`).count();
    const ver = (await call(ADMIN, 'GET', '/api/v1/jobs/weekly')).body.version;
    return (line > 1 && at === String(line) && li.includes('hour: "25" is out of range 0-23') && li.includes('trigger.cron') &&
      mark === 1 && ver === 1) || `line ${line}, problem at ${at}: ${li}; marks ${mark}; version ${ver}`;
  });
  await shot(a, 'definition-error');
  await check('definition: corrected, it is saved as version 2; the history shows the diff', async () => {
    const text = await a.inputValue('#def-text');
    await a.fill('#def-text', text.replace('0 25 * * 0', '30 6 * * 0'));
    await a.click('#def-save');
    await until(a, () => document.querySelector('#def-msg').textContent.includes('version 2'));
    await a.waitForSelector('#def-history details[data-version="2"] .add', { timeout: WAIT });
    const add = await a.locator('#def-history details[data-version="2"] .add').allTextContents();
    const del = await a.locator('#def-history details[data-version="2"] .del').allTextContents();
    return (add.some((l) => l.includes('30 6 * * 0')) && del.some((l) => l.includes('0 7 * * 0'))) || `+ ${add} / - ${del}`;
  });
  await check('definition: the cron helper under it explains the job\'s schedule in its zone (Europe/Berlin)', async () => {
    await until(a, () => document.querySelector('#def-cron #cron-explain')?.textContent.includes('06:30'));
    return (await a.textContent('#def-cron #cron-explain')).includes('Europe/Berlin');
  });
  await shot(a, 'definition-saved');
  await check('definition: Disable makes version 3 and the job disabled; Enable brings it back', async () => {
    await a.click('#def-disable');
    await until(a, () => document.querySelector('#def-enabled').textContent.includes('disabled'));
    const off = (await call(ADMIN, 'GET', '/api/v1/jobs/weekly')).body;
    await a.click('#def-enable');
    await until(a, () => document.querySelector('#def-enabled').textContent.includes('✔ enabled'));
    const on = (await call(ADMIN, 'GET', '/api/v1/jobs/weekly')).body;
    return (off.enabled === false && off.version === 3 && on.enabled === true && on.version === 4) || `${off.enabled} ${off.version} ${on.enabled} ${on.version}`;
  });
  // ---- a new job from the Jobs page (POST /api/v1/jobs), and deleting one
  const NEW_BAD = 'kind: job\nname: nightly-report\ngroup: nightly\ntrigger: {cron: "0 61 * * *", timezone: UTC}\n' +
    'depends_on: [{job: load, mode: success}]\nexecutor: {exec: {command: [/bin/true]}}\n';
  await check('new job: admins get "+ New job" on the Jobs page; a bad cron is refused with the server\'s message at its line, nothing created', async () => {
    await a.goto(`${BASE}/#/jobs`);
    await a.click('#new-job', { timeout: WAIT });
    await a.waitForSelector('#def-text', { timeout: WAIT });
    const template = await a.inputValue('#def-text');
    await a.fill('#def-text', NEW_BAD);
    await a.click('#def-save');
    await a.waitForSelector('#def-problems li', { timeout: WAIT });
    const li = await a.textContent('#def-problems li');
    const at = await a.getAttribute('#def-problems li', 'data-line');
    const mark = await a.locator('#def-gutter .mark[data-line="4"]').count();
    const st = (await call(ADMIN, 'GET', '/api/v1/jobs/nightly-report')).status;
    return (template.startsWith('kind: job\n') && at === '4' && li.includes('hour: "61" is out of range 0-23') && li.includes('trigger.cron') &&
      mark === 1 && st === 404) || `template ${JSON.stringify(template.slice(0, 20))}; problem at ${at}: ${li}; marks ${mark}; GET ${st}`;
  });
  await shot(a, 'newjob-error');
  await check('new job: corrected, it is created (version 1) and its definition page opens', async () => {
    await a.fill('#def-text', NEW_BAD.replace('0 61 * * *', '0 23 * * *'));
    await a.click('#def-save');
    await a.waitForURL(/#\/def\/nightly-report/, { timeout: WAIT });
    await a.waitForSelector('#def-view .ln', { timeout: WAIT });
    const m = await a.textContent('#def-msg');
    const job = (await call(ADMIN, 'GET', '/api/v1/jobs/nightly-report')).body;
    return (m.includes('Created') && job.version === 1 && job.cron === '0 23 * * *' &&
      (await a.locator('#def-delete').count()) === 1) || `message ${m}; job ${JSON.stringify(job)}`;
  });
  await shot(a, 'newjob-created');
  await check('delete: a job another depends on is refused (asked by a second click), the server\'s problem listed, nothing deleted', async () => {
    await a.goto(`${BASE}/#/def/load`);
    await a.click('#def-delete', { timeout: WAIT });
    const armed = await a.textContent('#def-delete');
    const still = (await call(ADMIN, 'GET', '/api/v1/jobs/load')).status;
    await a.click('#def-delete');
    await a.waitForSelector('#def-problems li', { timeout: WAIT });
    const li = await a.textContent('#def-problems li');
    const after = (await call(ADMIN, 'GET', '/api/v1/jobs/load')).status;
    return (armed.includes('Really delete') && still === 200 && li.includes('nightly-report') &&
      li.includes('unknown parent job "load"') && after === 200) || `armed ${armed}; ${still}; problem ${li}; after ${after}`;
  });
  await shot(a, 'delete-refused');
  await check('delete: the new job is deleted by two clicks; the Jobs page says so and lists it no more', async () => {
    await a.goto(`${BASE}/#/def/nightly-report`);
    await a.click('#def-delete', { timeout: WAIT });
    await a.click('#def-delete');
    await a.waitForURL(/#\/jobs\?deleted=nightly-report$/, { timeout: WAIT });
    await a.waitForSelector('#jobs tr[data-job="load"]', { timeout: WAIT });
    const m = await a.textContent('#jobs-msg');
    const rows = await a.locator('#jobs tr[data-job="nightly-report"]').count();
    const st = (await call(ADMIN, 'GET', '/api/v1/jobs/nightly-report')).status;
    return (m.includes('"nightly-report" deleted') && rows === 0 && st === 404) || `message ${m}; rows ${rows}; GET ${st}`;
  });
  ok('no CSP violation or page error in the admin\'s tab', a.problems.length === 0, a.problems.join('\n'));

  // ---- display names in the browser's language; a viewer sees no write buttons
  const de = await newPage({ locale: 'de-DE' });
  await login(de, VIEWER);
  await check('definition in a German browser: the "de" display name, shown as text, nothing ran', async () => {
    await de.goto(`${BASE}/#/def/extract`);
    await de.waitForSelector('#def-view .ln', { timeout: WAIT });
    const dn = await de.textContent('#def-display');
    return (dn === env('XSS_DE') && (await de.locator('main script, main img').count()) === 0 &&
      (await de.evaluate(() => window.__xss)) === undefined) || `display ${dn}`;
  });
  await check('viewer: the definition page has no Edit, Disable, Enable or Delete button, and says why', async () => {
    const n = await de.locator('#def-edit, #def-disable, #def-enable, #def-save, #def-delete').count();
    return (n === 0 && (await de.textContent('#def-actions')).includes('admin')) || `${n} buttons`;
  });
  await check('viewer: no "+ New job" on the Jobs page; #/newjob only says that it takes the admin role', async () => {
    await de.goto(`${BASE}/#/jobs`);
    await de.waitForSelector('#jobs tr[data-job="load"]', { timeout: WAIT });
    const n = await de.locator('#new-job').count();
    await de.goto(`${BASE}/#/newjob`);
    await de.waitForSelector('#def-msg', { timeout: WAIT });
    await until(de, () => document.getElementById('def-msg').textContent.includes('admin'));
    const editors = await de.locator('#def-text, #def-save').count();
    return (n === 0 && editors === 0) || `${n} New job links, ${editors} editors`;
  });
  await check('viewer: creating and deleting a job through the API from the page are refused 403, nothing changed', async () => {
    const [post, del] = await de.evaluate(async (body) => {
      const auth = { Authorization: `Bearer ${sessionStorage.getItem('batchd.token')}` };
      const p = await fetch('/api/v1/jobs', { method: 'POST', headers: { ...auth, 'Content-Type': 'application/yaml' }, body });
      const d = await fetch('/api/v1/jobs/weekly', { method: 'DELETE', headers: auth });
      return [p.status, d.status];
    }, NEW_BAD.replace('0 61 * * *', '0 23 * * *'));
    const made = (await call(ADMIN, 'GET', '/api/v1/jobs/nightly-report')).status;
    const kept = (await call(ADMIN, 'GET', '/api/v1/jobs/weekly')).status;
    return (post === 403 && del === 403 && made === 404 && kept === 200) || `POST ${post}, DELETE ${del}; nightly-report ${made}, weekly ${kept}`;
  });
  await shot(de, 'viewer-definition');
  await check('viewer: a PUT of the definition from the page is refused 403, nothing changed', async () => {
    const st = await de.evaluate(async () => (await fetch('/api/v1/jobs/extract/disable', { method: 'POST',
      headers: { Authorization: `Bearer ${sessionStorage.getItem('batchd.token')}` } })).status);
    const job = (await call(ADMIN, 'GET', '/api/v1/jobs/extract')).body;
    return (st === 403 && job.enabled === true && job.version === 1) || `status ${st}, enabled ${job.enabled}`;
  });
  await check('viewer: the report, dependency and cron pages work read-only (no write button anywhere)', async () => {
    for (const hash of [`#/report?from=2026-03-08&to=${DAY}&day=${DAY}`, `#/deps?date=${DAY}`, '#/cron?expr=0%201%20*%20*%20*']) {
      await de.goto(`${BASE}/${hash}`);
      await de.waitForSelector('#inspection tr, #dag g.node, #cron-fires tr', { timeout: WAIT });
      const n = await de.locator('#def-edit, #act-stop, #act-rerun, #act-mark-success, a[data-submit]').count();
      if (n) return `${hash}: ${n} write buttons`;
    }
    return true;
  });
  ok('no CSP violation or page error in the viewer\'s tab', de.problems.length === 0, de.problems.join('\n'));
} catch (e) {
  ok('the browser tests of the later pages ran to their end', false, e.stack);
} finally {
  await browser.close();
}
process.exit(failures ? 1 : 0);
