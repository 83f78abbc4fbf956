// Index + rules on the corpus's EventID 1 and 13 events, with the smss rules alone and with every
// core process baseline of pipelines/replay.yaml, passes alternating in one process so that the
// ratio holds however the machine's speed drifts. Issue 16's bound: within 15% of smss-only.
// The input is BENCH_INPUT (Sysmon XML, e.g. a `proctree generate` fleet), else the benchmark
// corpus, whose churn starts svchost.exe from arbitrary parents: there the baselines raise an
// alert on about one event in thirteen, a worst case rather than a fleet.
//   npx tsc -p tsconfig.bench.json && flock /tmp/bench.lock node --expose-gc build-bench/bench/baselines.js

import { closeSync, openSync, readSync } from 'node:fs';
import type { Alert } from '../src/alerts/alert.js';
import { DecodeCounters } from '../src/decode/counters.js';
import { SysmonDecoder } from '../src/decode/decoder.js';
import { SysmonEvent } from '../src/decode/event.js';
import { Engine } from '../src/engine/engine.js';
import { loadPipeline, parsePipeline, type PipelineConfig } from '../src/pipeline/config.js';
import { XmlEventFramer } from '../src/sources/files/xml-framer.js';
import { buildCorpus } from './corpus.js';
import { CORPUS_EVENTS, CORPUS_HOSTS, fmt, gc, row } from './util.js';

const PAIRS = Number(process.env.BENCH_PAIRS ?? 12);

function decode(path: string): SysmonEvent[] {
  const decoder = new SysmonDecoder(new DecodeCounters());
  const events: SysmonEvent[] = [];
  const framer = new XmlEventFramer(1 << 20);
  const sink = {
    chunk: (buf: Buffer) => decoder.beginBytes(buf),
    event: (a: number, b: number, buf: Buffer) => {
      const e = decoder.decodeBytes(a, b, buf);
      if (e instanceof SysmonEvent && (e.eventId === 1 || e.eventId === 13)) events.push(e);
    },
    error: () => {},
  };
  // In slices: a fleet file is larger than the longest string V8 makes.
  const fd = openSync(path, 'r');
  for (;;) {
    const buf = Buffer.allocUnsafe(16 << 20);
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    framer.push(buf.subarray(0, n), sink);
  }
  framer.end(sink);
  closeSync(fd);
  return events;
}

/** CPU seconds of one pass of index + rules over the batches, and the alerts it raised. */
function pass(config: PipelineConfig, batches: SysmonEvent[][]): { secs: number; alerts: number } {
  gc();
  const engine = new Engine(config);
  const alerts: Alert[] = [];
  const t0 = process.cpuUsage();
  for (const b of batches) engine.process(b, alerts);
  engine.finish(alerts);
  const d = process.cpuUsage(t0);
  return { secs: (d.user + d.system) / 1e6, alerts: alerts.length };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const input = process.env.BENCH_INPUT ?? (await buildCorpus(CORPUS_EVENTS, CORPUS_HOSTS));
const events = decode(input);
console.log(`input: ${input}`);
const batches: SysmonEvent[][] = [];
for (let i = 0; i < events.length; i += 4096) batches.push(events.slice(i, i + 4096));
const smssOnly = parsePipeline({});
// BENCH_AA=1: smss only in both columns, to see the pairing's own bias (the ratio should be ~1).
const withBaselines = process.env.BENCH_AA === '1' ? parsePipeline({}) : await loadPipeline(new URL('../../pipelines/replay.yaml', import.meta.url).pathname);
pass(smssOnly, batches); // warm-up of both
pass(withBaselines, batches);
const a: number[] = [];
const b: number[] = [];
const ratios: number[] = [];
let alerts = { smss: 0, all: 0 };
for (let i = 0; i < PAIRS; i++) {
  // A B, then B A: whichever runs second in a pair does not always run with the same heap.
  const [s, w] = i % 2 === 0 ? [pass(smssOnly, batches), pass(withBaselines, batches)] : [pass(withBaselines, batches), pass(smssOnly, batches)].reverse();
  a.push(events.length / s.secs);
  b.push(events.length / w.secs);
  ratios.push(s.secs / w.secs);
  alerts = { smss: s.alerts, all: w.alerts };
}
row('index + rules, EventID 1/13, smss only', `${fmt(median(a))} ev/s`, `${events.length} typed events, ${alerts.smss} alerts`);
row('index + rules, EventID 1/13, + 8 baselines', `${fmt(median(b))} ev/s`, `${alerts.all} alerts`);
row('rate with baselines / smss only', median(ratios).toFixed(3), `median of ${PAIRS} paired passes (min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)})`);
