// The batch report (docs/report.md, seed 001 "Batch Report"): for a range of days of the
// tenant's zone, runs per day by outcome, each job's duration against its estimate, the
// jobs that did not run when scheduled (GET /api/v1/reports/runs), and the daily
// inspection table of one day with its .xlsx (GET /api/v1/reports/daily). The range and
// the day live in the hash (#/report?from=&to=&day=&job=).
import { api } from '../api.js';
import { h, fill } from '../dom.js';
// uPlot is a bundle of its own (ui/dist/chart.js), loaded when the report is first shown.
let outcomeChart, durationChart;

const OUTCOMES = [
  { key: 'success', label: 'success', colour: '#009E73' },
  { key: 'failed', label: 'failed', colour: '#D55E00' },
  { key: 'skipped', label: 'skipped (Timeout Skip)', colour: '#E69F00' },
  { key: 'canceled', label: 'canceled', colour: '#555555' },
  { key: 'live', label: 'not finished', colour: '#56B4E9' },
];
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

// 'YYYY-MM-DD' plus n days.
export function addDays(date, n) {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}
// The dates from..to inclusive.
function daysOf(from, to) {
  const out = [];
  for (let d = from; d <= to && out.length < 400; d = addDays(d, 1)) out.push(d);
  return out;
}
// Rows drawn at most per table: a tenant of 100,000 jobs has as many rows in each, which
// no one reads on a page (the .xlsx and CSV have them all); beyond this many, the rows
// that need attention come first and a last row says how many were left out.
const ROWS = 1000;
const SEVERITY_ORDER = { error: 0, warning: 1, information: 2 };

// The first ROWS of rows by `order` when there are more than ROWS, else rows as they are.
function firstRows(rows, order) {
  return rows.length > ROWS ? [...rows].sort(order).slice(0, ROWS) : rows;
}
const byName = (x, y) => (x.job < y.job ? -1 : x.job > y.job ? 1 : 0);
const leftOut = (n, shown, cols, what) => (n > shown
  ? [h('tr', { class: 'left-out' }, h('td', { colspan: cols, class: 'muted' }, `… and ${n - shown} more jobs ${what}.`))] : []);

const mins = (s) => (s == null ? null : Math.round(s / 6) / 10);
const minsText = (s) => (s == null ? '—' : `${mins(s)} min`);

export function reportPage(main, r) {
  const q = r.query;
  const err = h('p', { class: 'error', role: 'alert' });
  const fromIn = h('input', { type: 'date', id: 'r-from', value: q.get('from') || '' });
  const toIn = h('input', { type: 'date', id: 'r-to', value: q.get('to') || '' });
  const dayIn = h('input', { type: 'date', id: 'r-day', value: q.get('day') || '' });
  const zoneText = h('p', { id: 'r-zone', class: 'window' });
  const outEl = h('div', { id: 'chart-outcomes', class: 'chart' });
  const outTable = h('tbody', { id: 'outcomes' });
  const jobSel = h('select', { id: 'dur-job' });
  const durEl = h('div', { id: 'chart-duration', class: 'chart' });
  const durTable = h('tbody', { id: 'durations' });
  const notRun = h('tbody', { id: 'not-run' });
  const inspHead = h('div', { id: 'inspection-head' });
  const inspTable = h('tbody', { id: 'inspection' });
  const xlsxBtn = h('button', { type: 'button', id: 'xlsx' }, '⤓ Download .xlsx');
  const xlsxMsg = h('span', { id: 'xlsx-msg', class: 'muted' });
  const charts = [];

  const setHash = (changes) => {
    const p = new URLSearchParams({ from: fromIn.value, to: toIn.value, day: dayIn.value, job: jobSel.value, ...changes });
    for (const [k, v] of [...p]) if (!v) p.delete(k);
    location.hash = `#/report?${p}`;
  };
  const quick = (n) => h('button', { type: 'button', 'data-days': n, onclick: () => {
    const to = toIn.value || dayIn.value;
    if (to) setHash({ from: addDays(to, 1 - n), to });
  } }, `${n} days to "To"`);

  fill(main,
    h('h1', null, 'Batch report'),
    h('form', { class: 'filters', onsubmit: (ev) => { ev.preventDefault(); setHash({}); } },
      h('div', { class: 'row' }, h('span', { class: 'lbl' }, 'Days'),
        h('label', { for: 'r-from' }, 'from '), fromIn, h('label', { for: 'r-to' }, ' to '), toIn, ' ',
        h('button', { type: 'submit', id: 'r-show' }, 'Show'), ' ', quick(7), quick(30))),
    zoneText, err,
    h('h2', null, 'Runs per day by outcome'), outEl,
    h('details', null, h('summary', null, 'The figures as a table'),
      h('table', { class: 'grid narrow' },
        h('thead', null, h('tr', null, ['Day', ...OUTCOMES.map((o) => o.label), 'total'].map((t) => h('th', null, t)))),
        outTable)),
    h('h2', null, 'Duration against the estimate'),
    h('p', null, h('label', { for: 'dur-job' }, 'Job '), jobSel, h('span', { class: 'muted' }, ' median and longest run per day; the dashed line is its estimated_minutes')),
    durEl,
    h('table', { class: 'grid narrow' },
      h('thead', null, h('tr', null, ['Job', 'Runs', 'Median (longest day)', 'Longest run', 'Estimate', 'Days over estimate'].map((t) => h('th', null, t)))),
      durTable),
    h('h2', null, 'Did not run when scheduled'),
    h('table', { class: 'grid narrow' },
      h('thead', null, h('tr', null, ['Day', 'Job', 'Expected runs without a run', ''].map((t) => h('th', null, t)))),
      notRun),
    h('h2', null, 'Daily inspection'),
    h('div', { class: 'filters' }, h('div', { class: 'row' },
      h('label', { for: 'r-day' }, 'Day '), dayIn, ' ', h('button', { type: 'button', id: 'r-day-show', onclick: () => setHash({}) }, 'Show'),
      ' ', xlsxBtn, ' ', xlsxMsg)),
    inspHead,
    h('div', { class: 'scroll' }, h('table', { class: 'grid' },
      h('thead', null, h('tr', null, ['Job', 'Display name', 'Schedule', 'Frequency check', 'Expected', 'Estimate', 'Average', 'Total', 'Success', 'Fail', 'Has failure', 'Read', 'Write', 'Commit', 'Write skip', 'Rollback', 'Severity', 'Finding']
        .map((t) => h('th', null, t)))),
      inspTable)));

  xlsxBtn.addEventListener('click', async () => {
    fill(xlsxMsg, 'preparing…');
    try {
      const day = dayIn.value;
      const res = await api('GET', `/api/v1/reports/daily?date=${encodeURIComponent(day)}&format=xlsx`, { blob: true, headers: { Accept: XLSX } });
      // The token goes in a header, so the file is fetched here and handed to the
      // browser as a blob: link (a plain link would carry no token).
      const url = URL.createObjectURL(res.data);
      const a = h('a', { href: url, download: `batchd-report-${day}.xlsx`, class: 'hidden' });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      fill(xlsxMsg, `batchd-report-${day}.xlsx (${res.data.size} bytes)`);
    } catch (e) {
      fill(xlsxMsg, `cannot download: ${e.message}`);
    }
  });

  (async () => {
    try {
      // Without a day: the report's own default, yesterday in the tenant's zone.
      const daily = (await api('GET', `/api/v1/reports/daily${dayIn.value ? `?date=${encodeURIComponent(dayIn.value)}` : ''}`)).data;
      if (!dayIn.value) dayIn.value = daily.date;
      if (!toIn.value) toIn.value = addDays(daily.date, 1);
      if (!fromIn.value) fromIn.value = addDays(toIn.value, -6);
      showInspection(daily);
      const p = new URLSearchParams({ from: fromIn.value, to: toIn.value });
      const [runs] = await Promise.all([api('GET', `/api/v1/reports/runs?${p}`).then((x) => x.data),
        outcomeChart ? null : import('../chart.js').then((m) => { ({ outcomeChart, durationChart } = m); })]);
      fill(zoneText, `Days from ${runs.from} to ${runs.to} in the tenant's time zone, ${runs.timezone}. Figures as of now, computed from the repository.`);
      showRuns(runs, q.get('job'));
    } catch (e) {
      fill(err, `Cannot read the report: ${e.message}`);
    }
  })();

  function showInspection(d) {
    fill(inspHead,
      h('p', { id: 'inspection-summary' }, `${d.date} (${d.timezone}): `,
        h('span', { class: `sev sev-${d.severity}`, 'data-severity': d.severity }, d.severity), ' ', d.finding,
        h('span', { class: 'muted' }, ` — ${d.summary.jobs} scheduled jobs: ${d.summary.information} information, ${d.summary.warning} warning, ${d.summary.error} error`)));
    const shown = firstRows(d.jobs, (x, y) => (SEVERITY_ORDER[x.severity] ?? 3) - (SEVERITY_ORDER[y.severity] ?? 3) || byName(x, y));
    fill(inspTable, d.jobs.length ? [...shown.map((j) => h('tr', { 'data-job': j.job, 'data-severity': j.severity },
      h('td', null, j.job), h('td', null, j.display_name), h('td', null, j.schedule),
      h('td', { class: j.frequency_check.checked && !j.frequency_check.ok ? 'bad' : null }, j.frequency_check.text),
      ...[j.frequency_check.expected_runs, j.estimated_minutes, j.average_minutes, j.total, j.success, j.fail, j.has_failure,
        j.read, j.write, j.commit, j.write_skip, j.rollback].map((v) => h('td', { class: 'num' }, v == null ? '' : String(v))),
      h('td', null, h('span', { class: `sev sev-${j.severity}` }, j.severity)),
      h('td', null, j.finding))),
    ...leftOut(d.jobs.length, shown.length, 18, '(errors first, then warnings, then by name; the .xlsx has every job)')]
      : h('tr', null, h('td', { colspan: 18, class: 'muted' }, 'No batch was scheduled to run that day.')));
  }

  // The sums per day and per job and the not-run list come with every answer; the rows
  // per day and job only up to 100,000 of them (docs/report.md), so the duration chart
  // of one job asks for that job's rows when they were left out.
  function showRuns(runs, wantJob) {
    const days = daysOf(runs.from, runs.to);
    const byDay = new Map(runs.days.map((d) => [d.date, d]));
    const per = Object.fromEntries(OUTCOMES.map((o) => [o.key, days.map((d) => (byDay.has(d) ? byDay.get(d).runs[o.key] : 0))]));
    fill(outTable, days.map((d, i) => h('tr', { 'data-day': d }, h('td', null, d),
      OUTCOMES.map((o) => h('td', { class: 'num', 'data-outcome': o.key }, String(per[o.key][i]))),
      h('td', { class: 'num' }, String(OUTCOMES.reduce((s, o) => s + per[o.key][i], 0))))));
    charts.push(outcomeChart(outEl, days, OUTCOMES.map((o) => ({ label: o.label, colour: o.colour, values: per[o.key] }))));
    // Per job over the range.
    const shown = firstRows(runs.jobs, (x, y) => (y.over_estimate_days || 0) - (x.over_estimate_days || 0) ||
      (y.duration_max_s ?? -1) - (x.duration_max_s ?? -1) || byName(x, y));
    const jobs = shown.map((j) => j.job);
    if (wantJob && !jobs.includes(wantJob) && runs.jobs.some((j) => j.job === wantJob)) jobs.push(wantJob);
    fill(durTable, shown.length ? [...shown.map((j) => h('tr', { 'data-job': j.job, class: j.over_estimate_days ? 'over' : null },
      h('td', null, h('a', { href: '#', onclick: (ev) => { ev.preventDefault(); setHash({ job: j.job }); } }, j.job)),
      h('td', { class: 'num' }, String(j.runs.total)),
      h('td', { class: 'num' }, minsText(j.duration_p50_s)),
      h('td', { class: 'num' }, minsText(j.duration_max_s)),
      h('td', { class: 'num' }, j.estimated_minutes != null ? `${j.estimated_minutes} min` : '—'),
      h('td', { class: 'num', 'data-over': j.over_estimate_days }, j.over_estimate_days ? `⚠ ${j.over_estimate_days}` : '0'))),
    ...leftOut(runs.jobs.length, shown.length, 6, '(the most days over their estimate first, then the longest runs)')]
      : h('tr', null, h('td', { colspan: 6, class: 'muted' }, 'No job was due in these days.')));
    fill(jobSel, jobs.map((j) => h('option', { value: j }, j)));
    // Without a choice: the first job over its estimate, else the one with the longest run.
    const over = shown.find((j) => j.over_estimate_days > 0);
    const slowest = [...shown].sort((x, y) => (y.duration_max_s ?? -1) - (x.duration_max_s ?? -1))[0];
    jobSel.value = jobs.includes(wantJob) ? wantJob : (over || slowest || { job: '' }).job;
    jobSel.onchange = () => setHash({ job: jobSel.value });
    if (jobSel.value) {
      const job = jobSel.value;
      const est = runs.jobs.find((j) => j.job === job).estimated_minutes;
      const rows = runs.items
        ? Promise.resolve(runs.items)
        : api('GET', `/api/v1/reports/runs?${new URLSearchParams({ from: runs.from, to: runs.to, job })}`).then((x) => x.data.items);
      rows.then((items) => {
        const its = new Map(items.filter((it) => it.job === job).map((it) => [it.date, it]));
        const at = (d, k) => (its.has(d) ? mins(its.get(d)[k]) : null);
        charts.push(durationChart(durEl, days, days.map((d) => at(d, 'duration_p50_s')), days.map((d) => at(d, 'duration_max_s')),
          est ?? null));
      }).catch((e) => fill(err, `Cannot read the runs of ${job}: ${e.message}`));
    }
    // Expected runs that did not happen (the first 1,000 of not_run_total).
    const missed = runs.not_run;
    fill(notRun, missed.length ? [...missed.map((it) => h('tr', { 'data-day': it.date, 'data-job': it.job },
      h('td', null, it.date), h('td', null, it.job), h('td', { class: 'num' }, String(it.not_run)),
      h('td', null, h('a', { href: '#', onclick: (ev) => { ev.preventDefault(); setHash({ day: it.date }); } }, 'inspect the day')))),
    ...(runs.not_run_total > missed.reduce((s, it) => s + it.not_run, 0)
      ? [h('tr', null, h('td', { colspan: 4, class: 'muted' }, `${runs.not_run_total} expected runs in all; the first ${missed.length} days and jobs are listed.`))]
      : [])]
      : h('tr', null, h('td', { colspan: 4, class: 'muted' }, 'None: every expected run ran.')));
  }

  return () => { for (const c of charts) c.destroy(); };
}
