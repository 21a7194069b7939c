// Bundles src/ into dist/ (docs/ui.md): one JS (main.js and what it imports), one CSS,
// index.html copied. dist/ is committed so that building batchd needs no Node.
// OUT=DIR writes elsewhere (tests/ui/run.sh builds to a scratch directory and compares).
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

const out = process.env.OUT || 'dist';
mkdirSync(out, { recursive: true });
const common = { bundle: true, minify: true, charset: 'utf8', legalComments: 'none', logLevel: 'warning' };
await esbuild.build({ ...common, entryPoints: ['src/main.js'], format: 'iife', target: 'es2020', outfile: `${out}/app.js` });
await esbuild.build({ ...common, entryPoints: ['src/app.css'], outfile: `${out}/app.css` });
copyFileSync('src/index.html', `${out}/index.html`);
