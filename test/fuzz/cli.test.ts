// The CLI-level fuzz check: a few mutated files of each kind through `proctree replay` as a user
// runs it. The exit code is 0, nothing fatal or a stack trace is printed, and the summary is
// true: its event count, decode errors by reason and alert count are what the same file gives
// when read in process, the --errors file holds one record per counted error, and stdout one
// alert per counted alert.

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { Scratch, evtx, gzipInput, jsonLines, readChecked, sandwich, xmlText, type FuzzTarget } from './targets.js';

const SEED = Number(process.env.FUZZ_SEED ?? 14);
const PER_TARGET = Number(process.env.FUZZ_CLI_INPUTS ?? 3);
const scratch = new Scratch();
afterAll(() => scratch.close());

interface Stats {
  events: number;
  decodeErrors: { total: number; byReason: Record<string, number> };
  alerts: { total: number };
}

const targets: [FuzzTarget<never>, string][] = [
  [xmlText as FuzzTarget<never>, 'xml'],
  [gzipInput as FuzzTarget<never>, 'gz'],
  [jsonLines as FuzzTarget<never>, 'jsonl'],
  [evtx as FuzzTarget<never>, 'evtx'],
  [sandwich as FuzzTarget<never>, 'log'],
];

describe('proctree replay on mutated files', () => {
  for (const [target, ext] of targets) {
    it(`${target.name}: exit 0 and a true summary`, async () => {
      const inputs = fc.sample(target.arbitrary(), { seed: SEED, numRuns: PER_TARGET });
      for (const [i, input] of inputs.entries()) {
        const bytes = target.bytes(input);
        const path = scratch.file(`cli-${i}.${ext}`, bytes);
        const inProcess = await readChecked(path, bytes.length);
        const stats = scratch.file('stats.json', '');
        const errors = scratch.file('errors.jsonl', '');
        const r = runCli(['replay', '--no-progress', '--stats', stats, '--errors', errors, path]);
        expect(r.status, r.stderr).toBe(0);
        expect(r.stderr).not.toMatch(/fatal|\n\s+at /);
        const s = JSON.parse(readFileSync(stats, 'utf8')) as Stats;
        expect(s.events).toBe(inProcess.counters.sysmonEvents);
        expect(s.decodeErrors.byReason).toEqual(inProcess.counters.errorsByReason());
        expect(s.decodeErrors.total).toBe(inProcess.errors.length);
        const recs = readFileSync(errors, 'utf8').split('\n').filter((l) => l !== '');
        expect(recs.length).toBe(s.decodeErrors.total);
        const alerts = r.stdout.split('\n').filter((l) => l !== '');
        expect(alerts.length).toBe(s.alerts.total);
        for (const a of alerts) expect(() => JSON.parse(a)).not.toThrow();
        expect(r.stderr).toContain(`decode errors: ${s.decodeErrors.total}`);
        expect(r.stderr).toMatch(new RegExp(`${s.events} Sysmon events from 1 file`));
      }
    }, 120_000);
  }
});
