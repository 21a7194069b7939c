// flowyaml.js: reads the canonical definition text batchd stores and returns
// (src/defs/emit.c): one "key: value" line per top-level key, each value on one line in
// YAML flow style: {k: v, ...} maps, [a, b] lists, plain scalars, and double-quoted
// scalars with the escapes \" \\ \n \t \r \xNN. Only that form: it is not a YAML parser,
// and text in another form (typed by hand) is refused with an Error saying where.
export function parseCanonical(text) {
  const out = {};
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const m = /^([A-Za-z_][A-Za-z0-9_]*): (.*)$/.exec(line);
    if (!m) throw new Error(`line ${i + 1}: not "key: value"`);
    const p = { s: m[2], i: 0, line: i + 1 };
    out[m[1]] = value(p);
    if (p.i !== p.s.length) throw new Error(`line ${p.line}, column ${m[1].length + 3 + p.i}: unexpected "${p.s.slice(p.i, p.i + 10)}"`);
  });
  return out;
}

function fail(p, what) {
  throw new Error(`line ${p.line}: ${what} at column ${p.i + 1}`);
}

function value(p) {
  const c = p.s[p.i];
  if (c === '{') {
    const o = {};
    p.i++;
    if (p.s[p.i] === '}') { p.i++; return o; }
    for (;;) {
      const k = scalar(p, ':');
      if (p.s.slice(p.i, p.i + 2) !== ': ') fail(p, '": " expected');
      p.i += 2;
      o[k] = value(p);
      if (p.s[p.i] === '}') { p.i++; return o; }
      if (p.s.slice(p.i, p.i + 2) !== ', ') fail(p, '", " or "}" expected');
      p.i += 2;
    }
  }
  if (c === '[') {
    const a = [];
    p.i++;
    if (p.s[p.i] === ']') { p.i++; return a; }
    for (;;) {
      a.push(value(p));
      if (p.s[p.i] === ']') { p.i++; return a; }
      if (p.s.slice(p.i, p.i + 2) !== ', ') fail(p, '", " or "]" expected');
      p.i += 2;
    }
  }
  const v = scalar(p, ',]}');
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (v === 'null' || v === '~') return null;
  if (/^-?\d+$/.test(v)) return Number(v);
  return v;
}

// A scalar: double-quoted (escapes undone) or plain up to one of `stops` (or ": ").
function scalar(p, stops) {
  if (p.s[p.i] === '"') {
    let r = '';
    for (p.i++; p.i < p.s.length; p.i++) {
      const c = p.s[p.i];
      if (c === '"') { p.i++; return r; }
      if (c !== '\\') { r += c; continue; }
      const e = p.s[++p.i];
      if (e === 'n') r += '\n';
      else if (e === 't') r += '\t';
      else if (e === 'r') r += '\r';
      else if (e === 'x') { r += String.fromCharCode(parseInt(p.s.slice(p.i + 1, p.i + 3), 16)); p.i += 2; }
      else r += e;
    }
    fail(p, 'unterminated string');
  }
  const start = p.i;
  while (p.i < p.s.length && !stops.includes(p.s[p.i]) && p.s.slice(p.i, p.i + 2) !== ': ') {
    if (p.s[p.i] === ',' && p.s[p.i + 1] === ' ') break;
    p.i++;
  }
  return p.s.slice(start, p.i);
}
