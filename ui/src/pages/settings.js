// The tenant's settings (#/settings; seed 001 "Batch Global Setting"): the batch window,
// scheduling pauses, the time offset, the timeout constants, the alert channels and
// their pauses (GET /api/v1/settings, read from its canonical text), the calendars
// (GET /api/v1/calendars); admins edit the settings' text (PUT /api/v1/settings, the
// server's problems marked at their line, editor.js) and manage the API tokens
// (/api/v1/tokens: a new token's secret is shown once, revoke). Nothing secret is shown:
// passwords and webhook keys are never stored (only the file or variable that holds
// them), a webhook URL shows its host only (its path is often its key), and an SMTP URL
// loses any user:password.
import { api, can } from '../api.js';
import { h, fill } from '../dom.js';
import { timeEl } from '../time.js';
import { parseCanonical } from '../flowyaml.js';
import { editYaml } from '../editor.js';

// What of a URL may be shown: scheme://host[:port] and, when there was more, "/…".
export function safeUrl(u) {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^@/?#]*@)?([^/?#]*)(.*)$/i.exec(String(u));
  if (!m) return '(not a URL)';
  return `${m[1]}${m[2]}${m[3] && m[3] !== '/' ? '/…' : ''}`;
}

const dl = (...pairs) => h('dl', { class: 'kv' }, pairs.filter(Boolean).map(([k, v, id]) => [h('dt', null, k), h('dd', id ? { id } : null, v)]));
const list = (a) => (a && a.length ? a.join(', ') : '—');
const when = (iso) => timeEl(iso);

function pauses(p, id) {
  if (!p || !p.length) return h('span', { id, class: 'muted' }, 'none');
  return h('ul', { id, class: 'plain' }, p.map((x) => h('li', null, when(x.from), ' to ', when(x.to))));
}

export function settingsPage(main) {
  const err = h('p', { class: 'error', role: 'alert' });
  const head = h('div', { id: 'set-head' });
  const actions = h('div', { id: 'set-actions', class: 'actions' });
  const msg = h('p', { id: 'def-msg', class: 'muted' });
  const problems = h('ul', { id: 'def-problems', class: 'problems' });
  const body = h('div', { id: 'set-body' });
  const cals = h('div', { id: 'set-calendars' });
  const tokens = h('div', { id: 'set-tokens' });
  let cur = null;

  fill(main, h('h1', null, 'Settings'), err, head, actions, msg, problems, body,
    h('h2', null, 'Calendars'), cals, can('admin') ? [h('h2', null, 'API tokens'), tokens] : null);

  function show() {
    let s;
    try {
      s = parseCanonical(cur.spec);
    } catch (e) {
      fill(body, h('p', { class: 'error' }, `The stored settings do not read: ${e.message}`), h('pre', null, cur.spec));
      return;
    }
    const w = s.batch_window || { start: '12:00', end: '12:00' };
    const a = s.alerts || {};
    const smtp = a.smtp || {};
    const off = s.time_offset || { enabled: false, days: 0 };
    const t = s.timeouts || {};
    const rep = s.report || {};
    const windowText = w.start === w.end ? `${w.start} to ${w.end}: open all day` : `${w.start} to ${w.end}${w.end < w.start ? ' the next day' : ''}`;
    fill(body,
      h('h2', null, 'Scheduling'),
      dl(['Time zone', s.timezone || 'UTC (none set)', 'set-tz'],
        ['Batch window', `${windowText} (${s.timezone || 'UTC'})`, 'set-window'],
        ['Scheduling paused', pauses(s.pause, 'set-pauses')],
        ['Time offset', off.enabled ? `on: the scheduler runs ${off.days} day${Math.abs(off.days) === 1 ? '' : 's'} off the real date` : `off${off.days ? ` (${off.days} days set)` : ''}`, 'set-offset']),
      h('h2', null, 'Timeouts'),
      dl(['Timeout at', `${t.estimate_multiple ?? 3} × a job's estimated minutes, at least ${t.min_execute_minutes ?? 30} minutes`, 'set-timeouts']),
      h('h2', null, 'Alerts'),
      dl(['Alert on', list(a.on && a.on.length ? a.on : ['failure', 'timeout']), 'set-alert-on'],
        ['E-mail to', list(a.email), 'set-alert-email'],
        ['Webhook', a.webhook && a.webhook.length ? a.webhook.map(safeUrl).join(', ') : '—', 'set-webhook'],
        ['Webhook key', a.webhook_secret_file ? `read from the file ${a.webhook_secret_file}` : a.webhook_secret_env ? `read from the variable ${a.webhook_secret_env}` : '—'],
        ['SMTP server', smtp.url ? `${safeUrl(smtp.url)}${smtp.starttls ? ' (STARTTLS)' : ''}` : '—', 'set-smtp'],
        smtp.url && ['SMTP sender', smtp.from || '—'],
        smtp.user && ['SMTP login', `${smtp.user}, password ${smtp.password_file ? `from the file ${smtp.password_file}` : `from the variable ${smtp.password_env}`}`],
        ['Alerts held back', pauses(a.pause, 'set-alert-pauses')],
        ['Escalation', a.escalate ? `after ${a.escalate.after_minutes} minutes unacknowledged, to ${list(a.escalate.email)}` : '—'],
        ['Daily report', rep.enabled ? `at ${rep.time} to ${list(rep.email && rep.email.length ? rep.email : a.email)}` : 'not sent', 'set-report']),
      h('p', { class: 'muted' }, 'Passwords and webhook keys are never stored in the settings, only the file or variable that holds them; a webhook URL shows its host only.'));
  }

  function buttons() {
    if (!can('admin')) {
      fill(actions, h('span', { class: 'muted' }, `Read only: changing the settings takes the admin role (you are ${can('operator') ? 'an operator' : 'a viewer'}).`));
      return;
    }
    fill(actions, h('button', { type: 'button', id: 'set-edit', onclick: edit }, '✎ Edit the settings'));
  }

  function edit() {
    fill(actions);
    editYaml(body, problems, msg, {
      text: cur.spec,
      note: 'The settings as YAML (docs/definitions.md); tenant may be left out.',
      put: async (text) => (await api('PUT', '/api/v1/settings', { raw: text, headers: { 'Content-Type': 'application/yaml' } })).data,
      saved: (d) => { cur = d; fill(msg, `Saved: version ${d.version}.`); load(); },
      cancel: () => { show(); buttons(); },
    });
  }

  async function load() {
    try {
      cur = (await api('GET', '/api/v1/settings')).data;
    } catch (e) {
      fill(err, `Cannot read the settings: ${e.message}`);
      return;
    }
    fill(head, dl(['Tenant', cur.tenant], ['Version', cur.version ? [`${cur.version}, changed by ${cur.updated_by || '—'} at `, timeEl(cur.updated_at)] : '0: the defaults (never written)', 'set-version']));
    show();
    buttons();
    loadCalendars();
    if (can('admin')) loadTokens();
  }

  async function loadCalendars() {
    try {
      const items = (await api('GET', '/api/v1/calendars?limit=1000')).data.items;
      if (!items.length) { fill(cals, h('p', { class: 'muted' }, 'No calendar.')); return; }
      fill(cals, h('table', { class: 'grid', id: 'cal-table' },
        h('thead', null, h('tr', null, ['Calendar', 'Workdays', 'Holidays', 'Extra workdays', 'Version'].map((x) => h('th', null, x)))),
        h('tbody', null, items.map((c) => {
          let s = {};
          try { s = parseCanonical(c.spec); } catch { /* shown as — */ }
          return h('tr', { 'data-calendar': c.name }, h('td', null, c.name), h('td', null, list(s.workdays)),
            h('td', null, list(s.holidays)), h('td', null, list(s.extra_workdays)), h('td', { class: 'num' }, c.version));
        }))));
    } catch (e) {
      fill(cals, h('p', { class: 'error' }, `Cannot read the calendars: ${e.message}`));
    }
  }

  // ---- tokens (admin)
  const tokMsg = h('div', { id: 'tok-msg' });
  async function loadTokens() {
    let items;
    try {
      items = (await api('GET', '/api/v1/tokens?limit=1000')).data.items;
    } catch (e) {
      fill(tokens, h('p', { class: 'error' }, `Cannot read the tokens: ${e.message}`));
      return;
    }
    const nameIn = h('input', { type: 'text', id: 'tok-name', required: true, size: 16, placeholder: 'name' });
    const roleIn = h('select', { id: 'tok-role' }, ['viewer', 'operator', 'admin'].map((r) => h('option', { value: r }, r)));
    const daysIn = h('input', { type: 'number', id: 'tok-days', min: 1, max: 36500, size: 6, placeholder: 'never' });
    const create = async (ev) => {
      ev.preventDefault();
      const b = { name: nameIn.value.trim(), role: roleIn.value };
      if (daysIn.value) b.expires_days = Number(daysIn.value);
      try {
        const res = (await api('POST', '/api/v1/tokens', { body: b })).data;
        await loadTokens();
        // The secret, once: in a read-only box to copy; gone on the next reload.
        const box = h('input', { type: 'text', id: 'tok-secret', readonly: true, size: 60, class: 'mono', value: res.secret });
        fill(tokMsg, h('div', { class: 'secret-once' },
          h('p', null, `Token "${b.name}" (${b.role}) created, id ${res.id}. Copy it now: it is shown this once and never again.`), box));
        box.select();
      } catch (e) {
        fill(tokMsg, h('p', { class: 'error' }, `Not created: ${e.message}`));
      }
    };
    const revoke = (t) => async (ev) => {
      const btn = ev.currentTarget;
      if (btn.dataset.armed !== '1') { // two clicks: no confirm() dialog
        btn.dataset.armed = '1';
        btn.textContent = `Really revoke "${t.name}"?`;
        return;
      }
      try {
        await api('DELETE', `/api/v1/tokens/${t.id}`);
        fill(tokMsg, h('p', null, `Token "${t.name}" revoked.`));
        loadTokens();
      } catch (e) {
        fill(tokMsg, h('p', { class: 'error' }, `Not revoked: ${e.message}`));
      }
    };
    fill(tokens,
      h('p', { class: 'muted' }, 'Tokens of this tenant. batchd keeps only a hash of each: a lost token cannot be shown again, only replaced.'),
      h('table', { class: 'grid', id: 'tok-table' },
        h('thead', null, h('tr', null, ['Id', 'Name', 'Role', 'Created', 'Expires', 'State', ''].map((x) => h('th', null, x)))),
        h('tbody', null, items.map((t) => h('tr', { 'data-token': t.name, 'data-id': t.id },
          h('td', { class: 'num' }, t.id), h('td', null, t.name), h('td', null, t.role), h('td', null, timeEl(t.created_at)),
          h('td', null, t.expires_at ? timeEl(t.expires_at) : 'never'), h('td', { class: 'tok-state' }, t.revoked ? 'revoked' : 'active'),
          h('td', null, t.revoked ? null
            : h('button', { type: 'button', class: 'danger tok-revoke', onclick: revoke(t) }, 'Revoke')))))),
      h('form', { id: 'tok-form', class: 'filters', onsubmit: create },
        h('div', { class: 'row' }, h('span', { class: 'lbl' }, 'New token'),
          h('label', { for: 'tok-name' }, 'name '), nameIn, ' ', h('label', { for: 'tok-role' }, 'role '), roleIn, ' ',
          h('label', { for: 'tok-days' }, 'expires in days '), daysIn, ' ',
          h('button', { type: 'submit', id: 'tok-create' }, 'Create'))),
      tokMsg);
  }

  load();
}
