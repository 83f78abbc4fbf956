// Decode: the fast path (framing + scanner, bytes in memory) against fast-xml-parser alone.

import { readFileSync } from 'node:fs';
import { DecodeCounters } from '../src/decode/counters.js';
import { SysmonDecoder } from '../src/decode/decoder.js';
import { decodeWithReferenceParser } from '../src/decode/reference-xml.js';
import { XmlEventFramer, type FrameSink } from '../src/sources/files/xml-framer.js';
import { buildCorpus } from './corpus.js';
import { CORPUS_EVENTS, CORPUS_HOSTS, fmt, row, timed } from './util.js';

/** The fast path over a stream of input blocks: framing + scanner, every event decoded, nothing kept. */
export function decodeBlocks(blocks: Iterable<Buffer>): { events: number; typed: number } {
  const counters = new DecodeCounters();
  const decoder = new SysmonDecoder(counters);
  let typed = 0;
  const sink: FrameSink = {
    chunk: (buf) => decoder.beginBytes(buf),
    event: (a, b, buf) => {
      if (decoder.decodeBytes(a, b, buf) !== null) typed++;
    },
    error: () => {},
  };
  const framer = new XmlEventFramer(1 << 20);
  for (const block of blocks) framer.push(block, sink);
  framer.end(sink);
  return { events: counters.sysmonEvents, typed };
}

export async function benchDecode(): Promise<{ fastEps: number; fxpEps: number }> {
  const path = await buildCorpus(CORPUS_EVENTS, CORPUS_HOSTS);
  const bytes = readFileSync(path);
  const CHUNK = 1 << 20;

  const fastPass = (): { events: number; typed: number } => {
    const blocks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += CHUNK) blocks.push(bytes.subarray(i, i + CHUNK));
    return decodeBlocks(blocks);
  };
  fastPass(); // warm-up
  const { value: f, cpu, wall } = await timed(fastPass);
  const fastEps = f.events / cpu;
  row('decode, fast path (all EventIDs)', `${fmt(fastEps)} ev/s`, `${fmt(bytes.length / 1e6 / cpu)} MB/s; wall ${fmt(f.events / wall)} ev/s; ${f.typed} of ${f.events} typed, ${fmt(bytes.length / f.events)} B/event`);

  // fast-xml-parser alone, on the same events (a sample: it is ~30x slower).
  const text = bytes.toString('utf8', 0, Math.min(bytes.length, 40 << 20));
  const events: string[] = [];
  for (let i = text.indexOf('<Event '); i !== -1 && events.length < 20_000; ) {
    const end = text.indexOf('</Event>', i);
    if (end === -1) break;
    events.push(text.slice(i, end + 8));
    i = text.indexOf('<Event ', end);
  }
  const counters = new DecodeCounters();
  for (let i = 0; i < 2000; i++) decodeWithReferenceParser(events[i], counters);
  const { cpu: fxpCpu } = await timed(() => {
    for (const e of events) decodeWithReferenceParser(e, counters);
  });
  const fxpEps = events.length / fxpCpu;
  row('decode, fast-xml-parser alone', `${fmt(fxpEps)} ev/s`, `on ${events.length} of the same events`);
  row('  fast path / fast-xml-parser', `${(fastEps / fxpEps).toFixed(1)}x`);
  return { fastEps, fxpEps };
}
