// Core process baseline anomalies and decoys, end to end: a small generated fleet with them,
// replayed through the shipped pipeline, scores precision = recall = 1 for every core kind; and
// without them the fleet is the one the smss rules always had.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../alerts/alert.js';
import { loadPipeline, type PipelineConfig } from '../pipeline/config.js';
import { replay } from '../pipeline/replay.js';
import { baselineRuleIds } from '../rules/baseline/config.js';
import { score } from '../score/score.js';
import { CORE_ANOMALY_KINDS, CORE_DECOY_KINDS } from './core-anomalies.js';
import { openFileOutput } from './direct-file.js';
import { Fleet, type FleetOptions } from './fleet.js';
import { formatter } from './formats.js';
import { RULES, enabledLabels, labelThresholds } from './labels.js';
import { LinesOutput } from './output.js';
import { runFleet } from './run.js';
import { runCli } from '../../test/helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'proctree-core-'));
const FLEET: Partial<FleetOptions> = { hosts: 160, durationSecs: 1500, hostEventsPerSec: 0.25, anomalyFraction: 0.6, decoyFraction: 0.6, noExitFraction: 0.25, coreAnomalies: true };

async function roundTrip(seed: number, config: PipelineConfig) {
  const file = join(dir, `core-${seed}.xml`);
  const fleet = new Fleet({ ...FLEET, seed, thresholds: labelThresholds(config) });
  const out = openFileOutput(file, formatter('xml'));
  await runFleet(fleet, out);
  await out.close();
  const alerts: Alert[] = [];
  await replay({ paths: [file], config, sink: { write: async (a) => void alerts.push(...a) } });
  const enabled = [...config.rules.smss.enabled, ...baselineRuleIds(config.rules.baselines)];
  return { fleet, labels: enabledLabels(fleet.labels(), enabled), alerts };
}

/**
 * Every check of the shipped baselines, each of which the generator must inject an anomaly for
 * (issue 16): as an anomaly kind of its own, or as a label an anomaly's event also proves (a
 * second lsass is also core.lsass.instances, and core.lsass.start when late).
 */
const SHIPPED_CORE_CHECKS = [
  'core.system.children',
  ...['path', 'parent', 'user', 'session', 'instances'].map((c) => `core.csrss.${c}`),
  ...['path', 'parent', 'user', 'session', 'instances', 'lifetime', 'children', 'start'].map((c) => `core.wininit.${c}`),
  ...['path', 'parent', 'user', 'session', 'instances', 'lifetime', 'start'].map((c) => `core.services.${c}`),
  ...['path', 'parent', 'user', 'session', 'instances', 'lifetime', 'children', 'start'].map((c) => `core.lsass.${c}`),
  ...['path', 'parent'].map((c) => `core.svchost.${c}`),
  ...['path', 'parent', 'user', 'session', 'instances'].map((c) => `core.winlogon.${c}`),
  ...['path', 'parent', 'session'].map((c) => `core.explorer.${c}`),
];

describe('core process baseline anomalies', async () => {
  const config = await loadPipeline(new URL('../../pipelines/replay.yaml', import.meta.url).pathname);

  it('cover the 39 checks both shipped pipelines run', async () => {
    const kafka = await loadPipeline(new URL('../../pipelines/kafka.yaml', import.meta.url).pathname);
    expect(SHIPPED_CORE_CHECKS).toHaveLength(39);
    expect([...baselineRuleIds(config.rules.baselines)].sort()).toEqual([...SHIPPED_CORE_CHECKS].sort());
    expect([...baselineRuleIds(kafka.rules.baselines)].sort()).toEqual([...SHIPPED_CORE_CHECKS].sort());
    // A kind of its own for each, but for the checks any second wininit proves (instances), and
    // any second lsass, services or wininit late in the boot (start).
    const besides = ['core.wininit.instances', 'core.lsass.start', 'core.services.start', 'core.wininit.start'];
    expect([...CORE_ANOMALY_KINDS, ...besides].sort()).toEqual([...SHIPPED_CORE_CHECKS].sort());
  });

  it.each([5, 6])('seed %i: precision and recall 1.0 for every rule, every core kind labelled', { timeout: 120_000 }, async (seed) => {
    const { fleet, labels, alerts } = await roundTrip(seed, config);
    expect(new Set(fleet.plans.map((p) => p.anomaly).filter((k) => k?.startsWith('core.')))).toEqual(new Set(CORE_ANOMALY_KINDS));
    expect(new Set(fleet.plans.map((p) => p.decoy).filter((k) => (CORE_DECOY_KINDS as readonly (string | null)[]).includes(k)))).toEqual(new Set(CORE_DECOY_KINDS));
    const rules = [...RULES, ...SHIPPED_CORE_CHECKS];
    const r = score(labels, alerts.map((a) => ({ host: a.host, rule: a.rule, processGuid: a.process.guid, time: a.time })), rules);
    for (const rule of SHIPPED_CORE_CHECKS) expect(r.rules.find((s) => s.rule === rule)?.expected, `${rule} has labels`).toBeGreaterThan(0);
    expect({ missed: r.missed, unexpected: r.unexpected }).toEqual({ missed: [], unexpected: [] });
    for (const s of r.rules) expect([s.rule, s.precision, s.recall]).toEqual([s.rule, 1, 1]);
  });

  it('leaves a fleet without them unchanged', () => {
    const bytes = (o: Partial<FleetOptions>): string => {
      const f = new Fleet({ ...FLEET, ...o, seed: 9, hosts: 20 });
      const out = new LinesOutput();
      while (!f.done) f.fill(out, 50_000);
      return out.lines.join('\n');
    };
    expect(bytes({ coreAnomalies: false })).toEqual(bytes({ coreAnomalies: undefined }));
    expect(bytes({ coreAnomalies: true })).not.toEqual(bytes({ coreAnomalies: false }));
  });
});

describe('generate --core-anomalies through the CLI', () => {
  it('labels core checks, and generate -> replay -> score exits 0 at precision = recall = 1', { timeout: 120_000 }, () => {
    const [events, labels, alerts] = ['cli-core.xml', 'cli-core.labels.jsonl', 'cli-core.alerts.jsonl'].map((f) => join(dir, f));
    const g = runCli(['generate', '--hosts', '50', '--duration', '20m', '--host-eps', '0.3', '--anomalies', '0.5', '--seed', '4', '--core-anomalies', '-q', '-o', events]);
    expect(g.stderr).toBe('');
    expect(g.status).toBe(0);
    const rules = new Set(readFileSync(labels, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { rule: string }).rule));
    expect([...rules].filter((r) => r.startsWith('core.')).length).toBeGreaterThanOrEqual(5);
    expect(runCli(['replay', '-q', '-o', alerts, events]).status).toBe(0);
    const s = runCli(['score', '-l', labels, '-a', alerts, '--min-precision', '1', '--min-recall', '1']);
    expect(s.stdout).toMatch(/^total\s+(\d+)\s+\1\s+\1\s+0\s+0\s+1\.000\s+1\.000$/m);
    expect(s.status).toBe(0);
  });

  it('labels no core check when the pipeline runs no baseline', { timeout: 120_000 }, () => {
    const pipeline = join(dir, 'smss-only.yaml');
    writeFileSync(pipeline, 'rules:\n  baselines: []\n');
    const labels = join(dir, 'smss-only.labels.jsonl');
    const g = runCli(['generate', '--hosts', '30', '--duration', '20m', '--host-eps', '0.3', '--anomalies', '0.5', '--seed', '4', '--core-anomalies', '-q', '-p', pipeline, '-o', join(dir, 'smss-only.xml')]);
    expect(g.status).toBe(0);
    const rules = readFileSync(labels, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { rule: string }).rule);
    expect(rules.length).toBeGreaterThan(0);
    expect(rules.filter((r) => r.startsWith('core.'))).toEqual([]);
  });
});
