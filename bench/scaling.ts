// `npm run bench:scaling`: how replay cost grows with fleet size and with work. A generated
// fleet is rendered in memory and fed chunk by chunk (4 MB of Event XML) to the decoder and the
// engine (index + rules): no disk, so the biggest cases fit in minutes. Reported per case:
// replay events/s (CPU time spent in decode + index + rules only), generator events/s,
// peak heap, and index nodes / live processes at the end. Memory must follow live processes,
// not events seen: 1M vs 10M events on the same hosts should end with similar heaps.
//
// The case 1M-live-10k-hosts (run alone: BENCH_CASES=1M-live-10k-hosts) is issue 13's memory
// target: 1M live processes on 10k hosts under 512 MB RSS. Generating and decoding the XML of
// a fleet that size takes an hour on a shared machine, so it feeds process creations as the
// decoder makes them (bench/live-events.ts) straight to the engine and reports heap, RSS and
// heap per node once they are all live.
//
// BENCH_SCALE (default 1) multiplies every case's events; BENCH_CASES picks cases by name.
// BENCH_NO_EXIT (default 0) is the share of hosts that log no EventID 5: on those hosts no
// process is ever known to have exited, so the index grows with the processes started (up to
// index.max_nodes_per_host); the default keeps every host logging exits so that the table
// shows memory against live processes.

import { cpus } from 'node:os';
import type { Alert } from '../src/alerts/alert.js';
import { DecodeCounters } from '../src/decode/counters.js';
import { SysmonDecoder } from '../src/decode/decoder.js';
import { SysmonEvent } from '../src/decode/event.js';
import { parsePipeline } from '../src/pipeline/config.js';
import { Engine } from '../src/engine/engine.js';
import { Fleet } from '../src/generator/fleet.js';
import { CallbackOutput } from '../src/generator/output.js';
import { runFleet } from '../src/generator/run.js';
import { createLiveProcesses } from './live-events.js';
import { fmt, gc, row } from './util.js';

interface Case {
  name: string;
  hosts: number;
  events: number;
  durationSecs: number;
}

const scale = Number(process.env.BENCH_SCALE ?? 1);
const noExit = Number(process.env.BENCH_NO_EXIT ?? 0);
const ALL: Case[] = [
  // Same events per host (~100 over an hour), more hosts.
  { name: '1k-hosts', hosts: 1_000, events: 100_000 * scale, durationSecs: 3600 },
  { name: '10k-hosts', hosts: 10_000, events: 1_000_000 * scale, durationSecs: 3600 },
  { name: '100k-hosts', hosts: 100_000, events: 10_000_000 * scale, durationSecs: 3600 },
  // Same hosts, ten times the work (a ten times longer stretch of event time).
  { name: '10k-hosts-10M', hosts: 10_000, events: 10_000_000 * scale, durationSecs: 36_000 },
];
/** Live processes only, no XML: what a node costs at the scale of the memory target. */
const LIVE: Case = { name: '1M-live-10k-hosts', hosts: 10_000, events: 1_000_000 * scale, durationSecs: 0 };
const pick = process.env.BENCH_CASES?.split(',');
const CASES = pick === undefined ? ALL : ALL.filter((c) => pick.includes(c.name));
const runLive = pick?.includes(LIVE.name) ?? false;

function cpuSeconds(c: NodeJS.CpuUsage): number {
  return (c.user + c.system) / 1e6;
}

async function runCase(c: Case): Promise<void> {
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const config = parsePipeline({});
  const engine = new Engine(config);
  const counters = new DecodeCounters();
  const decoder = new SysmonDecoder(counters);
  const alerts: Alert[] = [];
  let replayCpu = 0;
  let peakHeap = 0;
  let chunks = 0;
  const events: SysmonEvent[] = [];
  const onChunk = (buf: Buffer): void => {
    const c0 = process.cpuUsage();
    const s = buf.toString('latin1');
    decoder.beginChunk(s, buf);
    events.length = 0;
    let a = 0;
    for (;;) {
      const b = s.indexOf('\n', a);
      if (b < 0) break;
      const r = decoder.decodeRange(s, a, b, buf);
      if (r instanceof SysmonEvent) events.push(r);
      a = b + 1;
    }
    engine.process(events, alerts);
    alerts.length = 0;
    replayCpu += cpuSeconds(process.cpuUsage(c0));
    // Heap is sampled every few chunks: reading it is cheap, but not free.
    if ((chunks++ & 3) === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  };
  const fleet = new Fleet({ hosts: c.hosts, durationSecs: c.durationSecs, hostEventsPerSec: (1.1 * c.events) / (c.hosts * c.durationSecs), seed: 42, noExitFraction: noExit });
  const out = new CallbackOutput(onChunk);
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const result = await runFleet(fleet, out, { maxEvents: c.events });
  await out.close();
  engine.finish(alerts);
  const totalCpu = cpuSeconds(process.cpuUsage(c0));
  const wall = (performance.now() - w0) / 1000;
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  const genCpu = totalCpu - replayCpu;
  row(
    `${c.name} (${fmt(c.hosts)} hosts, ${fmt(result.events)} ev)`,
    `${fmt(result.events / replayCpu)} ev/s`,
    `peak heap ${fmt((peakHeap - heapBefore) / 1e6)} MB; nodes ${fmt(engine.index.nodeCount)}, live ${fmt(engine.index.liveProcesses)}; ` +
      `${fmt(result.bytes / result.events)} B/ev; generator ${fmt(result.events / genCpu)} ev/s; wall ${wall.toFixed(0)} s; ${engine.alertCount} alerts`,
  );
}

function runLiveCase(c: Case): void {
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const engine = new Engine(parsePipeline({}));
  const c0 = process.cpuUsage();
  createLiveProcesses(engine, c.events, c.hosts);
  const cpu = cpuSeconds(process.cpuUsage(c0));
  gc();
  const m = process.memoryUsage();
  const nodes = engine.index.nodeCount;
  row(
    `${c.name} (${fmt(c.hosts)} hosts, ${fmt(c.events)} creations)`,
    `RSS ${fmt(m.rss / 1e6)} MB`,
    `peak RSS ${fmt((process.resourceUsage().maxRSS * 1024) / 1e6)} MB; heap ${fmt(m.heapUsed / 1e6)} MB, ${fmt((m.heapUsed - heapBefore) / nodes)} B per node; ` +
      `nodes ${fmt(nodes)}, live ${fmt(engine.index.liveProcesses)}; ${fmt(c.events / cpu)} creations/s (index + rules)`,
  );
}

console.log(`sysmon-proctree scaling — node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}; scale ${scale}, hosts without exits ${noExit}; replay ev/s = CPU time of decode + index + rules on in-memory Event XML`);
for (const c of CASES) await runCase(c);
if (runLive) runLiveCase(LIVE);
