// Submit: a form built from the job's parameters (their defaults filled in; a secret's
// default is never shown and is kept unless a value is typed), POST /api/v1/jobs/{name}/submit,
// then the new instance's page.
import { api, can } from '../api.js';
import { h, fill } from '../dom.js';

export function submitPage(main, r) {
  const name = r.arg;
  const err = h('p', { class: 'error', role: 'alert', id: 'submit-error' });
  fill(main, h('p', null, h('a', { href: '#/jobs' }, '← Jobs')), h('h1', null, `Submit ${name}`), err);
  if (!can('operator')) {
    fill(err, 'Submitting needs the operator or admin role.');
    return null;
  }
  (async () => {
    let job;
    try {
      job = (await api('GET', `/api/v1/jobs/${encodeURIComponent(name)}`)).data;
    } catch (e) {
      fill(err, `Cannot read job ${name}: ${e.message}`);
      return;
    }
    const params = job.parameters || {};
    const inputs = Object.entries(params).map(([k, v]) => {
      const secret = v === '***';
      return [k, secret, h('input', { type: secret ? 'password' : 'text', name: k, id: `p-${k}`, size: 40,
        value: secret ? '' : v, placeholder: secret ? 'secret: the stored value unless you type one' : '' })];
    });
    const extra = h('textarea', { id: 'p-extra', rows: 3, cols: 50, placeholder: 'more parameters, one NAME=VALUE a line' });
    async function submit(ev) {
      ev.preventDefault();
      const body = {};
      for (const [k, secret, input] of inputs) if (!secret || input.value !== '') body[k] = input.value;
      for (const line of extra.value.split('\n')) {
        const t = line.trim();
        if (!t) continue;
        const eq = t.indexOf('=');
        if (eq < 1) { fill(err, `"${t}" is not NAME=VALUE`); return; }
        body[t.slice(0, eq).trim()] = t.slice(eq + 1);
      }
      try {
        const res = await api('POST', `/api/v1/jobs/${encodeURIComponent(name)}/submit`, { body: { params: body } });
        location.hash = `#/instance/${res.data.id}`;
      } catch (e) {
        fill(err, `Not submitted: ${e.message}`);
      }
    }
    main.appendChild(h('form', { class: 'submit', onsubmit: submit },
      h('p', { class: 'muted' }, job.enabled ? `Job ${job.name} (${job.type}), version ${job.version}. The instance is due now, on batchd's clock.` : 'This job is disabled: batchd refuses submits.'),
      inputs.length ? h('table', { class: 'form' }, h('tbody', null, inputs.map(([k, , input]) =>
        h('tr', null, h('th', null, h('label', { for: `p-${k}` }, k)), h('td', null, input)))))
        : h('p', { class: 'muted' }, 'The job declares no parameters.'),
      h('p', null, h('label', { for: 'p-extra' }, 'Other parameters'), h('br'), extra),
      h('button', { type: 'submit', id: 'submit' }, 'Submit')));
  })();
  return null;
}
