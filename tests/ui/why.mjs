// why.mjs: the "Why?" panels and the impact preview (docs/why.md, docs/ui.md) in headless
// Chromium. tests/ui/run.sh starts the batchd: 2026-03-09, the clock at real speed from
// 00:59:50 UTC; p (estimated 38 min) is due at 01:00 and runs until $GATE goes, c (its
// display name a markup payload) waits for it; daily is due at 07:00; p2 (estimated
// 30 min) and its child c2 are both due at 04:00. Prints "ok - NAME" / "not ok - NAME".
import { rmSync } from 'node:fs';
import { env, check, until, waitFor, shot, browser, newPage, login, call, WAIT, BASE, failures } from './harness.mjs';

const ADMIN = env('ADMIN');
const VIEWER = env('VIEWER');
const XSS_NAME = env('XSS_NAME');
const DAY = '2026-03-09';
const MIN = 60000;
// An instant as the API writes it (ISO 8601, seconds, UTC as +00:00 or Z) to epoch ms.
const ms = (iso) => new Date(iso).getTime();
const isoZ = (t) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

async function instanceOf(job) {
  const r = await call(ADMIN, 'GET', `/api/v1/instances?job=${job}&from=${DAY}T00:00:00Z&to=${DAY}T23:59:59Z&limit=10`);
  return (r.body.items || [])[0];
}

try {
  const a = await newPage();
  await login(a, ADMIN);

  // ---- an instance waiting for its running parent
  const [pi, ci] = await waitFor('p Running and c in Dependency Wait', async () => {
    const [x, y] = [await instanceOf('p'), await instanceOf('c')];
    return x && y && x.state === 4 && y.state === 1 && [x, y];
  });
  // When p started, from its history in the repository (the transition to Running).
  const pfull = (await call(ADMIN, 'GET', `/api/v1/instances/${pi.id}`)).body;
  const running = pfull.history.find((t) => t.to === 4);
  // DESIGN §2.3 with p's estimated_minutes: expected to end 38 minutes after it started.
  const expectedEnd = isoZ(ms(running.at) + 38 * MIN);
  await check("why (instance page): c's wait names its parent p, p's state Running and p's expected end from its estimate", async () => {
    await a.goto(`${BASE}/#/instance/${ci.id}`);
    await a.waitForSelector('#why-steps li[data-rule="dependency"]', { timeout: WAIT });
    const dep = await a.textContent('#why-steps li[data-rule="dependency"]');
    const verdict = await a.getAttribute('#why-steps li[data-rule="dependency"]', 'data-verdict');
    const head = await a.textContent('#why-job');
    return (verdict === 'wait' && dep.includes('p (success)') && dep.includes('Running') && dep.includes(`expected end ${expectedEnd}`) &&
      dep.includes('(38 min)') && head.includes('Dependency Wait')) || `verdict ${verdict}, head "${head}", step "${dep}" (expected end ${expectedEnd})`;
  });
  await check('why (instance page): the steps are an ordered list numbered from 1, each with its DESIGN section', async () => {
    const steps = await a.$$eval('#why-steps > li', (ls) => ls.map((l) => [l.dataset.step, l.querySelector('.sec').textContent]));
    return (steps.length >= 2 && steps.every(([n], i) => Number(n) === i + 1) && steps.some(([, s]) => s === '§2.3')) || JSON.stringify(steps);
  });
  await check("why (instance page): c's display name (markup) shown as text, never run", async () => {
    const dn = await a.textContent('#why-display');
    const xss = await a.evaluate(() => window.__xss);
    return (dn === `(${XSS_NAME})` && xss === undefined && !(await a.$('#why img'))) || `"${dn}", __xss ${xss}`;
  });
  await shot(a, 'why-instance');

  // ---- a job at a time when nothing is due: the next due time
  await check('why at 03:00 of daily (cron "0 7 * * *" UTC): nothing due then, next due 07:00 the same day', async () => {
    await a.goto(`${BASE}/#/def/daily`);
    await a.waitForSelector('#why-at', { timeout: WAIT });
    await a.fill('#why-at', `${DAY}T03:00`);
    await a.click('#why-ask');
    await a.waitForSelector('#why-next time', { timeout: WAIT });
    const next = await a.getAttribute('#why-next time', 'datetime');
    const step = await a.getAttribute('#why-steps li[data-rule="next due"]', 'data-verdict');
    // No instance exists at 03:00, so the "next due" steps show no state.
    const badges = await a.$$eval('#why-steps li[data-rule="next due"] .badge', (b) => b.length);
    return (ms(next) === ms(`${DAY}T07:00:00Z`) && step !== null && badges === 0) || `next ${next}, "next due" step ${step}, ${badges} state badges`;
  });
  await check("why (definition page): the definition's display name (markup) stays text, never run; no CSP violation", async () => {
    const xss = await a.evaluate(() => window.__xss);
    return (xss === undefined && a.problems.length === 0) || `__xss ${xss}; ${a.problems.join('; ')}`;
  });
  await shot(a, 'why-definition');

  // ---- the impact of a cron edit, before it is saved
  // p2 due 04:00 runs 04:00-04:30 (its estimate), so c2 (due 04:00, waits for p2) starts
  // at 04:30. Moving p2 to "0 3 * * *" ends it at 03:30: c2 starts at its due time, 04:00.
  // In the 7 days from now (01:0x on DAY): p2's 04:00 runs of DAY..DAY+6 removed, its 03:00
  // runs added, c2's 7 runs moved from 04:30 to 04:00.
  await check('impact preview of a cron edit: 7 added, 7 removed, 7 moved, no new waits, no new skips', async () => {
    await a.goto(`${BASE}/#/def/p2`);
    await a.click('#def-edit');
    const text = await a.inputValue('#def-text');
    if (!text.includes('0 4 * * *')) return `the stored text has no "0 4 * * *": ${text}`;
    await a.fill('#def-text', text.replace('0 4 * * *', '0 3 * * *'));
    await a.click('#def-impact');
    await a.waitForSelector('#impact .impact-sum', { timeout: WAIT });
    const n = await a.$$eval('#impact .count', (cs) => Object.fromEntries(cs.map((c) => [c.dataset.kind, Number(c.textContent)])));
    return (n.added === 7 && n.removed === 7 && n.moved === 7 && n.new_wait === 0 && n.newly_skipped === 0 && n.state === 0) || JSON.stringify(n);
  });
  await check('impact preview: the moved runs are c2 due 04:00, before 04:30, after 04:00, day by day', async () => {
    const rows = await a.$$eval('#impact section[data-kind="moved"] tbody tr', (trs) => trs.map((tr) => ({
      job: tr.dataset.job, due: tr.dataset.due,
      before: tr.querySelector('td.before time')?.getAttribute('datetime'),
      after: tr.querySelector('td.after time')?.getAttribute('datetime'),
    })));
    const want = Array.from({ length: 7 }, (_, i) => {
      const due = ms(`${DAY}T04:00:00Z`) + i * 24 * 60 * MIN;
      return { due, before: due + 30 * MIN, after: due };
    });
    const good = rows.length === 7 && rows.every((r, i) => r.job === 'c2' && ms(r.due) === want[i].due &&
      ms(r.before) === want[i].before && ms(r.after) === want[i].after);
    return good || JSON.stringify(rows);
  });
  await check('impact preview: the removed runs are p2 at 04:00 and the added ones p2 at 03:00', async () => {
    const dues = (k) => a.$$eval(`#impact section[data-kind="${k}"] tbody tr`, (trs) => trs.map((tr) => `${tr.dataset.job} ${tr.dataset.due}`));
    const [rm, add] = [await dues('removed'), await dues('added')];
    const hhmm = (l) => l.map((x) => `${x.split(' ')[0]} ${new Date(x.split(' ')[1]).toISOString().slice(11, 16)}`);
    return (rm.length === 7 && add.length === 7 && hhmm(rm).every((x) => x === 'p2 04:00') && hhmm(add).every((x) => x === 'p2 03:00')) ||
      `removed ${rm.join(', ')}; added ${add.join(', ')}`;
  });
  await shot(a, 'impact-preview');
  await check('impact preview: nothing saved (p2 still version 1 with "0 4 * * *")', async () => {
    const j = (await call(ADMIN, 'GET', '/api/v1/jobs/p2')).body;
    return (j.version === 1 && j.cron === '0 4 * * *') || `version ${j.version}, cron ${j.cron}`;
  });
  await check('impact preview: invalid text shows the server\'s problems, and nothing is saved', async () => {
    const text = await a.inputValue('#def-text');
    await a.fill('#def-text', text.replace('0 3 * * *', '0 99 * * *'));
    await a.click('#def-impact');
    await a.waitForSelector('#impact .error', { timeout: WAIT });
    const e = await a.textContent('#impact');
    const j = (await call(ADMIN, 'GET', '/api/v1/jobs/p2')).body;
    return (/cron|trigger/.test(e) && j.version === 1) || `"${e}", version ${j.version}`;
  });

  // ---- a viewer: the why panel, no edit (so no preview); the route refuses a viewer anyway
  const v = await newPage();
  await login(v, VIEWER, '#/def/daily');
  await check('viewer: the why panel answers; no Edit, so no impact preview; POST /api/v1/impact refused 403', async () => {
    await v.waitForSelector('#why-ask', { timeout: WAIT });
    await v.click('#why-ask');
    await v.waitForSelector('#why-steps li', { timeout: WAIT });
    const edit = await v.$('#def-edit');
    const r = await call(VIEWER, 'POST', '/api/v1/impact', 'kind: job\nname: daily\ntrigger: {cron: "0 8 * * *"}\nexecutor: {exec: {command: [/bin/true]}}\n',
      { 'Content-Type': 'application/yaml' });
    return (edit === null && r.status === 403) || `edit ${!!edit}, impact ${r.status}`;
  });

  // ---- the parent ends: c's why follows it (asked again on its change of state). The
  // page's one read of c's display name is held until the page shows c in Success, so the
  // explanation asked while c waited finishes after the one asked for Success: the later
  // state must stay (docs/ui.md, "Why?").
  let held = null;
  await a.route((u) => new URL(u).pathname === '/api/v1/jobs/c', (route) => { held = route; });
  await a.goto(`${BASE}/#/instance/${ci.id}`);
  await waitFor("the instance page reads c's display name", () => held);
  rmSync(env('GATE'), { force: true });
  await check("why (instance page): asked again when c's state changes: it ends in Success, though the question asked in Dependency Wait is answered last", async () => {
    await until(a, () => document.querySelector('#state')?.textContent.includes('Success'));
    await held.continue();
    await until(a, () => document.querySelector('#why-display') && document.querySelector('#why-outcome')?.textContent.includes('Success'));
    const head = await a.textContent('#why-job');
    const outcome = await a.textContent('#why-outcome');
    return (head.includes('Success') && !head.includes('Dependency Wait') && head.includes(`(${XSS_NAME})`) && outcome.includes('Success')) ||
      `head "${head}", outcome "${outcome}"`;
  });
} catch (e) {
  console.log(`not ok - the why tests ran to their end\n    ${String(e.stack || e).split('\n').slice(0, 6).join('\n    ')}`);
} finally {
  await browser.close();
}
process.exit(failures ? 1 : 0);
