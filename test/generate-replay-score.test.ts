// End to end: generate a seeded fleet, replay it through the real pipeline, score the alerts
// against the labels. Every rule must have labels and score precision = recall = 1.

import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../src/alerts/alert.js';
import { loadPipeline, parsePipeline, type PipelineConfig } from '../src/pipeline/config.js';
import { replay } from '../src/pipeline/replay.js';
import { CORE_NEEDS_EXITS } from '../src/generator/core-anomalies.js';
import { Fleet, type FleetOptions } from '../src/generator/fleet.js';
import { formatter, type OutputFormat } from '../src/generator/formats.js';
import { RULES, labelThresholds, type Label } from '../src/generator/labels.js';
import { openFileOutput } from '../src/generator/direct-file.js';
import { LinesOutput } from '../src/generator/output.js';
import { runFleet } from '../src/generator/run.js';
import { score } from '../src/score/score.js';
import { REPO_ROOT, runCli } from './helpers/cli.js';
import { parseSysmonConfigShares } from '../src/cli/generate.js';
import { loadSysmonConfig } from '../src/sysmon-config/registry.js';
import { baselineRuleIds } from '../src/rules/baseline/config.js';

const dir = mkdtempSync(join(tmpdir(), 'proctree-e2e-'));

async function roundTrip(name: string, o: Partial<FleetOptions>, format: OutputFormat, config: PipelineConfig): Promise<{ labels: Label[]; alerts: Alert[] }> {
  const file = join(dir, `${name}.${format === 'xml' ? 'xml' : 'jsonl'}`);
  const fleet = new Fleet({ ...o, thresholds: labelThresholds(config) });
  const out = openFileOutput(file, formatter(format));
  await runFleet(fleet, out);
  await out.close();
  const alerts: Alert[] = [];
  await replay({ paths: [file], config, sink: { write: async (a) => void alerts.push(...a) } });
  return { labels: fleet.labels(), alerts };
}

function detections(alerts: Alert[]) {
  return alerts.map((a) => ({ host: a.host, rule: a.rule, processGuid: a.process.guid, time: a.time }));
}

// Anomaly-dense fleets so that every rule has several labels in a few seconds of replay.
const FLEET: Partial<FleetOptions> = { hosts: 120, durationSecs: 1500, hostEventsPerSec: 0.25, anomalyFraction: 0.35, decoyFraction: 0.5, noExitFraction: 0.25 };

describe('generate -> replay -> score', async () => {
  const config = await loadPipeline(join(REPO_ROOT, 'pipelines', 'replay.yaml'));

  const cases: Array<[number, OutputFormat]> = [
    [1, 'xml'],
    [2, 'winlogbeat'],
    [5, 'winlogbeat-fields'],
    [3, 'nxlog-xml'],
    [4, 'nxlog-json'],
  ];
  for (const [seed, format] of cases) {
    it(`seed ${seed}, ${format}: precision and recall 1.0 for every rule`, { timeout: 120_000 }, async () => {
      const { labels, alerts } = await roundTrip(`seed${seed}`, { ...FLEET, seed }, format, config);
      const r = score(labels, detections(alerts), RULES);
      for (const rule of RULES) expect(r.rules.find((s) => s.rule === rule)!.expected, `${rule} has labels`).toBeGreaterThan(0);
      expect({ missed: r.missed, unexpected: r.unexpected }).toEqual({ missed: [], unexpected: [] });
      for (const s of r.rules) expect([s.rule, s.precision, s.recall]).toEqual([s.rule, 1, 1]);
    });
  }

  it('labels follow the pipeline thresholds (child_exit_secs 12, reboot_check_secs 40)', { timeout: 120_000 }, async () => {
    const tight = parsePipeline({ rules: { smss: { child_exit_secs: 12, reboot_check_secs: 40 } } });
    const { labels, alerts } = await roundTrip('tight', { ...FLEET, seed: 21 }, 'xml', tight);
    const r = score(labels, detections(alerts), RULES);
    expect(r.rules.find((s) => s.rule === 'smss.child-no-exit')!.expected).toBeGreaterThan(0);
    expect({ missed: r.missed, unexpected: r.unexpected }).toEqual({ missed: [], unexpected: [] });
    // The same fleet labelled for the default 30 s: different deadlines, so the alerts of one do not score against the other.
    const loose = new Fleet({ ...FLEET, seed: 21 });
    const nowhere = new LinesOutput();
    while (!loose.done) {
      loose.fill(nowhere, 50_000);
      nowhere.lines.length = 0;
    }
    const mixed = score(loose.labels(), detections(alerts), RULES);
    expect(mixed.rules.find((s) => s.rule === 'smss.child-no-exit')!.recall).toBeLessThan(1);
  });
});

describe('the CLI round trip', () => {
  it('generate, replay and score exit 0 at --min-precision 1 --min-recall 1, and 4 when a label is wrong', { timeout: 120_000 }, () => {
    const events = join(dir, 'cli.xml');
    const labels = join(dir, 'cli.labels.jsonl');
    const alerts = join(dir, 'cli.alerts.jsonl');
    const g = runCli(['generate', '--hosts', '60', '--duration', '20m', '--host-eps', '0.3', '--anomalies', '0.4', '--seed', '8', '-o', events]);
    expect(g.stderr).toMatch(/labels: \d+ .* -> .*cli\.labels\.jsonl/);
    expect(g.status).toBe(0);
    expect(runCli(['replay', '-q', '-o', alerts, events]).status).toBe(0);
    const ok = runCli(['score', '-l', labels, '-a', alerts, '--min-precision', '1', '--min-recall', '1']);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^total\s+(\d+)\s+\1\s+\1\s+0\s+0\s+1\.000\s+1\.000$/m);
    const lines = readFileSync(labels, 'utf8').trim().split('\n');
    const first = JSON.parse(lines[0]) as Label;
    lines[0] = JSON.stringify({ ...first, time: new Date(Date.parse(first.time) + 1).toISOString() });
    writeFileSync(labels, lines.join('\n') + '\n');
    const bad = runCli(['score', '-l', labels, '-a', alerts, '--min-recall', '1']);
    expect(bad.status).toBe(4);
    expect(bad.stdout).toMatch(/^missed: /m);
  });

  it('writes the bytes of the in-process fleet with the same options, --no-exit-hosts included', () => {
    const args = ['generate', '--hosts', '12', '--duration', '10m', '--seed', '3', '-q'];
    const fleetText = (o: Partial<FleetOptions>): string => {
      const fleet = new Fleet({ hosts: 12, durationSecs: 600, seed: 3, ...o });
      const lines = new LinesOutput();
      while (!fleet.done) fleet.fill(lines, 50_000);
      return lines.lines.map((l) => Buffer.from(l.line, 'latin1').toString('utf8') + '\n').join('');
    };
    expect(runCli(args).stdout).toBe(fleetText({}));
    const none = runCli([...args, '--no-exit-hosts', '1']).stdout;
    expect(none).toBe(fleetText({ noExitFraction: 1 }));
    expect(none).not.toMatch(/<EventID>5</);
    expect(runCli([...args, '--no-exit-hosts', '0']).stdout).toMatch(/<EventID>5</);
  });

  it('labels only the rules the pipeline enables, and those score 1.0 against its replay', { timeout: 120_000 }, () => {
    const pipeline = join(dir, 'two-rules.yaml');
    writeFileSync(pipeline, 'rules:\n  smss:\n    enabled: [smss.path, smss.user]\n');
    const [events, labels, alerts] = ['two-rules.xml', 'two-rules.labels.jsonl', 'two-rules.alerts.jsonl'].map((f) => join(dir, f));
    const g = runCli(['generate', '--hosts', '60', '--duration', '20m', '--host-eps', '0.3', '--anomalies', '0.4', '--seed', '8', '-q', '-p', pipeline, '-o', events]);
    expect(g.stderr).toBe('');
    expect(g.status).toBe(0);
    const rules = new Set(readFileSync(labels, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as Label).rule));
    expect([...rules].sort()).toEqual(['smss.path', 'smss.user']);
    expect(runCli(['replay', '-q', '-p', pipeline, '-o', alerts, events]).status).toBe(0);
    const s = runCli(['score', '-l', labels, '-a', alerts, '--min-precision', '1', '--min-recall', '1']);
    expect(s.stdout).toMatch(/^total\s+(\d+)\s+\1\s+\1\s+0\s+0\s+1\.000\s+1\.000$/m);
    expect(s.status).toBe(0);
  });

  it('warns when the pipeline sets values the generated data assumes at their defaults', () => {
    const pipeline = join(dir, 'd-drive.yaml');
    writeFileSync(pipeline, "rules:\n  smss:\n    system_root: 'D:\\Windows'\n    allowed_children: [smss.exe, csrss.exe, wininit.exe, winlogon.exe, devsvc.exe]\n");
    const r = runCli(['generate', '--hosts', '3', '--duration', '5m', '-q', '-p', pipeline, '-o', join(dir, 'd-drive.xml')]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^proctree generate: warning: .*d-drive\.yaml sets rules\.smss\.system_root, rules\.smss\.allowed_children; .* labels assume the default values/);
  });

  it('generate --sysmon-config writes each host\'s configuration and the hidden anomalies into the labels; score reports them per configuration', { timeout: 120_000 }, () => {
    const [events, labels, alerts] = ['mixed.xml', 'mixed.labels.jsonl', 'mixed.alerts.jsonl'].map((f) => join(dir, f));
    const g = runCli(['generate', '--hosts', '40', '--duration', '20m', '--host-eps', '0.3', '--anomalies', '0.5', '--seed', '9', '--sysmon-config', 'everything=0.5,no-exits=0.5', '-o', events]);
    expect(g.status).toBe(0);
    expect(g.stderr).toMatch(/labels: \d+ \(.*; \d+ made invisible by the hosts' Sysmon configurations\)/);
    const lines = readFileSync(labels, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.rule === undefined)).toHaveLength(40); // one host line each
    expect(lines.some((l) => l.invisible === true && l.sysmonConfig === 'no-exits')).toBe(true);
    expect(runCli(['replay', '-q', '-o', alerts, events]).status).toBe(0);
    const s = runCli(['score', '-l', labels, '-a', alerts, '--min-precision', '1', '--min-recall', '1']);
    expect(s.stderr).toBe('');
    expect(s.status).toBe(0);
    expect(s.stdout).toMatch(/^rule\s+expected\s+raised\s+tp\s+fp\s+missed\s+precision\s+recall\s+invisible$/m);
    expect(s.stdout).toContain('Sysmon configuration everything:');
    expect(s.stdout).toMatch(/Sysmon configuration no-exits:\n(.*\n)*smss\.child-no-exit\s+\d+\s+\d+\s+\d+\s+0\s+0\s+1\.000\s+1\.000\s+[1-9]/);
    const bad = runCli(['generate', '--hosts', '2', '--duration', '1m', '--sysmon-config', 'everything=0.5,no-exits=0.4']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('the shares must add up to 1, they add up to 0.9');
    const missing = runCli(['generate', '--hosts', '2', '--duration', '1m', '--sysmon-config', join(dir, 'none.xml')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(`proctree generate: --sysmon-config ${join(dir, 'none.xml')}: cannot read the Sysmon configuration: no such file\n`);
  });

  it('says what --kafka needs', () => {
    const r = runCli(['generate', '--kafka', '127.0.0.1:9', '--hosts', '1', '--duration', '1m']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('proctree generate: --kafka needs --topic TOPIC\n');
  });
});

describe('generate --sysmon-config -> replay -> score', async () => {
  const config = await loadPipeline(join(REPO_ROOT, 'pipelines', 'replay.yaml'));
  const SHARED = join(REPO_ROOT, '..', 'shared', 'sysmon-configs');
  const HAVE = existsSync(SHARED);
  // Small anomaly-dense fleets: every anomaly kind lands on every configuration.
  // The core process baselines' anomalies too: their checks placed against the boot need the master's creation.
  const SMALL: Partial<FleetOptions> = { hosts: 110, durationSecs: 1500, hostEventsPerSec: 0.25, anomalyFraction: 0.7, decoyFraction: 0.5, coreAnomalies: true };
  const SCORED = [...RULES, ...baselineRuleIds(config.rules.baselines)];
  const cases: Array<[string, string, boolean]> = [
    ['everything', 'everything', false],
    ['no-exits', 'no-exits', false],
    ['swiftonsecurity', 'swiftonsecurity', true],
    ['sysmon-modular', 'sysmon-modular', true],
    ['a mixed fleet', 'swiftonsecurity=0.4,sysmon-modular=0.3,everything=0.2,no-exits=0.1', true],
  ];
  for (const [name, spec, shared] of cases) {
    it.skipIf(shared && !HAVE)(`${name}: precision = recall = 1.0 per rule and configuration, replayed without and with the configuration; hidden anomalies counted apart`, { timeout: 120_000 }, async () => {
      const sysmonConfigs = parseSysmonConfigShares(spec).map(({ spec: s, share }) => ({ config: loadSysmonConfig(s), share }));
      const fleet = new Fleet({ ...SMALL, seed: 5, thresholds: labelThresholds(config), sysmonConfigs });
      const file = join(dir, `cfg-${name.replace(/\W+/g, '-')}.xml`);
      const out = openFileOutput(file, formatter('xml'));
      await runFleet(fleet, out);
      await out.close();
      const labels = fleet.labels();
      const hosts = new Map(fleet.hostConfigs().map((h) => [h.host, h.sysmonConfig]));
      // Told: the pipeline names each host's configuration (host names as patterns).
      const byConfig = new Map<string, string[]>();
      for (const [h, c] of hosts) byConfig.set(c, [...(byConfig.get(c) ?? []), h]);
      const told: PipelineConfig = { ...config, sysmon: { configs: [...byConfig].map(([c, hs]) => ({ hosts: hs, config: loadSysmonConfig(c) })) } };
      // Processes whose creation the file holds: a hidden label of a check judged on that creation is one the processor left unjudged, not one it never saw.
      const created = new Set<string>();
      for (const line of readFileSync(file, 'latin1').split('\n')) if (line.includes('<EventID>1<')) created.add(/<Data Name='ProcessGuid'>([^<]*)</.exec(line)![1]);
      const unjudgedHidden = labels.filter((l) => l.invisible === true && l.rule.startsWith('core.') && !l.rule.endsWith('.children') && created.has(l.processGuid));
      for (const pipeline of [config, told]) {
        const alerts: Alert[] = [];
        const { stats } = await replay({ paths: [file], config: pipeline, sink: { write: async (a) => void alerts.push(...a) } });
        const notJudged = new Set(stats.notJudged.map((n) => n.rule));
        for (const l of unjudgedHidden) expect(notJudged.has(l.rule), `${l.rule} of ${l.processGuid} on ${l.host} labelled invisible, and the summary says it was judged`).toBe(true);
        const r = score(labels, detections(alerts), SCORED, 20, hosts);
        expect({ missed: r.missed, unexpected: r.unexpected }).toEqual({ missed: [], unexpected: [] });
        for (const c of [{ config: 'all', rules: r.rules }, ...r.byConfig]) for (const s of c.rules) expect([c.config, s.rule, s.precision, s.recall]).toEqual([c.config, s.rule, 1, 1]);
        expect(r.total.expected + r.total.invisible).toBe(labels.length);
        expect(r.byConfig.map((c) => c.config).sort()).toEqual([...byConfig.keys()].sort());
      }
      const seen = (rule: string, config: string) => {
        const ls = labels.filter((l) => l.rule === rule && l.sysmonConfig === config);
        return { visible: ls.filter((l) => l.invisible !== true).length, invisible: ls.filter((l) => l.invisible === true).length };
      };
      // What each configuration lets a processor see (docs/sysmon-configs.md).
      for (const c of byConfig.keys()) {
        if (c === 'everything') for (const rule of SCORED) expect(seen(rule, c).invisible, `${rule} under everything`).toBe(0);
        // A boot-long process exiting is seen only where exits of System32 images are logged.
        if (c === 'no-exits' || c === 'swiftonsecurity' || c === 'sysmon-modular') {
          for (const rule of CORE_NEEDS_EXITS) {
            expect(seen(rule, c).visible, `${rule} under ${c}`).toBe(0);
            if (c === spec) expect(seen(rule, c).invisible, `${rule} labelled invisible under ${c}`).toBeGreaterThan(0);
          }
        }
        if (c === 'sysmon-modular') {
          expect(seen('smss.child-no-exit', c).visible).toBe(0); // no smss creation logged at all
          // so csrss's and winlogon's child smss is known only from their Parent* fields: neither its session nor its role
          for (const rule of ['core.csrss.session', 'core.winlogon.session']) expect(seen(rule, c).visible, `${rule} under ${c}`).toBe(0);
          expect(seen('smss.path', c).invisible).toBe(0); // smss.exe under Windows\Temp or a renamed copy under Users is logged
        }
        if (c === 'swiftonsecurity') {
          expect(seen('smss.instances', c).visible).toBe(0); // the master's creation is dropped (line 94)
          expect(seen('smss.parent', c).visible).toBe(0); // so is a rogue smss.exe with the master's command line
          expect(seen('core.lsass.instances', c).visible).toBe(0); // and with it the boot a second lsass is counted in
        }
      }
      if (name === 'everything') for (const rule of RULES) expect(seen(rule, 'everything').visible, `${rule} has labels`).toBeGreaterThan(0);
      if (name === 'everything') for (const rule of SCORED) expect(seen(rule, 'everything').visible, `${rule} has labels`).toBeGreaterThan(0);
      if (name === 'sysmon-modular' || name === 'swiftonsecurity') expect(unjudgedHidden.length, 'hidden labels of logged creations').toBeGreaterThan(0);
      if (name === 'no-exits' || name === 'swiftonsecurity') expect(seen('smss.child-no-exit', spec).visible, 'a lingering child seen living on').toBeGreaterThan(0);
    });
  }
});
