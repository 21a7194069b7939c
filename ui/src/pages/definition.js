// A job's definition (#/def/NAME): the stored YAML (secrets as ***), its display names
// in the browser's language, enable/disable and edit for admins (PUT /api/v1/jobs/NAME
// with the YAML as typed; the server's validation problems are listed and marked at
// the line they concern), delete for admins (DELETE /api/v1/jobs/NAME, asked by a second
// click; refused while another job depends on it, with the server's problems listed),
// the cron helper for its trigger, "Why?" at a chosen time (GET /api/v1/jobs/NAME/why),
// "Preview impact" of the edited text before saving (POST /api/v1/impact), and the
// version history with a line diff of each version against the one before.
import { api, can, session } from '../api.js';
import { h, fill } from '../dom.js';
import { timeEl, toLocalInput, fromLocalInput, ZONE } from '../time.js';
import { whyPanel, impactPreview } from '../why.js';
import { cronHelper } from '../cronhelper.js';
import { editYaml } from '../editor.js';
import { driftMark } from '../drift.js';

// A line diff (longest common subsequence): [{op: ' '|'-'|'+', line}]. Definitions are
// short (tens of lines), so the quadratic table is fine.
export function diffLines(a, b) {
  const n = a.length, m = b.length;
  const t = Array.from({ length: n + 1 }, () => new Array(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) t[i][j] = a[i] === b[j] ? t[i + 1][j + 1] + 1 : Math.max(t[i + 1][j], t[i][j + 1]);
  const out = [];
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) { out.push({ op: ' ', line: a[i] }); i++; j++; }
    else if (t[i + 1][j] >= t[i][j + 1]) out.push({ op: '-', line: a[i++] });
    else out.push({ op: '+', line: b[j++] });
  }
  while (i < n) out.push({ op: '-', line: a[i++] });
  while (j < m) out.push({ op: '+', line: b[j++] });
  return out;
}

// The display name in the browser's language: display_names[lang] (exact, then the
// language without region), else display_name.
export function displayName(spec) {
  const names = {};
  const m = /^display_names: \{(.*)\}$/m.exec(spec || '');
  if (m) for (const part of m[1].split(/, (?=[A-Za-z-]+: )/)) {
    const k = part.indexOf(': ');
    if (k > 0) names[part.slice(0, k)] = unquote(part.slice(k + 2));
  }
  const one = /^display_name: (.*)$/m.exec(spec || '');
  for (const l of navigator.languages || [navigator.language]) {
    if (names[l]) return names[l];
    if (names[l.split('-')[0]]) return names[l.split('-')[0]];
  }
  return one ? unquote(one[1]) : '';
}
function unquote(v) {
  if (v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1).replace(/''/g, "'");
  if (v.startsWith('"') && v.endsWith('"')) { try { return JSON.parse(v); } catch { return v.slice(1, -1); } }
  return v;
}

export function definitionPage(main, r) {
  const name = r.arg;
  const err = h('p', { class: 'error', role: 'alert' });
  const head = h('div', { id: 'def-head' });
  const actions = h('div', { id: 'def-actions', class: 'actions' });
  const msg = h('p', { id: 'def-msg', class: 'muted' });
  const editor = h('div', { id: 'def-editor' });
  const problems = h('ul', { id: 'def-problems', class: 'problems' });
  const cronBox = h('div', { id: 'def-cron' });
  const history = h('div', { id: 'def-history' });
  const impactBox = h('div', { id: 'impact' });
  const whyAt = h('input', { type: 'datetime-local', id: 'why-at', step: 60 });
  const whyBox = h('div', { id: 'why' });
  let job = null;
  let helper = null;

  // "Why at TIME": batchd's own scheduling rules, for the time picked (default batchd's
  // clock now); the picker is in the browser's zone, the question goes out in UTC.
  // (batchd's clock read afresh replaces the one of the login, unless a time was typed.)
  const first = whyAt.value = toLocalInput((session.me && session.me.now) || new Date().toISOString());
  api('GET', '/api/v1/whoami').then((res) => { if (whyAt.value === first) whyAt.value = toLocalInput(res.data.now); }, () => {});
  const askWhy = () => whyPanel(whyBox, name, { at: fromLocalInput(whyAt.value) || undefined });
  const whyForm = h('form', { class: 'why-form', onsubmit: (ev) => { ev.preventDefault(); askWhy(); } },
    h('label', null, `Why at (${ZONE}) `, whyAt), ' ', h('button', { type: 'submit', id: 'why-ask' }, 'Why?'),
    h('span', { class: 'muted' }, ' what the scheduler does with its instance due then, or why nothing is due and when it is next'));

  fill(main, h('h1', null, 'Definition ', h('span', { class: 'mono' }, name)), err, head, actions, msg, problems, editor, impactBox,
    h('h2', null, 'Why?'), whyForm, whyBox, h('h2', null, 'Its schedule'), cronBox, h('h2', null, 'Versions'), history);

  function view() {
    const lines = job.spec.replace(/\n$/, '').split('\n');
    fill(editor, h('div', { class: 'code', id: 'def-view' },
      lines.map((l, i) => h('div', { class: 'ln', 'data-line': i + 1 }, h('span', { class: 'no' }, String(i + 1)), h('span', { class: 'tx' }, l)))));
  }

  function edit() {
    editYaml(editor, problems, msg, {
      text: job.spec,
      note: 'Secrets show as "***": left so, the stored value is kept.',
      put: async (text) => (await api('PUT', `/api/v1/jobs/${encodeURIComponent(name)}`, { raw: text, headers: { 'Content-Type': 'application/yaml' } })).data,
      saved: (j) => { job = j; fill(impactBox); fill(msg, `Saved: version ${job.version}.`); load(); },
      cancel: () => { fill(impactBox); view(); buttons(); },
      // Preview: the edited text planned against the stored one (POST /api/v1/impact
      // takes the operator role; editing takes the admin role, so an editor may preview).
      more: (ta) => h('button', { type: 'button', id: 'def-impact', onclick: () => impactPreview(impactBox, ta.value, 7) }, 'Preview impact (7 days)'),
    });
    fill(actions);
  }

  // Two clicks (no confirm() dialog): the first arms the button, the second deletes.
  async function del(ev) {
    const btn = ev.currentTarget;
    if (btn.dataset.armed !== '1') {
      btn.dataset.armed = '1';
      btn.textContent = `Really delete "${name}"?`;
      return;
    }
    fill(problems);
    try {
      await api('DELETE', `/api/v1/jobs/${encodeURIComponent(name)}`);
      location.hash = `#/jobs?deleted=${encodeURIComponent(name)}`;
    } catch (e) {
      // 422: another definition names it (docs/api.md); the problems say which.
      fill(msg, h('span', { class: 'error' }, e.status === 422
        ? `Not deleted: another job depends on "${name}" (${e.message})` : `Not deleted: ${e.message}`));
      fill(problems, ((e.problem && e.problem.errors) || []).map((p) =>
        h('li', { 'data-key': p.key || '' }, p.where ? `${p.where}` : 'the definitions', p.key ? ` (${p.key})` : '', `: ${p.message}`)));
      buttons();
    }
  }

  async function toggle(on) {
    try {
      job = (await api('POST', `/api/v1/jobs/${encodeURIComponent(name)}/${on ? 'enable' : 'disable'}`)).data;
      fill(msg, `${on ? 'Enabled' : 'Disabled'}: version ${job.version}.`);
      load();
    } catch (e) {
      fill(msg, h('span', { class: 'error' }, `Refused: ${e.message}`));
    }
  }

  function buttons() {
    if (!can('admin')) { fill(actions, h('span', { class: 'muted' }, `Read only: changing or deleting a definition takes the admin role (you are ${job ? 'a ' : ''}${(can('operator') && 'operator') || 'viewer'}).`)); return; }
    fill(actions,
      h('button', { type: 'button', id: 'def-edit', onclick: edit }, '✎ Edit'),
      job.enabled ? h('button', { type: 'button', id: 'def-disable', class: 'danger', onclick: () => toggle(false) }, 'Disable')
        : h('button', { type: 'button', id: 'def-enable', onclick: () => toggle(true) }, 'Enable'),
      h('button', { type: 'button', id: 'def-delete', class: 'danger', onclick: del }, 'Delete'));
  }

  async function load() {
    try {
      job = (await api('GET', `/api/v1/jobs/${encodeURIComponent(name)}`)).data;
    } catch (e) {
      fill(err, `Cannot read the job: ${e.message}`);
      return;
    }
    const dn = displayName(job.spec);
    fill(head, h('dl', { class: 'kv' },
      h('dt', null, 'Display name'), h('dd', { id: 'def-display' }, dn || '—'),
      h('dt', null, 'Group'), h('dd', null, job.group || '—'),
      h('dt', null, 'Type'), h('dd', null, job.type),
      h('dt', null, 'Enabled'), h('dd', { id: 'def-enabled' }, job.enabled ? '✔ enabled' : '✖ disabled'),
      h('dt', null, 'Version'), h('dd', null, `${job.version}, changed by ${job.updated_by || '—'} at `, timeEl(job.updated_at),
        job.drift && [' ', driftMark(job)])));
    view();
    buttons();
    if (job.cron) {
      if (!helper) helper = cronHelper(cronBox, { expr: job.cron, tz: job.timezone || '' });
      else helper.set(job.cron, job.timezone || '');
    } else fill(cronBox, h('p', { class: 'muted' }, job.type === 'manual' ? 'Submitted by hand: no schedule.' : 'No cron trigger.'));
    try {
      const items = [];
      let cursor = null;
      do {
        const res = await api('GET', `/api/v1/jobs/${encodeURIComponent(name)}/versions?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        items.push(...res.data.items);
        cursor = res.data.next_cursor;
      } while (cursor);
      fill(history, items.slice().reverse().map((v) => {
        const prev = items.find((x) => x.version === v.version - 1);
        const d = prev ? diffLines(prev.spec.replace(/\n$/, '').split('\n'), v.spec.replace(/\n$/, '').split('\n')) : null;
        return h('details', { class: 'version', 'data-version': v.version, open: v.version === job.version && prev ? true : null },
          h('summary', null, `version ${v.version}: ${v.changed} — ${v.changed_by || '—'}, `, timeEl(v.changed_at)),
          d ? h('pre', { class: 'diff' }, d.map((x) =>
            h('div', { class: x.op === '+' ? 'add' : x.op === '-' ? 'del' : 'same' }, `${x.op} ${x.line}`)))
            : h('pre', { class: 'diff' }, v.spec));
      }));
    } catch (e) {
      fill(history, h('p', { class: 'error' }, `Cannot read the versions: ${e.message}`));
    }
  }
  if (r.query.get('created')) fill(msg, 'Created: version 1.');
  load();
  return () => { if (helper) helper.stop(); };
}
