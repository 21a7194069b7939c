// chart.js: the report's charts, drawn by uPlot (npm "uplot", bundled) on a canvas.
// Days are UTC midnights on the x axis, labelled as the report's dates (which are
// calendar days of the tenant's zone, not instants), so the axis is drawn in UTC.
// Every chart has its figures as a table beside it (report.js): a canvas alone says
// nothing to a screen reader or a test.
import uPlot from 'uplot';

// Seconds since the epoch of a date 'YYYY-MM-DD' at UTC midnight.
export function dayTs(date) {
  const [y, m, d] = date.split('-').map(Number);
  return Date.UTC(y, m - 1, d) / 1000;
}

const utc = (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC');
// The x axis: a tick per day (every k-th day when they would not fit), labelled MM-DD.
const dayAxis = {
  space: 40,
  splits: (u) => {
    const xs = u.data[0];
    const k = Math.max(1, Math.ceil(xs.length / Math.max(1, Math.floor(u.bbox.width / devicePixelRatio / 45))));
    return xs.filter((_, i) => i % k === 0);
  },
  values: (u, ticks) => ticks.map((t) => new Date(t * 1e3).toISOString().slice(5, 10)),
};

// Runs per day, stacked by outcome. `days`: dates; `outcomes`: [{label, colour, values}]
// (one count per day), stacked bottom-up in the order given. The legend shows each
// outcome's own count, not the stacked height.
export function outcomeChart(el, days, outcomes) {
  const xs = days.map(dayTs);
  const stacked = [];
  let acc = days.map(() => 0);
  for (const o of outcomes) {
    acc = acc.map((v, i) => v + (o.values[i] || 0));
    stacked.push(acc);
  }
  // Drawn top of the stack first, so each lower outcome's bar covers the rest of it.
  const order = outcomes.map((_, i) => outcomes.length - 1 - i);
  const bars = uPlot.paths.bars({ size: [0.7, 60] });
  const opts = {
    width: Math.max(320, el.clientWidth || 800), height: 240, tzDate: utc,
    scales: { x: { time: true, range: (u, lo, hi) => [lo - 43200, hi + 43200] }, y: { range: (u, lo, hi) => [0, Math.max(1, hi)] } },
    axes: [dayAxis, { label: 'runs', size: 50 }],
    legend: { live: true },
    series: [{ label: 'day', value: (u, v) => (v == null ? '—' : new Date(v * 1e3).toISOString().slice(0, 10)) },
      ...order.map((i) => ({
        label: outcomes[i].label, stroke: outcomes[i].colour, fill: outcomes[i].colour, width: 1, paths: bars,
        points: { show: false },
        value: (u, v, si, idx) => (idx == null ? '—' : String(outcomes[i].values[idx] || 0)),
      }))],
  };
  return new uPlot(opts, [xs, ...order.map((i) => stacked[i])], el);
}

// One job's durations per day in minutes: median and longest run, and its estimate.
export function durationChart(el, days, p50, max, estimate) {
  const xs = days.map(dayTs);
  const opts = {
    width: Math.max(320, el.clientWidth || 800), height: 220, tzDate: utc,
    scales: { x: { time: true, range: (u, lo, hi) => [lo - 43200, hi + 43200] }, y: { range: (u, lo, hi) => [0, Math.max(1, hi * 1.1)] } },
    axes: [dayAxis, { label: 'minutes', size: 50 }],
    series: [{ label: 'day', value: (u, v) => (v == null ? '—' : new Date(v * 1e3).toISOString().slice(0, 10)) },
      { label: 'median run', stroke: '#0072B2', width: 2, points: { size: 7 } },
      { label: 'longest run', stroke: '#D55E00', width: 2, points: { size: 7 } },
      { label: 'estimate', stroke: '#555555', width: 1.5, dash: [6, 4], points: { show: false } }],
  };
  return new uPlot(opts, [xs, p50, max, days.map(() => estimate)], el);
}
