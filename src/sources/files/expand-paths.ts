// Turns the paths given on the command line into the list of input files: folders are walked
// (sorted, so runs are repeatable) for event files; golden outputs beside samples are left out.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from './open-input.js';

const EVENT_FILE = /\.(xml|evtx|jsonl|ndjson|json|txt|log)(\.gz)?$/i;
const NOT_INPUT = /\.(alerts|labels|stats|expected)\.[a-z]+(\.gz)?$/i;

export function isEventFileName(name: string): boolean {
  return EVENT_FILE.test(name) && !NOT_INPUT.test(name) && !name.startsWith('.');
}

export async function expandPaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push(p);
      continue;
    }
    let st;
    try {
      st = await stat(p);
    } catch {
      throw new InputError(p, 'no such file or folder');
    }
    if (st.isDirectory()) await walk(p, out);
    else out.push(p);
  }
  return out;
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory() && !e.name.startsWith('.')) await walk(full, out);
    else if (e.isFile() && isEventFileName(e.name)) out.push(full);
  }
}
