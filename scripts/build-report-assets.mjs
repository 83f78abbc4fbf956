// Bundles the HTML report's viewer (src/report/browser/) into dist/report/assets/report.js and
// copies its stylesheet beside it; `proctree replay --html` inlines both into every report.
// Run by `npm run build` after tsc. Settings come from src/report/assets.ts (BUNDLE_OPTIONS) so
// that the in-memory bundle of the tests is the same.

import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = new URL('../', import.meta.url);
const out = new URL('dist/report/assets/', root);
const { BUNDLE_OPTIONS } = await import(new URL('dist/report/assets.js', root).href);

await mkdir(out, { recursive: true });
await build({
  ...BUNDLE_OPTIONS,
  target: [...BUNDLE_OPTIONS.target],
  entryPoints: [fileURLToPath(new URL('src/report/browser/main.ts', root))],
  outfile: fileURLToPath(new URL('report.js', out)),
  logLevel: 'warning',
});
await copyFile(new URL('src/report/browser/report.css', root), new URL('report.css', out));
