// EVTX read throughput: records/s and MB/s of readEvtxFile (records -> typed events through
// buildEvent) on one core and on worker threads, next to the XML path on the same records
// (their Windows Event XML rendering, one event per line, through the core's XML replay source,
// and through fast-xml-parser + buildEvent). Peak RSS shows memory stays flat with file size.
//
//   npx vite-node bench/evtx.ts [--mb 256] [--workers 2] [--runs 3]
//
// The input is built from the real samples' chunks (../shared/samples/real), repeated up to the
// requested size, in bench/out/ (git-ignored).

import { mkdirSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { DecodeCounters } from '../src/decode/counters.js';
import { buildEvent } from '../src/decode/fields.js';
import type { SysmonFieldName } from '../src/decode/event.js';
import { EvtxReadStats, readEvtxFile } from '../src/sources/evtx/reader.js';
import { dumpRecords } from '../src/sources/evtx/dump.js';
import { renderXml } from '../src/sources/evtx/render.js';
import { readFiles } from '../src/sources/files/read-files.js';

const CHUNK = 65536;
const HEAD = 4096;

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const root = fileURLToPath(new URL('../', import.meta.url));
const samples = path.resolve(root, '../shared/samples/real');
const outDir = path.join(root, 'bench/out');

/** Header of the first sample, then the used chunks of the Sysmon samples repeated to size. */
function buildInput(mb: number): string {
  const file = path.join(outDir, `evtx-bench-${mb}mb.evtx`);
  if (existsSync(file)) return file;
  mkdirSync(outDir, { recursive: true });
  const sources = ['omerbenamram_sysmon.evtx', 'privesc_unquoted_svc_sysmon_1_11.evtx', 'DE_sysmon-3-rdp-tun.evtx'].map((f) => readFileSync(path.join(samples, f)));
  const chunks: Buffer[] = [];
  for (const s of sources) {
    for (let off = HEAD; off + CHUNK <= s.length; off += CHUNK) if (s.toString('latin1', off, off + 7) === 'ElfChnk') chunks.push(s.subarray(off, off + CHUNK));
  }
  const count = Math.ceil((mb * 1024 * 1024) / CHUNK);
  const out = Buffer.alloc(HEAD + count * CHUNK);
  sources[0].copy(out, 0, 0, HEAD);
  for (let i = 0; i < count; i++) chunks[i % chunks.length].copy(out, HEAD + i * CHUNK);
  writeFileSync(file, out);
  return file;
}

async function evtxRun(file: string, workers: number): Promise<{ secs: number; records: number; events: number }> {
  const stats = new EvtxReadStats();
  const counters = new DecodeCounters();
  let events = 0;
  const t0 = process.hrtime.bigint();
  for await (const b of readEvtxFile(file, { counters, workers, stats })) events += b.events.length;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return { secs, records: stats.records, events };
}

/** The same records as one-line Windows Event XML, in a file (up to 128 MiB of XML). */
async function xmlInput(file: string): Promise<{ path: string; records: number; bytes: number }> {
  const out = file.replace(/\.evtx$/, '.xml');
  const lines: string[] = [];
  let bytes = 0;
  for await (const it of dumpRecords(file)) {
    if (!it.record) continue;
    const line = renderXml(it.record.event);
    lines.push(line);
    bytes += Buffer.byteLength(line) + 1;
    if (bytes > 128 * 1024 * 1024) break;
  }
  writeFileSync(out, lines.join('\n') + '\n');
  return { path: out, records: lines.length, bytes };
}

/** The core's XML replay source (framer + fast scanner + buildEvent) on that file. */
async function xmlRun(file: string): Promise<{ secs: number; events: number }> {
  const counters = new DecodeCounters();
  let events = 0;
  const t0 = process.hrtime.bigint();
  for await (const b of readFiles([file], { counters, maxEventBytes: 1 << 20 })) events += b.events.length;
  return { secs: Number(process.hrtime.bigint() - t0) / 1e9, events };
}

/** fast-xml-parser + buildEvent on the same lines: the alternative a user would reach for. */
function fxpRun(text: string): { secs: number; events: number } {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, parseAttributeValue: false });
  const counters = new DecodeCounters();
  let events = 0;
  const text_ = (v: unknown): string => (typeof v === 'string' ? v : v && typeof v === 'object' ? String((v as { '#text'?: string })['#text'] ?? '') : '');
  const t0 = process.hrtime.bigint();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const doc = parser.parse(line) as { Event: { System: Record<string, unknown>; EventData?: { Data?: { Name: string; '#text'?: string }[] | { Name: string; '#text'?: string } } } };
    const s = doc.Event.System;
    const data = new Map<string, string>();
    const d = doc.Event.EventData?.Data;
    for (const x of Array.isArray(d) ? d : d ? [d] : []) data.set(x.Name, x['#text'] ?? '');
    const r = buildEvent(
      { eventId: Number(text_(s.EventID)), computer: text_(s.Computer), recordId: Number(text_(s.EventRecordID)), provider: (s.Provider as { Name?: string }).Name ?? '', channel: text_(s.Channel) },
      (n: SysmonFieldName) => data.get(n),
      counters,
    );
    if (r !== null && !('reason' in r)) events++;
  }
  return { secs: Number(process.hrtime.bigint() - t0) / 1e9, events };
}

let peakRss = 0;
const rssTimer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);
rssTimer.unref();

const mb = arg('mb', 256);
const workers = arg('workers', 2);
const runs = arg('runs', 3);
const file = buildInput(mb);
const size = statSync(file).size;
console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, node ${process.version}; input ${(size / 1048576).toFixed(0)} MiB (${file})`);
for (const w of [1, workers]) {
  let best = { secs: Infinity, records: 0, events: 0 };
  for (let i = 0; i < runs; i++) {
    const r = await evtxRun(file, w);
    if (r.secs < best.secs) best = r;
  }
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  console.log(`evtx  workers=${w}: ${(best.records / best.secs / 1000).toFixed(0)}k records/s, ${(size / 1048576 / best.secs).toFixed(1)} MB/s (${best.records} records, ${best.events} events, best of ${runs})`);
}
console.log(`peak RSS during the EVTX runs: ${(peakRss / 1048576).toFixed(0)} MiB (input ${(size / 1048576).toFixed(0)} MiB)`);
const xml = await xmlInput(file);
let bestX = { secs: Infinity, events: 0 };
for (let i = 0; i < runs; i++) {
  const r = await xmlRun(xml.path);
  if (r.secs < bestX.secs) bestX = r;
}
console.log(`xml   core replay source on the same records as one-line XML (${(xml.bytes / 1048576).toFixed(0)} MiB): ${(xml.records / bestX.secs / 1000).toFixed(0)}k records/s, ${(xml.bytes / 1048576 / bestX.secs).toFixed(1)} MB/s of XML (${bestX.events} events, best of ${runs})`);
const sampleText = readFileSync(xml.path, 'utf8').slice(0, 16 * 1024 * 1024);
const fx = fxpRun(sampleText.slice(0, sampleText.lastIndexOf('\n')));
const fxRecords = sampleText.split('\n').length - 1;
console.log(`xml   fast-xml-parser + buildEvent (first 16 MiB): ${(fxRecords / fx.secs / 1000).toFixed(0)}k records/s, ${(16 / fx.secs).toFixed(1)} MB/s of XML`);
