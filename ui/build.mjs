// Bundles src/ into dist/ (docs/ui.md): one JS (main.js and what it imports), one CSS,
// index.html with a modulepreload link for each chunk app.js imports statically. dist/ is
// committed so that building batchd needs no Node.
// OUT=DIR writes elsewhere (tests/ui/run.sh builds to a scratch directory and compares).
import * as esbuild from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const out = process.env.OUT || 'dist';
mkdirSync(out, { recursive: true });
const common = { bundle: true, minify: true, charset: 'utf8', legalComments: 'none', logLevel: 'warning' };
// ES modules with code splitting: app.js (the pages) and, loaded by the page that needs
// them, chart.js (uPlot, the report's charts) and graph.js (dagre, the dependency view),
// and shared.js (esbuild's few helpers the three share): fixed names that batchd serves
// (src/api/ui.c); any other file is an error.
const res = await esbuild.build({ ...common, entryPoints: { app: 'src/main.js', chart: 'src/chart.js', graph: 'src/lazy/graph.js' },
  format: 'esm', splitting: true, target: 'es2020', outdir: out, entryNames: '[name]', chunkNames: 'shared', metafile: true });
const extra = Object.keys(res.metafile.outputs).filter((f) => !/\/(app|chart|graph|shared)\.js$/.test(f));
if (extra.length) throw new Error(`unexpected bundle files (shared chunks): ${extra.join(', ')}`);
await esbuild.build({ ...common, entryPoints: ['src/app.css'], outfile: `${out}/app.css` });
// app.js imports its shared chunk (import "./shared.js"): without a hint the browser
// finds that out only after app.js has arrived, a second round trip before the page can
// run. A <link rel="modulepreload"> per static import lets it fetch both at once (no
// inline script: the CSP allows none).
const appOut = Object.keys(res.metafile.outputs).find((f) => /\/app\.js$/.test(f));
const preload = res.metafile.outputs[appOut].imports
  .filter((i) => i.kind === 'import-statement')
  .map((i) => `<link rel="modulepreload" href="/ui/${i.path.replace(/^.*\//, '')}">\n`).join('');
const html = readFileSync('src/index.html', 'utf8');
const script = '<script type="module" src="/ui/app.js"></script>\n';
if (!html.includes(script)) throw new Error('src/index.html: no <script type="module" src="/ui/app.js"> to put the preload links before');
writeFileSync(`${out}/index.html`, html.replace(script, preload + script));
