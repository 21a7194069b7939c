// editor.js: a definition's YAML in a text box with Save and Cancel (the definition and
// settings pages). save(text) sends it; when the server refuses it (422 with `errors`:
// where, key, message) each problem is listed, and one naming a line of the text as sent
// ("request body:LINE:COL") is marked beside that line and links to it; the first is
// selected.
import { h, fill } from './dom.js';

// editYaml(box, problems, msg, {text, note, put, saved, cancel, more}): fills box with the
// editor. put(text) resolves to the stored definition or rejects with an ApiError;
// saved(def) and cancel() are called after a save and on Cancel; more(textarea), if
// given, returns further buttons placed after Cancel (the impact preview).
export function editYaml(box, problems, msg, opts) {
  const ta = h('textarea', { id: 'def-text', class: 'mono', rows: Math.max(12, opts.text.split('\n').length + 3), cols: 100, spellcheck: 'false' });
  ta.value = opts.text;
  const gutter = h('div', { id: 'def-gutter', class: 'gutter' });
  fill(box, h('div', { class: 'edit' }, gutter, ta),
    h('p', null,
      h('button', { type: 'button', id: 'def-save', onclick: save }, 'Save'), ' ',
      h('button', { type: 'button', id: 'def-cancel', onclick: () => { fill(problems); opts.cancel(); } }, 'Cancel'),
      opts.more ? [' ', opts.more(ta)] : null,
      opts.note ? h('span', { class: 'muted' }, ` ${opts.note}`) : null));

  async function save() {
    fill(problems);
    fill(gutter);
    try {
      opts.saved(await opts.put(ta.value));
    } catch (e) {
      const list = (e.problem && e.problem.errors) || [];
      fill(msg, h('span', { class: 'error' }, `Not saved: ${e.message}`));
      const lineH = parseFloat(getComputedStyle(ta).lineHeight) || 18;
      fill(problems, list.map((p) => {
        const m = /^request body:(\d+):(\d+)$/.exec(p.where || '');
        const line = m ? Number(m[1]) : null;
        if (line) gutter.appendChild(h('div', { class: `mark line-${line}`, 'data-line': line, title: p.message }, `${line} ▶`));
        return h('li', { 'data-line': line || '', 'data-key': p.key || '' },
          line ? h('a', { href: '#', onclick: (ev) => { ev.preventDefault(); goLine(line); } }, `line ${line}, column ${m[2]}`) : (p.where || 'the definition'),
          p.key ? ` (${p.key})` : '', `: ${p.message}`);
      }));
      // The marks sit at their line's height; CSP forbids style attributes, so each mark
      // gets its offset through the CSSOM.
      for (const mk of gutter.children) mk.style.top = `${(Number(mk.dataset.line) - 1) * lineH + 3}px`;
      if (list.length && /^request body:(\d+)/.test(list[0].where || '')) goLine(Number(/:(\d+):/.exec(list[0].where)[1]));
    }
  }
  function goLine(line) {
    const lines = ta.value.split('\n');
    const start = lines.slice(0, line - 1).reduce((s, l) => s + l.length + 1, 0);
    ta.focus();
    ta.setSelectionRange(start, start + (lines[line - 1] || '').length);
  }
  return ta;
}
