// drift.js: the mark of a drifted job (docs/environments.md), on the Jobs page and on
// its definition's page.
import { h } from './dom.js';

// The mark of a drifted job: who changed it and when, in its title.
export function driftMark(j) {
  return h('span', { class: 'tag drift', 'data-drift': j.name, title: `changed for troubleshooting by ${j.updated_by} at ${j.updated_at}; not in the applied export` }, 'drift');
}
