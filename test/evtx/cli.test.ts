// The built CLI as a user runs it: `proctree evtx-dump` and `proctree replay x.evtx`.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { parseAlerts, runCli } from '../helpers/cli.js';
import { haveSamples, samplesDir, skipSamplesWhy } from './samples.js';

const sample = (f: string): string => path.join(samplesDir, f);

describe.skipIf(!haveSamples)('proctree evtx-dump / replay on .evtx', () => {
  if (!haveSamples) it.skip(skipSamplesWhy, () => undefined);

  it('evtx-dump prints one well-formed Event per line', () => {
    const r = runCli(['evtx-dump', sample('T1210_Zerologon_Sysmon.evtx')]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBe(22);
    const parser = new XMLParser({ ignoreAttributes: false });
    for (const l of lines) expect(parser.parse(l).Event.System.Channel).toBe('Microsoft-Windows-Sysmon/Operational');
  });

  it('evtx-dump --format jsonl --recover marks carved records', () => {
    const r = runCli(['evtx-dump', '--format', 'jsonl', '--recover', sample('privesc_unquoted_svc_sysmon_1_11.evtx')]);
    expect(r.status).toBe(0);
    const recs = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { recovered: boolean; Event: { System: { EventRecordID: string } } });
    expect(recs.filter((x) => !x.recovered).length).toBe(87);
    expect(recs.filter((x) => x.recovered).length).toBe(29);
    expect(r.stderr).toMatch(/29 recovered/);
  });

  it('evtx-dump on a file that is not EVTX says so and exits 1', () => {
    const r = runCli(['evtx-dump', sample('SOURCES.md')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/is not an EVTX file/);
  });

  it('replay reads a gzipped .evtx and one piped on standard input', () => {
    const raw = readFileSync(sample('DE_sysmon-3-rdp-tun.evtx'));
    for (const input of [gzipSync(raw), raw]) {
      const r = runCli(['replay', '--no-progress', '-'], { input });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/73 Sysmon events from 1 file/);
    }
  });

  it('replay reads .evtx directly, with the same summary as XML replay', () => {
    const a = runCli(['replay', '--no-progress', sample('DE_sysmon-3-rdp-tun.evtx')]);
    expect(a.status, a.stderr).toBe(0);
    expect(a.stderr).toMatch(/73 Sysmon events from 1 file/);
    expect(a.stderr).toMatch(/events by EventID: 1:13 3:42 5:12 6:6/);
    expect(parseAlerts(a.stdout)).toEqual([]);
    const b = runCli(['replay', '--no-progress', '--workers', '2', sample('DE_sysmon-3-rdp-tun.evtx')]);
    expect(b.status, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/73 Sysmon events from 1 file/);
  });
});

describe.skipIf(!haveSamples)('proctree evtx-dump on a damaged file', () => {
  it('dumps what it can and logs each problem as a pino warning with chunk and offset', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(path.join(tmpdir(), 'evtx-cli-'));
    try {
      const buf = Buffer.from(readFileSync(sample('T1210_Zerologon_Sysmon.evtx')));
      buf.writeUInt32LE(0, 4096 + 512); // the first record's signature
      const f = path.join(dir, 'damaged.evtx');
      writeFileSync(f, buf);
      const r = runCli(['evtx-dump', f]);
      expect(r.status).toBe(0);
      expect(r.stdout.trimEnd().split('\n').length).toBe(21);
      const warnings = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(warnings).toEqual([
        expect.objectContaining({ level: 40, reason: 'bad-chunk-checksum', chunk: 0, offset: 4096 + 52 }),
        expect.objectContaining({ level: 40, reason: 'bad-evtx-record', chunk: 0, offset: 4096 + 512 }),
      ]);
      expect(r.stderr).toMatch(/21 records, 2 problem\(s\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
