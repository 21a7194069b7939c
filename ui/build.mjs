// Bundles src/ into dist/ (docs/ui.md, "How the bundle is built"): a first load parses the
// shell and the one page its address names, nothing of the other pages.
//   app.js      main.js (the shell and router) and the modules it imports (api, dom,
//               states, time, live), which it re-exports for the pages;
//   PAGE.js     one per src/pages/PAGE.js, loaded (import()) when its route is first
//               shown: the page and what only pages use (why.js, editor.js, ...), bundled
//               into each page that uses it; what app.js holds is imported from ./app.js;
//   chart.js    uPlot (the report's charts) and graph.js dagre (the dependency view),
//               loaded by their page when first needed;
//   app.css, index.html.
// No other file: no shared chunks, so each route's first load is the page, app.css,
// app.js and the page's module, and a page module never waits for another file to be
// fetched and parsed before its imports are known. Files in dist/ that the build did not
// write are removed; batchd serves what dist/ holds (the Makefile embeds every file).
// dist/ is committed so that building batchd needs no Node.
// OUT=DIR writes elsewhere (tests/ui/run.sh builds to a scratch directory and compares).
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

const out = process.env.OUT || 'dist';
const src = path.resolve('src');
mkdirSync(out, { recursive: true });
const common = { bundle: true, minify: true, charset: 'utf8', legalComments: 'none', logLevel: 'warning', metafile: true };
const js = { ...common, format: 'esm', target: 'es2020', outdir: out, entryNames: '[name]' };
// A plugin that leaves the imports of `files` (absolute paths) to the browser, as
// imports of ./NAME(path).js, resolved beside the importing file in dist/.
const externals = (name, files) => ({
  name,
  setup(b) {
    b.onResolve({ filter: /\.js$/ }, (a) => {
      if (a.kind === 'entry-point') return null;
      const p = path.resolve(a.resolveDir, a.path);
      return files.has(p) ? { path: `./${files.get(p)}.js`, external: true } : null;
    });
  },
});

const pageFiles = readdirSync(path.join(src, 'pages')).filter((f) => f.endsWith('.js')).sort();
const pages = new Map(pageFiles.map((f) => [path.join(src, 'pages', f), f.replace(/\.js$/, '')]));
const libs = new Map([[path.join(src, 'chart.js'), 'chart'], [path.join(src, 'lazy/graph.js'), 'graph']]);

// The shell: its page imports stay imports of ./PAGE.js.
const app = await esbuild.build({ ...js, entryPoints: { app: 'src/main.js' }, plugins: [externals('pages', pages)] });
// What app.js holds: its modules (not main.js itself), which the pages import from it.
const core = new Map(Object.keys(Object.values(app.metafile.outputs)[0].inputs)
  .map((i) => path.resolve(i)).filter((i) => i.startsWith(src + path.sep) && i !== path.join(src, 'main.js'))
  .map((i) => [i, 'app']));
const pageRes = await esbuild.build({ ...js, entryPoints: Object.fromEntries([...pages].map(([p, n]) => [n, p])),
  plugins: [externals('core and libraries', new Map([...core, ...libs]))] });
const libRes = await esbuild.build({ ...js, entryPoints: Object.fromEntries([...libs].map(([p, n]) => [n, p])) });
const css = await esbuild.build({ ...common, entryPoints: ['src/app.css'], outfile: `${out}/app.css` });
copyFileSync('src/index.html', `${out}/index.html`);

const written = new Set(['index.html']);
for (const r of [app, pageRes, libRes, css]) {
  for (const f of Object.keys(r.metafile.outputs)) {
    const name = path.basename(f);
    if (written.has(name)) throw new Error(`two files of the bundle are named ${name}`);
    written.add(name);
  }
}
// A page module importing another page would bundle a copy of it (and the file named
// for one page would hold two): what pages share lives outside src/pages/.
for (const [f, o] of Object.entries(pageRes.metafile.outputs)) {
  const own = Object.keys(o.inputs).map((i) => path.resolve(i)).filter((i) => pages.has(i));
  if (own.length !== 1) throw new Error(`${f} holds more than one page (${own.join(', ')}): move what pages share out of src/pages/`);
}
for (const f of readdirSync(out)) if (!written.has(f)) rmSync(path.join(out, f), { recursive: true });
