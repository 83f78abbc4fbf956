// EVTX: readEvtxFile end to end (records -> typed events through buildEvent) on one thread and
// on two worker threads, next to the XML path on the same records (their one-line Windows Event
// XML through the core's replay source, and fast-xml-parser alone). Part of `npm run bench`;
// alone: `npm run bench:evtx` (BENCH_EVTX_MB sets the input size, default 128).
//
// The input repeats the used chunks of the real Sysmon samples (../shared/samples/real) up to
// the size asked, in bench/out/ (git-ignored). Skipped, saying why, when the samples are absent.

import { existsSync, readFileSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DecodeCounters } from '../src/decode/counters.js';
import { decodeWithReferenceParser } from '../src/decode/reference-xml.js';
import { dumpRecords } from '../src/sources/evtx/dump.js';
import { EvtxReadStats, readEvtxFile } from '../src/sources/evtx/reader.js';
import { renderXml } from '../src/sources/evtx/render.js';
import { readEvents } from '../src/pipeline/read-events.js';
import { OUT_DIR } from './corpus.js';
import { fmt, row, timed } from './util.js';
import { canMeasureProcesses, timeInterleaved } from './whole-process.js';

const CHUNK = 65536;
const HEAD = 4096;
/** Run from the repo root, like the other benchmarks (the compiled copy lives in build-bench/). */
const SHARED_REAL = resolve(process.cwd(), '..', 'shared', 'samples', 'real');
const SOURCES = ['omerbenamram_sysmon.evtx', 'privesc_unquoted_svc_sysmon_1_11.evtx', 'DE_sysmon-3-rdp-tun.evtx'];

/** The first sample's file header, then the samples' used chunks repeated to size. */
function buildInput(mb: number): string | null {
  if (!SOURCES.every((f) => existsSync(resolve(SHARED_REAL, f)))) return null;
  const file = resolve(OUT_DIR, `evtx-bench-${mb}mb.evtx`);
  if (existsSync(file)) return file;
  mkdirSync(OUT_DIR, { recursive: true });
  const sources = SOURCES.map((f) => readFileSync(resolve(SHARED_REAL, f)));
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

async function readAll(file: string, workers: number): Promise<{ records: number; events: number }> {
  const stats = new EvtxReadStats();
  let events = 0;
  for await (const b of readEvtxFile(file, { counters: new DecodeCounters(), workers, stats })) events += b.events.length;
  return { records: stats.records, events };
}

/** The same records as one-line Windows Event XML (up to 64 MiB of it). */
async function xmlOf(file: string): Promise<{ path: string; lines: string[]; bytes: number }> {
  const path = file.replace(/\.evtx$/, '.xml');
  const lines: string[] = [];
  let bytes = 0;
  for await (const it of dumpRecords(file)) {
    if (!it.record) continue;
    const line = renderXml(it.record.event);
    lines.push(line);
    bytes += Buffer.byteLength(line) + 1;
    if (bytes > 64 << 20) break;
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return { path, lines, bytes };
}

/** The Rust evtx crate's evtx_dump: $EVTX_DUMP, else on PATH, else ~/.cargo/bin; null when absent. */
function findEvtxDump(): string | null {
  const candidates = [process.env.EVTX_DUMP, ...(process.env.PATH ?? '').split(delimiter).map((d) => resolve(d, 'evtx_dump')), resolve(homedir(), '.cargo', 'bin', 'evtx_dump')];
  for (const c of candidates) if (c !== undefined && c !== '' && existsSync(c)) return c;
  return null;
}

/** The small input beside the main one: what a run costs that does not grow with the file. */
const SMALL_MB = 16;

/**
 * Whole processes on one core (taskset -c 0), as a user runs them: `proctree replay FILE -q`,
 * `proctree evtx-dump FILE` and `evtx_dump -t 1 -o xml FILE` (crates.io: cargo install evtx),
 * output to /dev/null, medians of BENCH_RUNS interleaved runs. Issue 13: replay and evtx-dump at
 * most 3x evtx_dump's CPU. Each also runs on a 16 MiB file of the same chunks, so that its CPU
 * splits into a part that does not grow with the file (start-up, the compiler warming up) and
 * one per MiB: two lines through two points.
 */
async function benchEvtxProcesses(file: string, records: number): Promise<void> {
  const evtxDump = findEvtxDump();
  if (evtxDump === null) {
    row('evtx vs evtx_dump', 'skipped', 'evtx_dump not found (cargo install evtx; or set EVTX_DUMP=/path/to/evtx_dump)');
    return;
  }
  if (!canMeasureProcesses) {
    row('evtx vs evtx_dump', 'skipped', 'no /proc/self/stat to read child CPU time from');
    return;
  }
  const proctree = resolve(process.cwd(), 'bin', 'proctree.js');
  const small = buildInput(SMALL_MB)!;
  const bigMib = statSync(file).size / 1048576;
  const smallMib = statSync(small).size / 1048576;
  const tools = [
    { name: 'evtx_dump', cmd: evtxDump, args: (f: string) => ['-t', '1', '-o', 'xml', f] },
    { name: 'replay', cmd: process.execPath, args: (f: string) => [proctree, 'replay', f, '-q', '--no-progress'] },
    { name: 'evtx-dump', cmd: process.execPath, args: (f: string) => [proctree, 'evtx-dump', f] },
  ];
  const t = await timeInterleaved(
    tools.flatMap((x) => [
      { name: x.name, cmd: x.cmd, args: x.args(file), pin: '0' },
      { name: `${x.name} small`, cmd: x.cmd, args: x.args(small), pin: '0' },
    ]),
    Number(process.env.BENCH_RUNS ?? 3),
  );
  const base = t.get('evtx_dump')!;
  /** CPU seconds per MiB, and what is left at 0 MiB. */
  const line = (name: string): { perMib: number; fixed: number } => {
    const big = t.get(name)!.cpu;
    const perMib = (big - t.get(`${name} small`)!.cpu) / (bigMib - smallMib);
    return { perMib, fixed: big - perMib * bigMib };
  };
  const baseLine = line('evtx_dump');
  const show = (name: string, label: string): void => {
    const x = t.get(name)!;
    const ratio = x.cpu / base.cpu;
    row(label, `${x.cpu.toFixed(2)} CPU-s`, `${x.wall.toFixed(2)} s wall, ${fmt(records / x.cpu)} rec/s per CPU-second${name === 'evtx_dump' ? '' : `; ${ratio.toFixed(1)}x evtx_dump's CPU, target <= 3x: ${ratio <= 3 ? 'met' : 'NOT met'}`}`);
    const l = line(name);
    const vs = name === 'evtx_dump' ? '' : `; per MiB ${(l.perMib / baseLine.perMib).toFixed(1)}x evtx_dump's, the fixed part alone ${(l.fixed / base.cpu).toFixed(1)}x evtx_dump's whole run`;
    row('  fixed + per MiB', `${l.fixed.toFixed(2)} + ${(l.perMib * 1000).toFixed(2)} ms/MiB`, `CPU-s, from this file and a ${SMALL_MB} MiB one${vs}`);
  };
  show('evtx_dump', 'evtx_dump -t 1 -o xml, whole process, 1 core');
  show('replay', 'proctree replay FILE.evtx, whole process, 1 core');
  show('evtx-dump', 'proctree evtx-dump FILE.evtx, whole process, 1 core');
}

export async function benchEvtx(): Promise<{ oneCoreMBps: number; speedup: number } | null> {
  const mb = Number(process.env.BENCH_EVTX_MB ?? 128);
  const file = buildInput(mb);
  if (file === null) {
    row('evtx', 'skipped', `real samples not found in ${SHARED_REAL}`);
    return null;
  }
  const size = statSync(file).size;
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  await readAll(file, 1); // warm-up (and page cache)
  const one = await timed(() => readAll(file, 1));
  row('evtx, 1 thread', `${fmt(one.value.records / one.cpu)} rec/s`, `${fmt(size / 1048576 / one.cpu)} MB/s per CPU-second; wall ${fmt(one.value.records / one.wall)} rec/s, ${fmt(size / 1048576 / one.wall)} MB/s; ${(size / 1048576).toFixed(0)} MiB, ${one.value.events} of ${one.value.records} records typed`);
  const two = await timed(() => readAll(file, 2));
  const speedup = one.wall / two.wall;
  row('evtx, 2 worker threads (wall clock)', `${fmt(two.value.records / two.wall)} rec/s`, `${fmt(size / 1048576 / two.wall)} MB/s; ${speedup.toFixed(2)}x the 1-thread wall clock; ${two.cpu.toFixed(1)} CPU-s over ${two.wall.toFixed(1)} s`);
  clearInterval(sampler);
  await benchEvtxProcesses(file, one.value.records);
  row('  evtx peak RSS', `${fmt(peakRss / 1048576)} MiB`, `for a ${(size / 1048576).toFixed(0)} MiB file (constant per file: blocks of 1 MiB, a few in flight)`);

  const xml = await xmlOf(file);
  const core = await timed(async () => {
    let n = 0;
    for await (const b of readEvents([xml.path], { counters: new DecodeCounters(), maxEventBytes: 1 << 20 })) n += b.events.length;
    return n;
  });
  row('xml, same records, core replay source', `${fmt(xml.lines.length / core.cpu)} rec/s`, `${fmt(xml.bytes / 1048576 / core.cpu)} MB/s of XML per CPU-second`);
  const sample = xml.lines.slice(0, 20_000);
  const counters = new DecodeCounters();
  const fxp = await timed(() => {
    for (const l of sample) decodeWithReferenceParser(l, counters);
  });
  row('xml, same records, fast-xml-parser alone', `${fmt(sample.length / fxp.cpu)} rec/s`, `on ${sample.length} of them`);
  const oneCoreMBps = size / 1048576 / one.cpu;
  const twoMBps = size / 1048576 / two.wall;
  // Issue 6: >= 60 MB/s on one core and >= 1.7x that on two. Both readings are printed: against
  // the 60 MB/s floor (102 MB/s), and against this run's own one-thread wall clock.
  row('evtx targets', oneCoreMBps >= 60 && twoMBps >= 102 ? 'met' : 'NOT met', `one core ${fmt(oneCoreMBps)} >= 60 MB/s; two ${fmt(twoMBps)} >= 1.7 x 60 MB/s`);
  row('  evtx scaling over its own one thread', `${speedup.toFixed(2)}x`, speedup >= 1.7 ? '>= 1.7x' : 'below 1.7x: reading, receiving results and buildEvent stay on the main thread');
  return { oneCoreMBps, speedup };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchEvtx();
