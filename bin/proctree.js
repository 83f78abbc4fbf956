#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm install` through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('proctree: dist/ is missing; run `npm install` (or `npm run build`) in the sysmon-proctree folder first\n');
  process.exit(1);
}
// `proctree run` stops gracefully on SIGINT/SIGTERM from the start, also while the CLI loads; from
// then on `ps` shows it as `proctree run <pipeline>`.
if (process.argv[2] === 'run') {
  (await import(new URL('../dist/cli/signals.js', import.meta.url).href)).catchStopSignals();
  process.title = ['proctree', ...process.argv.slice(2, 4)].join(' ');
}
const { main: run } = await import(main.href);
process.exitCode = await run(process.argv.slice(2));
