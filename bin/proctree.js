#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm install` through the prepare script):
// the bundle of dist/bundle/ (scripts/build-cli-bundle.mjs; fewer files to load at start-up), or
// tsc's output in dist/cli/ where only that was built.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundled = new URL('../dist/bundle/main.js', import.meta.url);
const dir = existsSync(fileURLToPath(bundled)) ? '../dist/bundle/' : '../dist/cli/';
const main = new URL(`${dir}main.js`, import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('proctree: dist/ is missing; run `npm install` (or `npm run build`) in the sysmon-proctree folder first\n');
  process.exit(1);
}
// `proctree run` stops gracefully on SIGINT/SIGTERM from the start, also while the CLI loads; from
// then on `ps` shows it as `proctree run <pipeline>`.
if (process.argv[2] === 'run') {
  (await import(new URL(`${dir}signals.js`, import.meta.url).href)).catchStopSignals();
  process.title = ['proctree', ...process.argv.slice(2, 4)].join(' ');
}
const { main: run } = await import(main.href);
process.exitCode = await run(process.argv.slice(2));
