// `proctree replay` over damaged .gz inputs, as a user meets them: a file cut short (a copy
// interrupted, a disk that filled) and a corrupt member in the middle of a multi-member file.
// Each becomes an error record with the file and both offsets, the events around it are
// processed, the summary counts it, and the run exits 0 without a stack trace.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { constants, deflateRawSync, gzipSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, parseAlerts, runCli } from './helpers/cli.js';
import { HostLog } from './helpers/sysmon-xml.js';

const tmp = mkdtempSync(join(tmpdir(), 'proctree-gz-'));
const FLEET = resolve(REPO_ROOT, 'samples', 'normal-boot-fleet.xml');
const RULE_FILE = resolve(REPO_ROOT, 'samples', 'rule-smss-child-no-exit.xml');

function svchosts(host: string, n: number): string {
  const h = new HostLog(host, 5);
  let t = Date.UTC(2024, 0, 1);
  const services = h.proc(600, 'C:\\Windows\\System32\\services.exe', 'services.exe', h.system);
  for (let i = 0; i < n; i++) h.create((t += 1000), h.proc(2000 + i, 'C:\\Windows\\System32\\svchost.exe', `svchost.exe -k g${i}`, services));
  return h.events.join('\n') + '\n';
}

interface Stats {
  events: number;
  decodeErrors: { total: number; byReason: Record<string, number> };
}

function replay(path: string, extra: string[] = [], input?: Buffer): { status: number; stdout: string; stderr: string; stats: Stats; errors: Record<string, unknown>[] } {
  const stats = join(tmp, 'stats.json');
  const errors = join(tmp, 'errors.jsonl');
  const r = runCli(['replay', '--no-progress', '--stats', stats, '--errors', errors, ...extra, path], { input });
  const recs = readFileSync(errors, 'utf8').trim();
  return {
    ...r,
    stats: JSON.parse(readFileSync(stats, 'utf8')) as Stats,
    errors: recs === '' ? [] : recs.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('proctree replay of a .gz cut short', () => {
  const xml = readFileSync(FLEET);
  const gz = gzipSync(xml);

  it('processes every event before the cut, records where it ends, counts it and exits 0', () => {
    for (const cut of [Math.floor(gz.length * 0.3), Math.floor(gz.length * 0.77), gz.length - 3]) {
      const p = join(tmp, `fleet-${cut}.xml.gz`);
      writeFileSync(p, gz.subarray(0, cut));
      const r = replay(p);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).not.toContain('fatal');
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      const inflatable = inflateRawSync(gz.subarray(10, cut), { finishFlush: constants.Z_SYNC_FLUSH });
      const complete = (inflatable.toString('utf8').match(/<\/Event>/g) ?? []).length;
      expect(r.stats.events).toBe(complete);
      expect(r.stats.decodeErrors.byReason['truncated-gzip']).toBe(1);
      const rec = r.errors.find((e) => e.reason === 'truncated-gzip');
      expect(rec).toEqual({ reason: 'truncated-gzip', message: expect.stringContaining('cut short'), source: p, offset: inflatable.length, compressedOffset: cut, snippet: '' });
      expect(r.stderr).toMatch(/truncated-gzip: the input ends inside (the trailer of )?gzip member 1 /);
      expect(r.stderr).toMatch(new RegExp(`decode errors: ${r.stats.decodeErrors.total}\\b`));
    }
  });

  it('does the same on standard input', () => {
    const cut = Math.floor(gz.length / 2);
    const r = replay('-', [], gz.subarray(0, cut));
    expect(r.status).toBe(0);
    expect(r.errors.find((e) => e.reason === 'truncated-gzip')).toMatchObject({ source: '-', compressedOffset: cut });
  });
});

describe('proctree replay of a multi-member .gz with a corrupt member in the middle', () => {
  it('reads the members around it, still raises the alert of the last member, and exits 0', () => {
    const before = Buffer.from(svchosts('GZ-BEFORE', 200));
    const middle = Buffer.from(svchosts('GZ-MIDDLE', 200));
    const keep = Math.floor(middle.length / 2);
    // The middle member breaks halfway (an invalid deflate block, as after a writer died mid-member).
    const broken = Buffer.concat([
      gzipSync(middle).subarray(0, 10),
      deflateRawSync(middle.subarray(0, keep), { finishFlush: constants.Z_FULL_FLUSH }),
      Buffer.from([0x06, 0x99, 0x42, 0x17]),
      Buffer.alloc(8),
    ]);
    const p = join(tmp, 'members.xml.gz');
    writeFileSync(p, Buffer.concat([gzipSync(before), broken, gzipSync(readFileSync(RULE_FILE))]));
    const r = replay(p);
    expect(r.status, r.stderr).toBe(0);
    expect(parseAlerts(r.stdout)).toEqual(parseAlerts(runCli(['replay', '-q', RULE_FILE]).stdout));
    const complete = (s: string): number => (s.match(/<\/Event>/g) ?? []).length;
    const want = complete(before.toString()) + complete(middle.subarray(0, keep).toString()) + complete(readFileSync(RULE_FILE, 'utf8'));
    expect(r.stats.events).toBe(want);
    const bad = r.errors.filter((e) => e.reason === 'bad-gzip');
    expect(bad).toEqual([
      {
        reason: 'bad-gzip',
        message: expect.stringMatching(/gzip member 2 .* is corrupt at compressed offset \d+ .*next member header/),
        source: p,
        offset: before.length + keep,
        compressedOffset: expect.any(Number),
        snippet: '',
      },
    ]);
    // The event the damage cut through is the only other error.
    expect(r.errors.filter((e) => e.reason !== 'bad-gzip').map((e) => e.reason)).toEqual(['truncated-event']);
    expect(r.stats.decodeErrors.total).toBe(2);
  });
});
