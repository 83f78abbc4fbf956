// Index + rules on events already decoded, and the heap cost of a live process node.

import { readFileSync } from 'node:fs';
import type { Alert } from '../src/alerts/alert.js';
import { DecodeCounters } from '../src/decode/counters.js';
import { SysmonDecoder } from '../src/decode/decoder.js';
import { SysmonEvent } from '../src/decode/event.js';
import { parsePipeline } from '../src/pipeline/config.js';
import { Engine } from '../src/engine/engine.js';
import { XmlEventFramer } from '../src/sources/files/xml-framer.js';
import { buildCorpus } from './corpus.js';
import { createLiveProcesses } from './live-events.js';
import { CORPUS_EVENTS, CORPUS_HOSTS, fmt, gc, row, timed } from './util.js';

export async function benchIndex(): Promise<{ eps: number; bytesPerNode: number }> {
  const path = await buildCorpus(CORPUS_EVENTS, CORPUS_HOSTS);
  const bytes = readFileSync(path);
  const counters = new DecodeCounters();
  const decoder = new SysmonDecoder(counters);
  const events: SysmonEvent[] = [];
  const framer = new XmlEventFramer(1 << 20);
  framer.push(bytes, {
    chunk: (buf) => decoder.beginBytes(buf),
    event: (a, b, buf) => {
      const e = decoder.decodeBytes(a, b, buf);
      if (e instanceof SysmonEvent) events.push(e);
    },
    error: () => {},
  });
  const config = parsePipeline({});
  const batches: SysmonEvent[][] = [];
  for (let i = 0; i < events.length; i += 4096) batches.push(events.slice(i, i + 4096));
  const pass = (): void => {
    const engine = new Engine(config);
    const alerts: Alert[] = [];
    for (const b of batches) engine.process(b, alerts);
    engine.finish(alerts);
  };
  pass();
  const { cpu: secs } = await timed(pass);
  const all = counters.sysmonEvents / 2; // decoded once above, counted per pass of the framer
  const eps = events.length / secs;
  row('index + rules (typed events)', `${fmt(eps)} ev/s`, `${events.length} typed events; ${fmt(all / secs)} ev/s of the whole mix`);

  // Heap per live process node: 200k live processes on 100 hosts, no exits, fed as the decoder
  // makes events (bench/live-events.ts).
  gc();
  const before = process.memoryUsage().heapUsed;
  const engine = new Engine(parsePipeline({}));
  createLiveProcesses(engine, 200_000, 100);
  gc();
  const after = process.memoryUsage().heapUsed;
  const nodes = engine.index.nodeCount;
  const bytesPerNode = (after - before - 0) / nodes;
  row('heap per live process node', `${fmt(bytesPerNode)} B`, `${nodes} nodes on 100 hosts (incl. command lines of ~50 characters; events freed)`);
  return { eps, bytesPerNode };
}
