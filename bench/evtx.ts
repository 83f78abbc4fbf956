// EVTX read throughput: records/s and MB/s of readEvtxFile (records -> typed events through
// buildEvent) on one core and on worker threads, next to the XML path on the same records
// (their Windows Event XML rendering, one event per line, decoded by fast-xml-parser + buildEvent).
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

/** The same records as one-line Windows Event XML (first 64 MiB of the input is plenty). */
async function xmlInput(file: string): Promise<{ text: string; records: number }> {
  const lines: string[] = [];
  let bytes = 0;
  for await (const it of dumpRecords(file)) {
    if (!it.record) continue;
    const line = renderXml(it.record.event);
    lines.push(line);
    bytes += line.length;
    if (bytes > 64 * 1024 * 1024) break;
  }
  return { text: lines.join('\n'), records: lines.length };
}

function xmlRun(text: string): { secs: number; events: number } {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, parseAttributeValue: false });
  const counters = new DecodeCounters();
  let events = 0;
  const t0 = process.hrtime.bigint();
  for (const line of text.split('\n')) {
    const doc = parser.parse(line) as { Event: { System: Record<string, unknown>; EventData?: { Data?: { Name: string; '#text'?: string }[] } } };
    const s = doc.Event.System as Record<string, { Name?: string; '#text'?: string } | string>;
    const text = (v: unknown): string => (typeof v === 'string' ? v : v && typeof v === 'object' ? String((v as { '#text'?: string })['#text'] ?? '') : '');
    const data = new Map<string, string>();
    for (const d of doc.Event.EventData?.Data ?? []) data.set(d.Name, d['#text'] ?? '');
    const r = buildEvent(
      { eventId: Number(text(s.EventID)), computer: text(s.Computer), recordId: Number(text(s.EventRecordID)), provider: (s.Provider as { Name?: string }).Name ?? '', channel: text(s.Channel) },
      (n: SysmonFieldName) => data.get(n),
      counters,
    );
    if (r !== null && !('reason' in r)) events++;
  }
  return { secs: Number(process.hrtime.bigint() - t0) / 1e9, events };
}

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
  console.log(`evtx  workers=${w}: ${(best.records / best.secs / 1000).toFixed(0)}k records/s, ${(size / 1048576 / best.secs).toFixed(1)} MB/s (${best.records} records, ${best.events} events, best of ${runs})`);
}
const xml = await xmlInput(file);
const xr = xmlRun(xml.text);
console.log(`xml (fast-xml-parser + buildEvent, same records as one-line XML): ${(xml.records / xr.secs / 1000).toFixed(0)}k records/s, ${(Buffer.byteLength(xml.text) / 1048576 / xr.secs).toFixed(1)} MB/s of XML`);
