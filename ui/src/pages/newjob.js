// A new job (#/newjob, "+ New job" on the Jobs page): a definition typed as YAML in the
// editor of the definition page (editor.js), starting from a small manual job, sent as
// typed with POST /api/v1/jobs (application/yaml). A refused one lists the server's
// problems, each marked at its line; a created one opens its definition page. Admins
// only (the API's role for it); others get a note, and the server refuses them anyway.
import { api, can } from '../api.js';
import { h, fill } from '../dom.js';
import { editYaml } from '../editor.js';

export const TEMPLATE = `kind: job
name: my-job
group: adhoc
type: manual
description: what it does
executor:
  exec:
    command: [/bin/sh, -c, 'echo hello']
`;

export function newJobPage(main) {
  const msg = h('p', { id: 'def-msg', class: 'muted' });
  const problems = h('ul', { id: 'def-problems', class: 'problems' });
  const editor = h('div', { id: 'def-editor' });
  fill(main, h('p', null, h('a', { href: '#/jobs' }, '← Jobs')), h('h1', null, 'New job'), msg, problems, editor);
  if (!can('admin')) {
    fill(msg, `Creating a job takes the admin role (you are ${can('operator') ? 'operator' : 'viewer'}).`);
    return null;
  }
  fill(msg, 'One job definition in the format of batchctl apply (docs/definitions.md). Save checks it with every stored definition.');
  editYaml(editor, problems, msg, {
    text: TEMPLATE,
    put: async (text) => (await api('POST', '/api/v1/jobs', { raw: text, headers: { 'Content-Type': 'application/yaml' } })).data,
    saved: (job) => { location.hash = `#/def/${encodeURIComponent(job.name)}?created=1`; },
    cancel: () => { location.hash = '#/jobs'; },
  });
  return null;
}
