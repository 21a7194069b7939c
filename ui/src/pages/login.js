// The login page: the user pastes an API token (docs/api.md, "Tokens"); it is checked
// with GET /api/v1/whoami and kept in sessionStorage for this tab only.
import { api, session } from '../api.js';
import { h, fill } from '../dom.js';

export function loginPage(main) {
  const input = h('input', { type: 'password', id: 'token', name: 'token', autocomplete: 'off',
    spellcheck: 'false', size: 60, placeholder: 'paste your API token', required: true });
  const msg = h('p', { id: 'login-error', class: 'error', role: 'alert' });
  async function submit(ev) {
    ev.preventDefault();
    session.token = input.value.trim();
    try {
      session.me = (await api('GET', '/api/v1/whoami', { login: true })).data;
      location.hash = '#/monitor';
    } catch (e) {
      session.token = null;
      session.me = null;
      fill(msg, e.status === 401 ? `Not logged in: ${e.message}.` : `batchd does not answer: ${e.message}`);
    }
  }
  fill(main, h('section', { class: 'login' },
    h('h1', null, 'Log in to batchd'),
    h('form', { onsubmit: submit },
      h('label', { for: 'token' }, 'API token'), ' ', input, ' ',
      h('button', { type: 'submit', id: 'login' }, 'Log in')),
    msg,
    h('p', { class: 'muted' }, 'The token is kept in this browser tab only (sessionStorage) and sent with each request; closing the tab or "Log out" forgets it.'),
    h('p', { class: 'muted' }, 'No token? An administrator creates one:'),
    h('pre', null, 'batchd token create --name YOU --role operator --db batchd.db')));
  input.focus();
}
