// The real Sysmon files in ../shared/samples/real (read in place, never copied). Where that
// folder is absent (a user's own clone), tests that need it are skipped and say why.

import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { SHARED_REAL } from './cli.js';

export const HAVE_REAL = existsSync(SHARED_REAL);
export const REAL_SKIP_REASON = `real Sysmon samples not found at ${SHARED_REAL} (they live beside the repo on development and CI machines)`;

if (!HAVE_REAL) console.warn(`skipping real-data tests: ${REAL_SKIP_REASON}`);

export function realFiles(suffix: string): string[] {
  if (!HAVE_REAL) return [];
  return readdirSync(SHARED_REAL)
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => resolve(SHARED_REAL, f));
}

/** Split a rendering (python-evtx document or evtxexport output) into its <Event> elements. */
export function splitEvents(text: string): string[] {
  const out: string[] = [];
  let i = text.indexOf('<Event ');
  while (i !== -1) {
    const end = text.indexOf('</Event>', i);
    if (end === -1) break;
    out.push(text.slice(i, end + 8));
    i = text.indexOf('<Event ', end);
  }
  return out;
}
