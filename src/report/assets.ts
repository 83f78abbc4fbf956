// The report viewer's script and stylesheet. `npm run build` bundles them with esbuild into
// dist/report/assets/ (scripts/build-report-assets.mjs), so an installed proctree needs no
// bundler; run from the sources (tests), they are bundled in memory with the same settings.

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface ReportAssets {
  js: string;
  css: string;
}

const BUILT_JS = new URL('./assets/report.js', import.meta.url);
const BUILT_CSS = new URL('./assets/report.css', import.meta.url);
const SOURCE_ENTRY = new URL('./browser/main.ts', import.meta.url);
const SOURCE_CSS = new URL('./browser/report.css', import.meta.url);

/** esbuild settings shared with scripts/build-report-assets.mjs. */
export const BUNDLE_OPTIONS = {
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2020'],
  minify: true,
  legalComments: 'none',
  charset: 'utf8',
} as const;

let cached: Promise<ReportAssets> | null = null;

export function loadReportAssets(): Promise<ReportAssets> {
  cached ??= load();
  return cached;
}

async function load(): Promise<ReportAssets> {
  try {
    const [js, css] = await Promise.all([readFile(BUILT_JS, 'utf8'), readFile(BUILT_CSS, 'utf8')]);
    return { js, css };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return bundleFromSources();
}

/** Bundle the viewer from src/report/browser/ (esbuild, a dev dependency). */
export async function bundleFromSources(): Promise<ReportAssets> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error('the report viewer is not built (dist/report/assets/ is missing) and esbuild is not installed to bundle it; run `npm run build`');
  }
  const out = await esbuild.build({ ...BUNDLE_OPTIONS, target: [...BUNDLE_OPTIONS.target], entryPoints: [fileURLToPath(SOURCE_ENTRY)], write: false });
  const css = await readFile(SOURCE_CSS, 'utf8');
  return { js: out.outputFiles[0].text, css };
}
