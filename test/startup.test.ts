// What the commands load before their first record: each loads only the packages it uses, so a
// replay of a small file does not pay for zod, the YAML parser, fast-xml-parser and the rest at
// start-up (issue 13; BENCHMARKS.md, EVTX section, start-up). rxjs is replay's pipeline (loaded
// by module, not by its index), so only the other commands go without it.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/cli.js';

const HOOK = resolve(REPO_ROOT, 'test', 'helpers', 'log-packages.mjs');
const BIN = resolve(REPO_ROOT, 'bin', 'proctree.js');

/** The packages (node_modules/NAME) a run of the CLI loaded. */
function packagesLoaded(args: string[]): Set<string> {
  const r = spawnSync(process.execPath, ['--import', HOOK, BIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const out = new Set<string>();
  for (const m of r.stderr.matchAll(/package-file: .*?node_modules\/((?:@[^/]+\/)?[^/]+)\//g)) out.add(m[1]);
  return out;
}

const NOT_AT_START = ['zod', 'yaml', 'fast-xml-parser', 'saxes', 'pino', 'cli-progress', 'kafkajs', 'prom-client'];

describe('start-up', () => {
  it('--help loads commander only', () => {
    expect([...packagesLoaded(['--help'])]).toEqual(['commander']);
  });
  it.each([
    ['replay of an .evtx file', ['replay', '../shared/samples/real/omerbenamram_sysmon.evtx', '-q', '--no-progress'], NOT_AT_START],
    ['replay of Windows Event XML', ['replay', 'samples/rule-smss-path.xml', '-q', '--no-progress'], NOT_AT_START],
    ['evtx-dump', ['evtx-dump', '../shared/samples/real/omerbenamram_sysmon.evtx'], [...NOT_AT_START, 'rxjs']],
  ])('%s loads none of the packages it does not use', (_, args, unused) => {
    if (args[1].startsWith('../shared/') && !existsSync(resolve(REPO_ROOT, args[1]))) return; // the real samples are beside the repo
    const loaded = packagesLoaded(args);
    expect(unused.filter((p) => loaded.has(p))).toEqual([]);
  });
});
