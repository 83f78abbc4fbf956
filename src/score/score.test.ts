import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScoreInputError, alertFrom, labelFrom, readDetections, readLabels } from './read.js';
import { belowThresholds, formatReport, score, type Detection } from './score.js';

const L = (host: string, rule: string, processGuid: string, time: string): Detection => ({ host, rule, processGuid, time });

describe('score', () => {
  const labels = [
    L('PC1.corp', 'smss.path', '{a}', '2024-01-01T00:00:01.000Z'),
    L('PC1.corp', 'smss.user', '{b}', '2024-01-01T00:00:02.000Z'),
    L('PC2.corp', 'smss.path', '{c}', '2024-01-01T00:00:03.000Z'),
  ];

  it('matches on host (any case), rule, guid (any case) and time', () => {
    const alerts = [L('pc1.CORP', 'smss.path', '{A}', '2024-01-01T00:00:01Z'), L('PC1.corp', 'smss.user', '{b}', '2024-01-01T00:00:02.000Z'), L('PC2.corp', 'smss.path', '{c}', '2024-01-01T00:00:03.000Z')];
    const r = score(labels, alerts);
    expect(r.total).toMatchObject({ expected: 3, raised: 3, truePositives: 3, falsePositives: 0, misses: 0, precision: 1, recall: 1 });
  });

  it('counts a wrong time, a wrong guid, a duplicate and a miss', () => {
    const alerts = [
      L('PC1.corp', 'smss.path', '{a}', '2024-01-01T00:00:01.001Z'), // wrong time
      L('PC1.corp', 'smss.user', '{b}', '2024-01-01T00:00:02.000Z'),
      L('PC1.corp', 'smss.user', '{b}', '2024-01-01T00:00:02.000Z'), // duplicate
      L('PC2.corp', 'smss.path', '{x}', '2024-01-01T00:00:03.000Z'), // wrong guid
    ];
    const r = score(labels, alerts, ['smss.instances']);
    const path = r.rules.find((x) => x.rule === 'smss.path')!;
    expect(path).toMatchObject({ expected: 2, raised: 2, truePositives: 0, falsePositives: 2, misses: 2, precision: 0, recall: 0 });
    const user = r.rules.find((x) => x.rule === 'smss.user')!;
    expect(user).toMatchObject({ expected: 1, raised: 2, truePositives: 1, falsePositives: 1, precision: 0.5, recall: 1 });
    expect(r.rules.find((x) => x.rule === 'smss.instances')).toMatchObject({ expected: 0, raised: 0, precision: 1, recall: 1 });
    expect(r.missed).toHaveLength(2);
    expect(r.unexpected).toHaveLength(3);
    expect(belowThresholds(r, 1, 1).map((s) => s.rule)).toEqual(['smss.path', 'smss.user', 'total']);
    expect(belowThresholds(r, 0, 0)).toEqual([]);
    expect(formatReport(r).split('\n')[0]).toMatch(/^rule\s+expected\s+raised\s+tp\s+fp\s+missed\s+precision\s+recall$/);
  });
});

describe('reading labels and alerts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'proctree-score-'));

  it('reads native and ECS alerts alike', async () => {
    const native = { rule: 'smss.path', host: 'PC1', time: '2024-01-01T00:00:01.000Z', process: { guid: '{a}', pid: 1 } };
    const ecs = { '@timestamp': '2024-01-01T00:00:01.000Z', rule: { id: 'smss.path' }, host: { name: 'PC1' }, process: { entity_id: '{a}' } };
    expect(alertFrom(native)).toEqual(alertFrom(ecs));
    const f = join(dir, 'a.jsonl');
    writeFileSync(f, JSON.stringify(native) + '\n\n' + JSON.stringify(ecs) + '\n');
    expect(await readDetections(f, alertFrom)).toHaveLength(2);
  });

  it('names the file and line of a bad record', async () => {
    const f = join(dir, 'l.jsonl');
    writeFileSync(f, JSON.stringify({ host: 'h', rule: 'r', processGuid: 'g', time: 't' }) + '\n{"host":1}\n');
    await expect(readDetections(f, labelFrom)).rejects.toThrow(new ScoreInputError(f, 2, 'expected a label {"host","rule","processGuid","time"} with string values'));
    await expect(readDetections(join(dir, 'missing.jsonl'), labelFrom)).rejects.toThrow(/missing\.jsonl:0: cannot read the file \(ENOENT\)/);
  });
});

describe('score with Sysmon configurations (generate --sysmon-config)', () => {
  it('counts hidden anomalies apart from misses, and scores each configuration on its own hosts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proctree-score-'));
    const file = join(dir, 'labels.jsonl');
    writeFileSync(
      file,
      [
        { host: 'WS1', sysmonConfig: 'swiftonsecurity' },
        { host: 'WS2', sysmonConfig: 'everything' },
        { host: 'WS3', sysmonConfig: 'everything' },
        { host: 'WS1', rule: 'smss.instances', processGuid: '{m}', time: '2024-01-01T00:00:01.000Z', sysmonConfig: 'swiftonsecurity', invisible: true },
        { host: 'WS1', rule: 'smss.path', processGuid: '{p}', time: '2024-01-01T00:00:02.000Z', sysmonConfig: 'swiftonsecurity' },
        { host: 'WS2', rule: 'smss.instances', processGuid: '{n}', time: '2024-01-01T00:00:03.000Z', sysmonConfig: 'everything' },
      ].map((l) => JSON.stringify(l) + '\n').join(''),
    );
    const { labels, hostConfigs } = await readLabels(file);
    expect(labels).toHaveLength(3);
    // An alert on WS3, a host with no label: a false positive of "everything", known from the host lines.
    const alerts = [L('WS1', 'smss.path', '{p}', '2024-01-01T00:00:02.000Z'), L('WS2', 'smss.instances', '{n}', '2024-01-01T00:00:03.000Z'), L('WS3', 'smss.user', '{u}', '2024-01-01T00:00:04.000Z')];
    const r = score(labels, alerts, ['smss.instances', 'smss.path', 'smss.user'], 20, hostConfigs);
    expect(r.rules.find((x) => x.rule === 'smss.instances')).toMatchObject({ expected: 1, truePositives: 1, misses: 0, recall: 1, invisible: 1 });
    expect(r.byConfig.map((c) => [c.config, c.total.expected, c.total.falsePositives, c.total.invisible])).toEqual([
      ['everything', 1, 1, 0],
      ['swiftonsecurity', 1, 0, 1],
    ]);
    expect(belowThresholds(r, 1, 1).map((x) => x.rule)).toEqual(['smss.user', 'total', 'smss.user @ everything', 'total @ everything']);
    const text = formatReport(r);
    expect(text).toMatch(/^rule +expected +raised +tp +fp +missed +precision +recall +invisible$/m);
    expect(text).toMatch(/^Sysmon configuration swiftonsecurity:\n.*\nsmss\.instances +0 +0 +0 +0 +0 +1\.000 +1\.000 +1$/m);
  });
});
