// `npm run bench:generate`: generator throughput, per CPU-second of this single-threaded process
// (one core), rendering Event XML into memory (chunks dropped, their buffers reused as a file output does) and into a file in bench/out/
// (the CLI's O_DIRECT output, and the buffered write stream it falls back to); then the CLI end
// to end (start-up, fleet, events, labels) pinned to one core with taskset.
// BENCH_GEN_EVENTS (default 2,000,000) events per case.

import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Fleet } from '../src/generator/fleet.js';
import { formatter, type OutputFormat } from '../src/generator/formats.js';
import { DirectFileOutput, openFileOutput } from '../src/generator/direct-file.js';
import { CallbackOutput, StreamOutput, type EventOutput } from '../src/generator/output.js';
import { runFleet } from '../src/generator/run.js';
import { fmt, row, timed } from './util.js';

const EVENTS = Number(process.env.BENCH_GEN_EVENTS ?? 2_000_000);

async function one(name: string, hosts: number, output: () => EventOutput): Promise<void> {
  // One hour of event time: boots are a few percent of the events, as in a steady fleet.
  const fleet = new Fleet({ hosts, durationSecs: 3600, hostEventsPerSec: (1.1 * EVENTS) / (hosts * 3600), seed: 7 });
  const out = output();
  const { value, cpu, wall } = await timed(async () => {
    const r = await runFleet(fleet, out, { maxEvents: EVENTS });
    await out.close();
    return r;
  });
  row(`generate ${name}, ${fmt(hosts)} hosts`, `${fmt(value.events / cpu)} ev/s`, `${fmt(value.bytes / 1e6 / cpu)} MB/s; wall ${fmt(value.events / wall)} ev/s; ${fmt(value.bytes / value.events)} B/ev`);
}

const dir = new URL('./out/', import.meta.url);
mkdirSync(dir, { recursive: true });
const file = new URL('generated.xml', dir).pathname;
console.log(`sysmon-proctree generator — ${fmt(EVENTS)} events per case`);
for (const hosts of [100, 1_000, 10_000]) await one('XML to memory', hosts, () => new CallbackOutput(() => undefined, null, true));
await one('XML to a file (O_DIRECT)', 1_000, () => {
  const out = openFileOutput(file);
  if (!(out instanceof DirectFileOutput)) console.log(`(${file}: O_DIRECT refused, buffered stream used)`);
  return out;
});
await one('XML to a file (buffered stream)', 1_000, () => new StreamOutput(file));
for (const f of ['winlogbeat', 'nxlog-xml', 'nxlog-json'] as OutputFormat[]) await one(`${f} to memory`, 1_000, () => new CallbackOutput(() => undefined, formatter(f), true));
rmSync(file, { force: true });

/** `proctree generate -o FILE` as a user runs it, every thread on core 0: events per second of wall time. */
function cliOnOneCore(hosts: number): void {
  const bin = fileURLToPath(new URL('../../bin/proctree.js', import.meta.url));
  const args = [bin, 'generate', '--hosts', String(hosts), '--events', String(EVENTS), '--seed', '7', '-q', '-o', file];
  const pinned = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  const t0 = process.hrtime.bigint();
  const r = pinned ? spawnSync('taskset', ['-c', '0', process.execPath, ...args], { stdio: 'inherit' }) : spawnSync(process.execPath, args, { stdio: 'inherit' });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  rmSync(file, { force: true });
  rmSync(file.replace(/\.xml$/, '.labels.jsonl'), { force: true });
  if (r.status !== 0) throw new Error(`proctree generate exited with ${r.status}`);
  row(`CLI -o FILE, ${fmt(hosts)} hosts, ${pinned ? 'one core' : 'NOT pinned (no taskset)'}`, `${fmt(EVENTS / wall)} ev/s`, `wall ${wall.toFixed(2)} s end to end (start-up, fleet, labels included)`);
}
for (const hosts of [100, 1_000, 10_000]) cliOnOneCore(hosts);
