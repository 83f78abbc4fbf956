// The EVTX reader's stages in process, on the bench file of bench/evtx.ts (build it first with
// `npm run bench:evtx`): CPU seconds, min and median of 7 runs, warm (the JIT has compiled the hot
// paths after the first), and the first run on its own (the JIT's warm-up: the first stage in a
// process is the one that pays for it). For A/Bs of per-record changes, where whole processes are
// too noisy on a shared machine: build both trees and run them in turn.
//
//   npx tsc -p tsconfig.bench.json && node build-bench/bench/evtx-stages.js [crc] [parse] [read] [dump]
//
// crc: CRC-32 of every chunk's records; parse: parseBlock per MiB (chunks to record cells);
// read: readEvtxFile (file to typed events through buildEvent); dump: dumpXml (evtx-dump's XML,
// into a reused buffer).

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DecodeCounters } from '../src/decode/counters.js';
import { parseBlock } from '../src/sources/evtx/block.js';
import { ByteSink } from '../src/sources/evtx/byte-sink.js';
import { crc32 } from '../src/sources/evtx/crc32.js';
import { dumpXml } from '../src/sources/evtx/dump.js';
import { readEvtxFile } from '../src/sources/evtx/reader.js';
import { OUT_DIR } from './corpus.js';

const file = resolve(OUT_DIR, `evtx-bench-${Number(process.env.BENCH_EVTX_MB ?? 128)}mb.evtx`);
const buf = readFileSync(file);
const sink = new ByteSink(Buffer.allocUnsafe(4 << 20));
const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const stages: Record<string, () => unknown> = {
  crc() {
    for (let off = 4096; off + 65536 <= buf.length; off += 65536) crc32(buf, off + 512, off + 65536);
  },
  parse() {
    let n = 0;
    for (let off = 4096; off < buf.length; off += 1 << 20) n += parseBlock(buf.subarray(off, Math.min(off + (1 << 20), buf.length)), (off - 4096) / 65536, off, false).records;
    return n;
  },
  async read() {
    let n = 0;
    for await (const b of readEvtxFile(file, { counters: new DecodeCounters() })) n += b.events.length;
    return n;
  },
  dump: () => dumpXml(file, {}, sink, async () => void (sink.pos = 0)),
};

const only = process.argv.slice(2);
for (const [name, fn] of Object.entries(stages)) {
  if (only.length > 0 && !only.includes(name)) continue;
  const ts: number[] = [];
  for (let r = 0; r < 7; r++) {
    const c = cpu();
    await fn();
    ts.push(cpu() - c);
  }
  const first = ts[0];
  ts.sort((a, b) => a - b);
  console.log(`${name.padEnd(6)} min ${ts[0].toFixed(3)} median ${ts[3].toFixed(3)} CPU-s (first run ${first.toFixed(3)})`);
}
