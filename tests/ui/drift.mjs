// drift.mjs: drift on the definitions pages (docs/ui.md, docs/environments.md) in headless
// Chromium. tests/ui/run.sh starts a runtime batchd (--environment runtime) whose
// repository holds an applied export of three jobs and 597 of groups bulk-a and bulk-b, and has an admin disable `beta` for
// troubleshooting (X-Batchd-Troubleshooting): beta is drift until the export is applied
// again. Expected: the jobs page shows a banner naming beta only and marks beta's row;
// the jobs are paged, 200 a page, and filtered by group; the dependency view lists the
// groups instead of drawing 600 jobs; beta's definition page carries
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
  // 600 jobs: alpha, beta, gamma, zz-000 .. zz-596 (even: group bulk-a, odd: bulk-b),
  // 200 a page by name.
  const names = () => a.locator('#jobs tr[data-job]').evaluateAll((l) => l.map((x) => x.dataset.job));
  const zz = (from, to, step = 1) => Array.from({ length: Math.floor((to - from) / step) + 1 },
    (_, i) => `zz-${String(from + i * step).padStart(3, '0')}`);
  const same = (x, y) => JSON.stringify(x) === JSON.stringify(y);
  await check('jobs page of 600 jobs: 200 a page by name, Next to the third page and no further (the banner still names beta), Previous back', async () => {
    const p1 = await names();
    const want1 = ['alpha', 'beta', 'gamma', ...zz(0, 196)];
    if (!same(p1, want1) || !(await a.$('#jobs-next')) || await a.$('#jobs-prev'))
      return `page 1: ${p1.length} rows, ${p1[0]} .. ${p1[p1.length - 1]}`;
    await a.click('#jobs-next');
    await a.waitForSelector('#jobs tr[data-job="zz-396"]', { timeout: WAIT });
    const p2 = await names();
    await a.click('#jobs-next');
    await a.waitForSelector('#jobs tr[data-job="zz-596"]', { timeout: WAIT });
    const p3 = await names();
    const banner = await a.locator('#drift-banner a[data-drifted]').evaluateAll((l) => l.map((x) => x.dataset.drifted));
    const info = await a.textContent('#jobs-info');
    if (!same(p2, zz(197, 396)) || !same(p3, zz(397, 596)) || await a.$('#jobs-next') || !(await a.$('#jobs-prev')) ||
      !same(banner, ['beta']) || !info.includes('Jobs 401 to 600'))
      return `page 2: ${p2[0]} .. ${p2[p2.length - 1]}; page 3: ${p3.length} rows; banner ${banner}; "${info}"`;
    await a.click('#jobs-prev');
    await a.waitForSelector('#jobs tr[data-job="zz-197"]', { timeout: WAIT });
    await a.click('#jobs-prev');
    await a.waitForSelector('#jobs tr[data-job="alpha"]', { timeout: WAIT });
    return same(await names(), want1) || 'not the first page again';
  });
  await check('jobs page: the Group box shows that group\'s jobs only, paged (#/jobs?group=bulk-a)', async () => {
    await a.fill('#jobs-group', 'bulk-a');
    await a.click('#jobs-show');
    await until(a, () => location.hash === '#/jobs?group=bulk-a' && !document.querySelector('#jobs tr[data-job="alpha"]') &&
      document.querySelector('#jobs tr[data-job="zz-000"]'));
    const p1 = await names();
    await a.click('#jobs-next');
    await a.waitForSelector('#jobs tr[data-job="zz-596"]', { timeout: WAIT });
    const p2 = await names();
    return (same(p1, zz(0, 398, 2)) && same(p2, zz(400, 596, 2)) && !(await a.$('#jobs-next'))) || `${p1.length} then ${p2.length} rows`;
  });
  // The dependency view of a day of 600 jobs: more than it draws (500), so their groups.
  await check('dependency view of 600 jobs: not drawn; the groups with their jobs instead, the largest first; bulk-a\'s link draws its 299', async () => {
    await a.goto(`${BASE}/#/deps`);
    await a.waitForSelector('#d-groups tr[data-group]', { timeout: WAIT });
    const rows = await a.locator('#d-groups tr[data-group]').evaluateAll((l) => l.map((r) => [r.dataset.group, r.querySelector('td.num').textContent]));
    const drawn = await a.locator('#dag g[data-job]').count();
    if (!same(rows, [['bulk-a', '299'], ['bulk-b', '298'], ['', '3']]) || drawn !== 0) return `${JSON.stringify(rows)}, ${drawn} nodes drawn`;
    await shot(a, 'deps-too-many');
    await a.click('#d-groups tr[data-group="bulk-a"] a');
    await a.waitForSelector('#dag g[data-job="zz-596"]', { timeout: WAIT });
    const jobs = await a.locator('#dag g[data-job]').evaluateAll((l) => l.map((x) => x.dataset.job).sort());
    return same(jobs, zz(0, 596, 2)) || `${jobs.length} nodes`;
  });
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
