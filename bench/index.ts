// Index + rules on events already decoded, and the heap cost of a live process node.

import { readFileSync } from 'node:fs';
import type { Alert } from '../src/alerts/alert.js';
import { DecodeCounters } from '../src/decode/counters.js';
import { SysmonDecoder } from '../src/decode/decoder.js';
import { SysmonEvent } from '../src/decode/event.js';
import { strings } from '../src/decode/intern.js';
import { parsePipeline } from '../src/pipeline/config.js';
import { Engine } from '../src/engine/engine.js';
import { XmlEventFramer } from '../src/sources/files/xml-framer.js';
import { buildCorpus } from './corpus.js';
import { CORPUS_EVENTS, CORPUS_HOSTS, fmt, gc, row, timed } from './util.js';

export async function benchIndex(): Promise<{ eps: number; bytesPerNode: number }> {
  const path = await buildCorpus(CORPUS_EVENTS, CORPUS_HOSTS);
  const bytes = readFileSync(path);
  const counters = new DecodeCounters();
  const decoder = new SysmonDecoder(counters);
  const events: SysmonEvent[] = [];
  const framer = new XmlEventFramer(1 << 20);
  framer.push(bytes, {
    chunk: (s, buf) => decoder.beginChunk(s, buf),
    event: (s, a, b, buf) => {
      const e = decoder.decodeRange(s, a, b, buf);
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

  // Heap per live process node: 200k live processes on 100 hosts, no exits. The events hold
  // what the decoder gives the index: image, user and logon id interned, GUIDs and command lines
  // slices of the input chunk (here one string per 4,096 events, as a 1 MiB chunk would be).
  gc();
  const before = process.memoryUsage().heapUsed;
  const engine = new Engine(parsePipeline({}));
  const synthetic: SysmonEvent[] = [];
  const N = 200_000;
  let chunk = '';
  let at = 0;
  for (let i = 0; i < N; i++) {
    if (i % 4096 === 0) {
      const parts: string[] = [];
      for (let j = i; j < Math.min(N, i + 4096); j++) {
        parts.push(
          `{747f3d96-${(j >>> 16).toString(16).padStart(4, '0')}-5ea4-0000-0010${j.toString(16).padStart(8, '0')}}`,
          `"C:\\Program Files\\App${j % 40}\\app.exe" --instance ${j}`,
          `{747f3d96-0000-5ea4-0000-0010${(j % 100).toString(16).padStart(8, '0')}}`,
        );
      }
      chunk = parts.join('');
      at = 0;
    }
    const slice = (len: number): string => chunk.slice(at, (at += len));
    const e = new SysmonEvent();
    e.eventId = 1;
    e.host = e.hostKey = strings.intern(`host${i % 100}`);
    e.time = 1_700_000_000_000 + i;
    e.processGuid = slice(38);
    e.processId = i & 0xffff;
    e.image = strings.intern(`C:\\Program Files\\App${i % 40}\\app.exe`);
    e.commandLine = slice(`"C:\\Program Files\\App${i % 40}\\app.exe" --instance ${i}`.length);
    e.user = strings.intern('CORP\\alice');
    e.logonId = strings.intern('0x5a3b1');
    e.parentProcessGuid = slice(38);
    e.parentImage = strings.intern('C:\\Windows\\explorer.exe');
    synthetic.push(e);
  }
  chunk = '';
  gc();
  const withEvents = process.memoryUsage().heapUsed;
  engine.process(synthetic, []);
  synthetic.length = 0;
  gc();
  const after = process.memoryUsage().heapUsed;
  const nodes = engine.index.nodeCount;
  const bytesPerNode = (after - before - 0) / nodes;
  row('heap per live process node', `${fmt(bytesPerNode)} B`, `${nodes} nodes on 100 hosts (incl. command lines; events freed; baseline ${fmt((withEvents - before) / 1e6)} MB of events)`);
  return { eps, bytesPerNode };
}
