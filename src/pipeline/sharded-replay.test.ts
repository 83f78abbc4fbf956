// Hosts spread over worker threads must give what one thread gives: the same alerts in the same
// order, the same error records and the same summary, on the repo's samples, the real exports
// and a generated fleet (many hosts, anomalies, decoys, reboots, late events). The workers run
// the compiled script from dist/ (npm run build).

import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../alerts/alert.js';
import type { RunStats } from '../engine/run-stats.js';
import { Fleet } from '../generator/fleet.js';
import { openFileOutput } from '../generator/direct-file.js';
import { runFleet } from '../generator/run.js';
import type { ErrorRecord } from '../sources/batch.js';
import { loadPipeline, withSysmonConfig } from './config.js';
import { loadSysmonConfig } from '../sysmon-config/registry.js';
import type { PipelineConfig } from './config.js';
import { replay } from './replay.js';
import { replaySharded, shardable } from './sharded-replay.js';
import { HAVE_REAL, REAL_SKIP_REASON, realFiles } from '../../test/helpers/real-samples.js';
import { parseAlerts, runCli } from '../../test/helpers/cli.js';

const REPO = resolve(import.meta.dirname, '..', '..');
const SAMPLES = readdirSync(resolve(REPO, 'samples'))
  .filter((f) => f.endsWith('.xml'))
  .map((f) => resolve(REPO, 'samples', f));

// The shipped pipeline: the smss rules and every core process baseline.
const CONFIG = await loadPipeline(resolve(REPO, 'pipelines', 'replay.yaml'));

interface Run {
  alerts: Alert[];
  errors: ErrorRecord[];
  stats: Omit<RunStats, 'seconds' | 'eventsPerSecond' | 'megabytesPerSecond'>;
}

/** What a user sees of a run, minus wall-clock readings. */
async function run(paths: string[], threads: number, config: PipelineConfig = CONFIG): Promise<Run> {
  const alerts: Alert[] = [];
  const errors: ErrorRecord[] = [];
  const opts = { paths, config, sink: { write: async (a: readonly Alert[]) => void alerts.push(...a) }, onError: (e: ErrorRecord) => errors.push(e) };
  const { stats } = threads === 1 ? await replay(opts) : await replaySharded(opts, threads);
  const { seconds: _s, eventsPerSecond: _e, megabytesPerSecond: _m, ...rest } = stats;
  for (const a of alerts) (a as { detectedAt?: string }).detectedAt = '';
  return { alerts, errors, stats: rest };
}

async function expectSameAsOneThread(paths: string[], config: PipelineConfig = CONFIG): Promise<Run> {
  const one = await run(paths, 1, config);
  for (const threads of [2, 3]) expect(await run(paths, threads, config), `${threads} threads`).toEqual(one);
  return one;
}

describe('replay with hosts spread over worker threads', () => {
  it.each(SAMPLES)('%s: same alerts, errors and summary as one thread', async (file) => {
    const one = await expectSameAsOneThread([file]);
    if (!file.endsWith('normal-boot-fleet.xml')) expect(one.alerts.length).toBeGreaterThan(0);
  });

  it('all samples at once (hosts from several files, input order across files)', async () => {
    const one = await expectSameAsOneThread(SAMPLES);
    expect(one.stats.hosts).toBeGreaterThan(3);
  });

  it('all samples judged by a Sysmon configuration: each host in one line of what could not be judged, whichever worker judged it', async () => {
    const one = await expectSameAsOneThread(SAMPLES, withSysmonConfig(CONFIG, loadSysmonConfig('no-exits')));
    const lines = one.stats.notJudged.filter((n) => n.rule === 'smss.child-no-exit');
    // PC-LINGER (and two hosts that log no exits) left a child smss unjudged; the configuration's line covers the others.
    expect(lines.map((n) => [n.what, n.config])).toEqual([
      ['child smss not judged', 'no-exits'],
      ['host(s) judged in part', 'no-exits'],
    ]);
    expect(lines[0].hosts).toContain('PC-LINGER');
    expect(lines[0].hostCount + lines[1].hostCount).toBe(one.stats.hosts);
  });

  it('a generated fleet of 80 hosts with anomalies, decoys and reboots', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'proctree-shard-')), 'fleet.xml');
    const out = openFileOutput(file);
    await runFleet(new Fleet({ hosts: 80, durationSecs: 1800, hostEventsPerSec: 1, seed: 11, anomalyFraction: 0.3, decoyFraction: 0.2 }), out, { maxEvents: 60_000 });
    await out.close();
    const one = await expectSameAsOneThread([file]);
    expect(one.alerts.length).toBeGreaterThan(2);
    expect(one.stats.hosts).toBe(80);
  }, 60_000);

  it('a damaged file: framing errors and decode problems in the order one thread writes them', async () => {
    const lines = SAMPLES.map((f) => readFileSync(f, 'utf8')).join('\n').split('\n');
    const damaged: string[] = [];
    lines.forEach((l, i) => {
      damaged.push(l);
      if (i === 5) damaged.push('garbage between events');
      if (i === 20) damaged.push(l.replace("<Data Name='UtcTime'>", "<Data Name='UtcTime'>x"));
      if (i === 30) damaged.push(l.slice(0, l.length >> 1)); // truncated: no </Event> before the next
      if (i === 40) damaged.push(l.replace('<Computer>', '<Computer>&amp;')); // a host name the reader cannot hash
    });
    const file = join(mkdtempSync(join(tmpdir(), 'proctree-shard-')), 'damaged.xml');
    writeFileSync(file, damaged.join('\n'));
    const one = await expectSameAsOneThread([file]);
    expect(one.errors.map((e) => e.reason)).toEqual(['garbage-between-events', 'bad-utctime', 'truncated-event']);
    expect(one.alerts.length).toBeGreaterThan(0);
  });

  it('damaged JSON lines (one worker takes them all): the same events and error records as one thread', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proctree-shard-'));
    const clean = join(dir, 'clean.jsonl');
    const gen = runCli(['generate', '--hosts', '12', '--events', '4000', '--seed', '3', '--format', 'winlogbeat', '-o', clean]);
    expect(gen.status, gen.stderr).toBe(0);
    const lines = readFileSync(clean, 'utf8').split('\n');
    const damaged: string[] = [];
    let nonAscii = 0;
    lines.forEach((l, i) => {
      damaged.push(i === 200 ? l.replace('Microsoft\u00ae', 'Microsoft\\u00ae') : l); // an escape: the text path
      if (l.includes('\u00ae')) nonAscii++;
      if (i === 10) damaged.push('not json at all');
      if (i === 50) damaged.push(l.slice(0, l.length >> 1)); // cut short
      if (i === 90) damaged.push(l.replace(/UtcTime>\d/, 'UtcTime>x'));
      if (i === 120) damaged.push(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('latin1')); // not UTF-8 once written
    });
    const file = join(dir, 'damaged.jsonl');
    writeFileSync(file, damaged.join('\n'));
    const one = await expectSameAsOneThread([file]);
    expect(nonAscii).toBeGreaterThan(100);
    expect(one.errors.length).toBeGreaterThanOrEqual(3);
    expect(one.errors.every((e) => typeof e.line === 'number' && e.snippet !== undefined)).toBe(true);
    expect(one.stats.events).toBeGreaterThan(3900);
  }, 60_000);

  it('gzip input (its chunks are copied to shared memory, not read into it)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'proctree-shard-')), 'samples.xml.gz');
    writeFileSync(file, gzipSync(Buffer.concat(SAMPLES.map((f) => readFileSync(f)))));
    const one = await expectSameAsOneThread([file]);
    expect(one.alerts.length).toBeGreaterThan(5);
  });

  it.skipIf(!HAVE_REAL)('the real text exports (XML and JSON lines)', async () => {
    const files = [...realFiles('.python-evtx.xml'), ...realFiles('.evtxexport.txt'), ...realFiles('.jsonl')];
    for (const f of files) await expectSameAsOneThread([f]);
    expect(files.length).toBeGreaterThan(5);
    // Every export three times (1, 2 and 3 threads): on the shared 2-core machine under load 20+ this took over 60 s.
  }, 300_000);
  it.skipIf(!HAVE_REAL)('the real text exports all in one run (what the rules could not judge, merged across workers)', async () => {
    const files = [...realFiles('.python-evtx.xml'), ...realFiles('.evtxexport.txt'), ...SAMPLES];
    const one = await expectSameAsOneThread(files);
    // Hosts with and without a child smss left unjudged land on different workers.
    expect(one.stats.notJudged.filter((n) => n.rule === 'smss.child-no-exit').length).toBeGreaterThan(1);
  }, 120_000);
  if (!HAVE_REAL) it.skip(`real exports: ${REAL_SKIP_REASON}`, () => {});

  it('proctree replay --threads 2 writes what --threads 1 writes, and --stats says the same', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proctree-shard-'));
    const run1 = runCli(['replay', '--threads', '1', '--stats', join(dir, '1.json'), ...SAMPLES]);
    const run2 = runCli(['replay', '--threads', '2', '--stats', join(dir, '2.json'), ...SAMPLES]);
    expect(run2.status).toBe(0);
    const alerts = (out: string) => parseAlerts(out).map(({ detectedAt: _d, ...a }) => a);
    expect(alerts(run2.stdout)).toEqual(alerts(run1.stdout));
    expect(alerts(run1.stdout).length).toBeGreaterThan(5);
    const stats = (f: string) => {
      const { seconds: _s, eventsPerSecond: _e, megabytesPerSecond: _m, ...rest } = JSON.parse(readFileSync(join(dir, f), 'utf8')) as RunStats;
      return rest;
    };
    expect(stats('2.json')).toEqual(stats('1.json'));
  }, 60_000);

  it('is not used for .evtx or standard input', () => {
    expect(shardable(['-'])).toBe(false);
    expect(shardable(['x.evtx'])).toBe(false);
    expect(shardable(SAMPLES)).toBe(true);
  });
});
