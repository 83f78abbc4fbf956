// What the commands load before their first record: each loads only the packages it uses, so a
// replay of a small file does not pay for zod, the YAML parser, fast-xml-parser and the rest at
// start-up (issue 13; BENCHMARKS.md, EVTX section, start-up). rxjs is the one package a replay
// must load: its data path is the RxJS pipeline of src/pipeline/ (DESIGN.md), imported by module.
// The bundle carries it (scripts/build-cli-bundle.mjs, from rxjs's ES module build), so it is
// seen as a chunk of dist/bundle/ that holds rxjs's modules, not as files of node_modules/rxjs.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/cli.js';

const HOOK = resolve(REPO_ROOT, 'test', 'helpers', 'log-packages.mjs');
const BIN = resolve(REPO_ROOT, 'bin', 'proctree.js');
const REAL_EVTX = resolve(REPO_ROOT, '../shared/samples/real/omerbenamram_sysmon.evtx');

/** What a run of the CLI printed on stderr with the hook loaded. */
function loadLog(args: string[]): string {
  const r = spawnSync(process.execPath, ['--import', HOOK, BIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stderr;
}

/** The packages (node_modules/NAME) a run of the CLI loaded. */
function packagesLoaded(args: string[]): Set<string> {
  const out = new Set<string>();
  for (const m of loadLog(args).matchAll(/package-file: .*?node_modules\/((?:@[^/]+\/)?[^/]+)\//g)) out.add(m[1]);
  return out;
}

/** The project's own files a run of the CLI imported (the launcher included), relative to the repo. */
function ownFilesLoaded(args: string[]): string[] {
  return ownFilesIn(loadLog(args));
}

function ownFilesIn(log: string): string[] {
  const root = pathToFileURL(REPO_ROOT).href + '/';
  return [...log.matchAll(/own-file: (\S+)/g)].map((m) => m[1]).filter((u) => u.startsWith(root)).map((u) => u.slice(root.length));
}

/** Whether a run loaded rxjs: from node_modules, or in a chunk of the bundle (esbuild names each module it holds). */
function rxjsLoaded(args: string[]): boolean {
  const log = loadLog(args);
  if (/package-file: .*?node_modules\/rxjs\//.test(log)) return true;
  return ownFilesIn(log).some((f) => f.startsWith('dist/bundle/') && readFileSync(resolve(REPO_ROOT, f), 'utf8').includes('// node_modules/rxjs/'));
}

const NOT_AT_START = ['zod', 'yaml', 'fast-xml-parser', 'saxes', 'pino', 'cli-progress', 'kafkajs', 'prom-client'];

describe('start-up', () => {
  it('--help loads commander only', () => {
    expect([...packagesLoaded(['--help'])]).toEqual(['commander']);
    expect(rxjsLoaded(['--help'])).toBe(false);
  });

  it('evtx-dump loads no package but commander', (ctx) => {
    if (!existsSync(REAL_EVTX)) ctx.skip(`${REAL_EVTX} is absent (the real samples sit beside the repo)`);
    expect([...packagesLoaded(['evtx-dump', REAL_EVTX])]).toEqual(['commander']);
    expect(rxjsLoaded(['evtx-dump', REAL_EVTX])).toBe(false);
  });

  // `npm run build` bundles the CLI (scripts/build-cli-bundle.mjs); the launcher runs the bundle,
  // whose few files load faster than the ~100 modules of dist/cli/, and a command still loads
  // only its own chunks.
  it('the launcher runs the bundle of dist/bundle/, and evtx-dump does not load replay\'s chunks', (ctx) => {
    if (!existsSync(REAL_EVTX)) ctx.skip(`${REAL_EVTX} is absent (the real samples sit beside the repo)`);
    const dump = ownFilesLoaded(['evtx-dump', REAL_EVTX]);
    expect(dump[0]).toBe('bin/proctree.js');
    expect(dump.slice(1).filter((f) => !f.startsWith('dist/bundle/'))).toEqual([]);
    expect(dump.some((f) => f.startsWith('dist/bundle/evtx-dump-action-'))).toBe(true);
    expect(dump.some((f) => f.startsWith('dist/bundle/replay-action-'))).toBe(false);
    const replay = ownFilesLoaded(['replay', REAL_EVTX, '-q', '--no-progress']);
    expect(replay.slice(1).filter((f) => !f.startsWith('dist/bundle/'))).toEqual([]);
    expect(replay.some((f) => f.startsWith('dist/bundle/replay-action-'))).toBe(true);
  });

  it.for([
    ['an .evtx file', REAL_EVTX],
    ['Windows Event XML', resolve(REPO_ROOT, 'samples/rule-smss-path.xml')],
  ])('replay of %s loads its pipeline (rxjs) and none of the packages it does not use', ([, file], ctx) => {
    if (!existsSync(file)) ctx.skip(`${file} is absent (the real samples sit beside the repo)`);
    const loaded = packagesLoaded(['replay', file, '-q', '--no-progress']);
    expect(rxjsLoaded(['replay', file, '-q', '--no-progress'])).toBe(true);
    expect(NOT_AT_START.filter((p) => loaded.has(p))).toEqual([]);
  });
});
