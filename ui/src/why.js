// why.js: batchd's answers to "why did this job run, wait or not run?" and "what will
// this change do?" (docs/why.md) drawn as text: the chain of rules of
// GET /api/v1/jobs/NAME/why as an ordered list, and the differences of POST
// /api/v1/impact by kind. Every string from the API goes in as a text node (dom.js).
import { api } from './api.js';
import { h, fill } from './dom.js';
import { timeEl } from './time.js';
import { badge } from './states.js';

const BASIS = {
  forecast: 'forecast from the live instances',
  replay: 'replayed with the recorded runs',
  definitions: 'from the definitions',
};

// A state code of the document (null where no instance exists yet).
const isState = (x) => typeof x === 'number' && x >= 0;

// whyView(d): the explanation document (docs/why.md, "Output") as nodes: what was asked
// and what is due, the outcome, the repository's instance (replay), then the steps in
// order, each with its time, rule, DESIGN section, verdict, state and what it saw.
export function whyView(d) {
  const o = d.outcome;
  const asked = d.instance ? `instance #${d.instance}` : d.at ? ['the time ', timeEl(d.at)] : 'now';
  let due;
  if (!d.due) due = h('span', { id: 'why-due', 'data-due': '' }, 'nothing is due (see the steps)');
  else if (d.at && !d.at_is_due && !d.instance) {
    due = h('span', { id: 'why-due', 'data-due': d.due }, 'nothing was due then; next due ', h('strong', { id: 'why-next' }, timeEl(d.due)));
  } else due = h('span', { id: 'why-due', 'data-due': d.due }, 'due ', timeEl(d.due));
  return [
    h('dl', { class: 'kv' },
      h('dt', null, 'Asked about'), h('dd', null, asked),
      h('dt', null, 'Due'), h('dd', null, due),
      h('dt', null, 'Basis'), h('dd', { id: 'why-basis' }, BASIS[d.basis] || d.basis,
        d.simulated ? [' (', timeEl(d.simulated.from), ' to ', timeEl(d.simulated.to), ')'] : ''),
      o && [h('dt', null, `Outcome (${d.basis})`), h('dd', { id: 'why-outcome' }, isState(o.state) ? badge(o.state) : o.state_name || '—',
        o.reason ? ` ${o.reason}` : '', o.start ? [', started ', timeEl(o.start)] : '', o.end ? [', ended ', timeEl(o.end)] : '')],
      d.recorded && [h('dt', null, 'Recorded'), h('dd', { id: 'why-recorded' },
        h('a', { href: `#/instance/${d.recorded.id}` }, `#${d.recorded.id}`), ' ', isState(d.recorded.state) ? badge(d.recorded.state) : '',
        d.recorded.reason ? ` ${d.recorded.reason}` : '')]),
    d.steps.length ? h('ol', { class: 'why-steps', id: 'why-steps' }, d.steps.map((s) =>
      h('li', { 'data-rule': s.rule, 'data-verdict': s.verdict, 'data-step': s.step },
        h('div', { class: 'why-head' },
          h('span', { class: `verdict v-${s.verdict}` }, s.verdict), ' ',
          h('strong', { class: 'rule' }, s.rule), ' ',
          h('span', { class: 'sec', title: 'DESIGN.md section' }, s.section === '-' ? '' : `§${s.section}`), ' ',
          timeEl(s.at), ' ', isState(s.state) ? badge(s.state) : ''),
        h('div', { class: 'why-text' }, s.text))))
      : h('p', { class: 'muted' }, 'No steps.'),
  ];
}

// whyPanel(box, job, query): fills box with the explanation of job for query
// ({at: ISO} or {instance: ID} or {} for now), or the API's refusal.
export async function whyPanel(box, job, query = {}) {
  const q = new URLSearchParams();
  if (query.at) q.set('at', query.at);
  if (query.instance) q.set('instance', query.instance);
  // Only the latest question's answer is shown (an earlier one may arrive later).
  const seq = String(Number(box.dataset.seq || 0) + 1);
  box.dataset.seq = seq;
  fill(box, h('p', { class: 'muted' }, 'Asking batchd…'));
  let view;
  try {
    const res = await api('GET', `/api/v1/jobs/${encodeURIComponent(job)}/why${q.toString() ? `?${q}` : ''}`);
    view = whyView(res.data);
  } catch (e) {
    view = h('p', { class: 'error' }, `No explanation: ${e.message}`);
  }
  if (box.dataset.seq === seq) fill(box, view);
}

// The kinds of difference, in the order shown (docs/why.md, "The impact of a change").
const KINDS = [
  ['added', 'Runs added'], ['removed', 'Runs removed'], ['moved', 'Runs moved'],
  ['newly_skipped', 'Newly skipped'], ['new_wait', 'New waits'], ['state', 'In another state'],
];
const FIRST_ROWS = 10;

// One side of a difference: "Success, 04:00 to 04:30" (or — when that plan has no run).
function side(x) {
  if (!x) return h('span', { class: 'muted' }, '—');
  return [badge(x.state), x.start ? [' ', timeEl(x.start)] : '', x.end ? [' to ', timeEl(x.end)] : '',
    x.waited_for ? h('div', { class: 'muted' }, `waited for: ${x.waited_for}`) : '',
    x.reason ? h('div', { class: 'muted' }, x.reason) : ''];
}

// impactView(d): the answer of POST /api/v1/impact as nodes: the definitions changed,
// then for each tenant the counts of each kind and the first rows of each.
export function impactView(d) {
  const changes = d.changes || [];
  const out = [h('p', { id: 'impact-changes' }, changes.length
    ? ['Changes: ', changes.map((c, i) => [i ? '; ' : '', `${c.what} ${c.kind} ${c.name || ''}`, c.keys ? ` (${c.keys})` : ''])]
    : 'The text is the stored definition: nothing changes.')];
  for (const t of d.impact || []) {
    const n = t.counts;
    out.push(h('p', { class: 'impact-sum' }, 'From ', timeEl(t.from), ' to ', timeEl(t.to), ` (${t.days} days, ${t.jobs_affected} jobs affected): `,
      KINDS.map(([k, label], i) => [i ? ', ' : '', h('span', { class: 'count', 'data-kind': k }, String(n[k] || 0)), ` ${label.toLowerCase()}`])));
    for (const [k, label] of KINDS) {
      const rows = t.items.filter((x) => x.kind === k);
      if (!n[k]) continue;
      out.push(h('section', { class: 'impact-kind', 'data-kind': k },
        h('h3', null, `${label} (${n[k]})`),
        h('table', { class: 'grid' },
          h('thead', null, h('tr', null, ['Job', 'Due', 'Before', 'After'].map((c) => h('th', null, c)))),
          h('tbody', null, rows.slice(0, FIRST_ROWS).map((x) => h('tr', { 'data-job': x.job, 'data-due': x.due },
            h('td', null, x.job), h('td', null, timeEl(x.due)), h('td', { class: 'before' }, side(x.before)),
            h('td', { class: 'after' }, side(x.after)))))),
        n[k] > FIRST_ROWS ? h('p', { class: 'muted' }, `… and ${n[k] - FIRST_ROWS} more.`) : null));
    }
    if (!KINDS.some(([k]) => n[k])) out.push(h('p', { class: 'muted', id: 'impact-none' }, 'No run changes in this period.'));
  }
  return out;
}

// impactPreview(box, text, days): POSTs the definition text as typed to the impact route
// and fills box with the answer; a refusal (422: the problems) is shown there too.
export async function impactPreview(box, text, days = 7) {
  fill(box, h('p', { class: 'muted' }, 'Planning the next days with and without the change…'));
  try {
    const res = await api('POST', `/api/v1/impact?days=${days}`, { raw: text, headers: { 'Content-Type': 'application/yaml' } });
    fill(box, h('h3', null, `Impact over ${days} days`), impactView(res.data));
  } catch (e) {
    fill(box, h('p', { class: 'error' }, `No preview: ${e.message}`),
      h('ul', { class: 'problems' }, ((e.problem && e.problem.errors) || []).map((p) =>
        h('li', null, p.where || 'the definition', p.key ? ` (${p.key})` : '', `: ${p.message}`))));
  }
}
