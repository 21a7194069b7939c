// drift.mjs: drift on the definitions pages (docs/ui.md, docs/environments.md) in headless
// Chromium. tests/ui/run.sh starts a runtime batchd (--environment runtime) whose
// repository holds an applied export of three jobs and 1,197 yearly ones of groups bulk-a, -b, -c, and has an admin disable `beta` for
// troubleshooting (X-Batchd-Troubleshooting): beta is drift until the export is applied
// again. Expected: the jobs page shows a banner naming beta only and marks beta's row;
// the jobs are paged, 200 a page, and filtered by group; the dependency view lists the
// groups instead of drawing 1,200 jobs; the report draws 1,000 rows of 1,197; beta's definition page carries
// the mark, alpha's does not; after $APPLY (batchctl apply
// of the export) the banner and the marks are gone. Prints "ok - NAME" / "not ok - NAME".
import { execFileSync } from 'node:child_process';
import { env, ok, check, until, shot, browser, newPage, login, call, WAIT, BASE, failures } from './harness.mjs';

const ADMIN = env('ADMIN');

try {
  const a = await newPage();
  await login(a, ADMIN, '#/jobs');
  await check('runtime: the jobs page has a drift banner naming the drifted job only', async () => {
    await a.waitForSelector('#drift-banner a[data-drifted]', { timeout: WAIT });
    const named = await a.locator('#drift-banner a[data-drifted]').evaluateAll((l) => l.map((x) => x.dataset.drifted));
    const text = await a.textContent('#drift-banner');
    return (JSON.stringify(named) === '["beta"]' && text.includes('Runtime environment: 1 job drifted')) || `${named}: ${text}`;
  });
  await check('runtime: the drifted job\'s row is marked (who and why in its title), the others are not', async () => {
    await a.waitForSelector('#jobs tr[data-job="gamma"]', { timeout: WAIT });
    const marked = await a.locator('#jobs [data-drift]').evaluateAll((l) => l.map((x) => x.dataset.drift));
    const title = await a.getAttribute('#jobs tr[data-job="beta"] [data-drift]', 'title');
    return (JSON.stringify(marked) === '["beta"]' && title.includes('token:ada (troubleshooting)')) || `${marked}: ${title}`;
  });
  await shot(a, 'jobs-drift');
  // 1,200 jobs: alpha, beta, gamma, zz-0000 .. zz-1196 (group bulk-a, -b, -c by i % 3,
  // due at 03:00 UTC on 1 January), 200 a page by name.
  const names = () => a.locator('#jobs tr[data-job]').evaluateAll((l) => l.map((x) => x.dataset.job));
  const zz = (from, to, step = 1) => Array.from({ length: Math.floor((to - from) / step) + 1 },
    (_, i) => `zz-${String(from + i * step).padStart(4, '0')}`);
  const same = (x, y) => JSON.stringify(x) === JSON.stringify(y);
  await check('jobs page of 1,200 jobs: 200 a page by name, Next to the sixth page and no further (the banner still names beta), Previous back', async () => {
    const p1 = await names();
    const want1 = ['alpha', 'beta', 'gamma', ...zz(0, 196)];
    if (!same(p1, want1) || !(await a.$('#jobs-next')) || await a.$('#jobs-prev'))
      return `page 1: ${p1.length} rows, ${p1[0]} .. ${p1[p1.length - 1]}`;
    for (let k = 2; k <= 6; k++) {
      const last = zz(197 + 200 * (k - 1) - 1, 197 + 200 * (k - 1) - 1)[0];
      await a.click('#jobs-next');
      await a.waitForSelector(`#jobs tr[data-job="${last}"]`, { timeout: WAIT });
      const pk = await names();
      if (!same(pk, zz(197 + 200 * (k - 2), 197 + 200 * (k - 1) - 1))) return `page ${k}: ${pk[0]} .. ${pk[pk.length - 1]}`;
    }
    const banner = await a.locator('#drift-banner a[data-drifted]').evaluateAll((l) => l.map((x) => x.dataset.drifted));
    const info = await a.textContent('#jobs-info');
    if (await a.$('#jobs-next') || !(await a.$('#jobs-prev')) || !same(banner, ['beta']) || !info.includes('Jobs 1001 to 1200'))
      return `page 6: next ${!!(await a.$('#jobs-next'))}; banner ${banner}; "${info}"`;
    await a.click('#jobs-prev');
    await a.waitForSelector('#jobs tr[data-job="zz-0797"]', { timeout: WAIT });
    return same(await names(), zz(797, 996)) || 'not the fifth page again';
  });
  await check('jobs page: the Group box shows that group\'s jobs only, paged (#/jobs?group=bulk-a)', async () => {
    await a.fill('#jobs-group', 'bulk-a');
    await a.click('#jobs-show');
    await until(a, () => location.hash === '#/jobs?group=bulk-a' && !document.querySelector('#jobs tr[data-job="alpha"]') &&
      document.querySelector('#jobs tr[data-job="zz-0000"]'));
    const p1 = await names();
    await a.click('#jobs-next');
    await a.waitForSelector('#jobs tr[data-job="zz-1194"]', { timeout: WAIT });
    const p2 = await names();
    return (same(p1, zz(0, 597, 3)) && same(p2, zz(600, 1194, 3)) && !(await a.$('#jobs-next'))) || `${p1.length} then ${p2.length} rows`;
  });
  // The dependency view of a day of 1,200 jobs: more than it draws (500), so their groups.
  await check('dependency view of 1,200 jobs: not drawn; the groups with their jobs instead; bulk-a\'s link draws its 399', async () => {
    await a.goto(`${BASE}/#/deps`);
    await a.waitForSelector('#d-groups tr[data-group]', { timeout: WAIT });
    const rows = await a.locator('#d-groups tr[data-group]').evaluateAll((l) => l.map((r) => [r.dataset.group, r.querySelector('td.num').textContent]));
    const drawn = await a.locator('#dag g[data-job]').count();
    if (!same(rows, [['bulk-a', '399'], ['bulk-b', '399'], ['bulk-c', '399'], ['', '3']]) || drawn !== 0) return `${JSON.stringify(rows)}, ${drawn} nodes drawn`;
    await shot(a, 'deps-too-many');
    await a.click('#d-groups tr[data-group="bulk-a"] a');
    await a.waitForSelector('#dag g[data-job="zz-1194"]', { timeout: WAIT });
    const jobs = await a.locator('#dag g[data-job]').evaluateAll((l) => l.map((x) => x.dataset.job).sort());
    return same(jobs, zz(0, 1194, 3)) || `${jobs.length} nodes`;
  });
  // The report of 1 January 2026: each of the 1,197 yearly jobs expected at 03:00 and not
  // run (an error each); the tables draw 1,000 rows and say how many more there are.
  await check('report of a day of 1,197 scheduled jobs: 1,000 rows in the inspection and the durations, the last row says 197 more; 1,000 jobs to choose from', async () => {
    await a.goto(`${BASE}/#/report?day=2026-01-01&from=2026-01-01&to=2026-01-01`);
    await a.waitForSelector('#inspection tr.left-out', { timeout: WAIT });
    await a.waitForSelector('#durations tr.left-out', { timeout: WAIT });
    const insp = await a.locator('#inspection tr[data-job]').evaluateAll((l) => l.map((x) => [x.dataset.job, x.dataset.severity]));
    const dur = await a.locator('#durations tr[data-job]').evaluateAll((l) => l.map((x) => x.dataset.job));
    const more = [await a.textContent('#inspection tr.left-out'), await a.textContent('#durations tr.left-out')];
    const options = await a.locator('#dur-job option').count();
    return (same(insp, zz(0, 999).map((j) => [j, 'error'])) && same(dur, zz(0, 999)) && more.every((t) => t.includes('197 more jobs')) &&
      options === 1000) || `${insp.length} / ${dur.length} rows (${JSON.stringify(insp[0])}), "${more.join('" "')}", ${options} options`;
  });
  await shot(a, 'report-many');
  await check('runtime: the banner links to the drifted job\'s definition, which carries the mark', async () => {
    await a.goto(`${BASE}/#/jobs`);
    await a.waitForSelector('#drift-banner a[data-drifted="beta"]', { timeout: WAIT });
    await a.click('#drift-banner a[data-drifted="beta"]');
    await a.waitForSelector('#def-head [data-drift="beta"]', { timeout: WAIT });
    return (await a.textContent('#def-enabled')).includes('disabled') || await a.textContent('#def-enabled');
  });
  await shot(a, 'definition-drift');
  await check('runtime: a job that did not drift has no mark on its definition page', async () => {
    await a.goto(`${BASE}/#/def/alpha`);
    await a.waitForSelector('#def-enabled', { timeout: WAIT });
    return (await a.locator('[data-drift]').count()) === 0 || 'a drift mark on alpha';
  });
  execFileSync(env('BATCHCTL'), ['apply', env('EXPORT'), '--db', env('DB')], { stdio: 'ignore' });
  await check('after the export is applied again: no banner, no mark', async () => {
    const beta = (await call(ADMIN, 'GET', '/api/v1/jobs/beta')).body;
    if (beta.drift !== false) return `beta.drift is ${beta.drift} after the apply`;
    await a.goto(`${BASE}/#/jobs`);
    await a.waitForSelector('#jobs tr[data-job="beta"]', { timeout: WAIT });
    const n = await a.locator('#drift-banner a, [data-drift]').count();
    return n === 0 || `${n} banner links or marks`;
  });
  ok('no CSP violation or page error in the drift tab', a.problems.length === 0, a.problems.join('\n'));
} catch (e) {
  ok('the browser tests of drift ran to their end', false, e.stack);
} finally {
  await browser.close();
}
process.exit(failures ? 1 : 0);
