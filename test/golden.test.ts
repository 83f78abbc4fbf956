// Golden tests: each samples/<case>.xml must give exactly samples/<case>.alerts.jsonl through the
// real CLI. `UPDATE_GOLDEN=1 npm test` rewrites the expected files; a human reads the diff.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPipeline } from '../src/pipeline/config.js';
import { baselineRuleIds } from '../src/rules/baseline/config.js';
import { REPO_ROOT, parseAlerts, runCli } from './helpers/cli.js';

const SAMPLES = resolve(REPO_ROOT, 'samples');
const cases = readdirSync(SAMPLES).filter((f) => f.endsWith('.xml')).sort();

describe('golden samples', () => {
  it('has a normal fleet and one case per rule', () => {
    expect(cases).toContain('normal-boot-fleet.xml');
    for (const rule of ['path', 'parent', 'user', 'child-no-exit', 'instances', 'unexpected-child', 'subsystems-registry']) {
      expect(cases).toContain(`rule-smss-${rule}.xml`);
    }
    for (const process of ['system', 'csrss', 'wininit', 'services', 'lsass', 'svchost', 'winlogon', 'explorer']) {
      expect(cases).toContain(`rule-core-${process}.xml`);
    }
  });

  it('fires every shipped core baseline check somewhere in the rule-core samples', async () => {
    const shipped = baselineRuleIds((await loadPipeline(resolve(REPO_ROOT, 'pipelines', 'replay.yaml'))).rules.baselines);
    const fired = new Set(
      cases
        .filter((f) => f.startsWith('rule-core-'))
        .flatMap((f) => parseAlerts(readFileSync(resolve(SAMPLES, f.replace(/\.xml$/, '.alerts.jsonl')), 'utf8')).map((a) => String(a.rule))),
    );
    expect(shipped.filter((id) => !fired.has(id))).toEqual([]);
  });

  for (const file of cases) {
    it(`${file} gives exactly its expected alerts`, () => {
      const r = runCli(['replay', '--quiet', '--no-progress', resolve(SAMPLES, file)]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const got = parseAlerts(r.stdout);
      const expectedFile = resolve(SAMPLES, file.replace(/\.xml$/, '.alerts.jsonl'));
      if (process.env.UPDATE_GOLDEN === '1') {
        writeFileSync(expectedFile, got.map((a) => JSON.stringify(a)).join('\n') + (got.length > 0 ? '\n' : ''));
      }
      expect(existsSync(expectedFile), `${expectedFile} is missing; run UPDATE_GOLDEN=1 npm test and review it`).toBe(true);
      const expected = parseAlerts(readFileSync(expectedFile, 'utf8'));
      expect(got).toEqual(expected);
      const rule = /^rule-(smss-.+)\.xml$/.exec(file);
      const core = /^rule-core-(.+)\.xml$/.exec(file);
      if (rule !== null) {
        // Each rule case raises its own rule and nothing else.
        expect(new Set(got.map((a) => a.rule))).toEqual(new Set([rule[1].replace('smss-', 'smss.')]));
      } else if (core !== null) {
        // Each core process case raises only that process's checks (its decoys nothing).
        expect(got.length).toBeGreaterThan(0);
        expect(got.filter((a) => !String(a.rule).startsWith(`core.${core[1]}.`))).toEqual([]);
      } else {
        expect(got).toEqual([]);
      }
    });
  }
});
