// `proctree replay --threads N`: hosts spread over N worker threads (shard-worker.ts), for XML
// and JSON-lines inputs. The main thread reads and frames the input and reads each event's
// Computer; each chunk's bytes go to the workers once, in shared memory, with the events of
// their hosts; a worker decodes, indexes and judges only those. The main thread puts the
// workers' alerts and error records back into input order and writes them through the same
// sinks. A host's trees and rules see exactly the events a single thread gives them, in the same
// order, so the alerts are the same, in the same order (tested in sharded-replay.test.ts).

import { compiledWorkerUrl } from '../util/worker-url.js';
import { openSync, readSync, closeSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Alert } from '../alerts/alert.js';
import type { RunStats } from '../engine/run-stats.js';
import type { ErrorRecord, SourceBatch } from '../sources/batch.js';
import { replaySource, type ReplayOptions } from './replay.js';
import { mergeStats } from './merge-stats.js';
import { DecodeCounters } from '../decode/counters.js';
import { HostShards } from './host-shard.js';
import { isSpace } from '../decode/event-bounds.js';
import type { ShardDone, ShardEnd, ShardMessage, ShardTask, ShardWork } from './shard-worker.js';

function workerUrl(): URL {
  return compiledWorkerUrl('./shard-worker.js', import.meta.url, 'run `npm run build` first, or use --threads 1');
}

const EVTX_MAGIC = 'ElfFile\0';

/**
 * Inputs whose events can be spread by host: text files (XML, JSON lines, gzip of them), not
 * standard input (it can be read once) nor .evtx (parsing is the cost there, and every worker
 * would pay it for the whole file).
 */
export function shardable(paths: readonly string[]): boolean {
  for (const p of paths) {
    if (p === '-' || p.toLowerCase().endsWith('.evtx')) return false;
    const head = headOf(p, 8);
    if (head === null || head.toString('latin1') === EVTX_MAGIC) return false;
  }
  return true;
}

/** The first bytes of a file (fewer if it is shorter), or null where it cannot be read. */
function headOf(path: string, bytes: number): Buffer | null {
  const head = Buffer.alloc(bytes);
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    return head.subarray(0, readSync(fd, head, 0, bytes, 0));
  } catch {
    return null;
  } finally {
    if (fd !== -1) closeSync(fd);
  }
}

/** Below this much input two workers do not pay on two cores (BENCHMARKS.md, "Two cores"). */
const MIN_SHARDED_BYTES = 512 << 20;

/**
 * Worker threads for a replay of `paths` when none are asked for: 2 for plain UTF-8 XML files of
 * 512 MiB or more in all where 2 cores or more are available, else 1. On two idle cores, two
 * workers replayed the 300,000 EventID 1/13 events of 50 hosts (652 MB) in 0.93x one thread's
 * wall, of 1,000 hosts (603 MB) in 0.96x, for ~1.4x its CPU (one thread already lends its
 * second core to V8's compiler and collector; each worker compiles and warms up on its own);
 * smaller files are slower, and on a busy machine two workers lose, hence the floor. JSON lines
 * all go to one worker and gzip or UTF-16 is copied per chunk: not by default.
 */
export function defaultShardThreads(paths: readonly string[]): number {
  if (availableParallelism() < 2 || paths.length === 0) return 1;
  let bytes = 0;
  for (const p of paths) {
    if (p === '-' || !startsWithXml(p)) return 1;
    bytes += statSync(p).size;
  }
  return bytes >= MIN_SHARDED_BYTES ? 2 : 1;
}

/** Whether the file's first byte past an optional UTF-8 BOM and white space is '<'. */
function startsWithXml(path: string): boolean {
  const head = headOf(path, 64);
  if (head === null) return false;
  const n = head.length;
  let i = n >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < n && isSpace(head[i])) i++;
  return i < n && head[i] === 60;
}

/** Items of one worker not yet written, each with the input position of the event that raised it. */
class Tagged<T> {
  items: T[] = [];
  seqs: number[] = [];
  head = 0;

  add(items: readonly T[], seqs: readonly number[]): void {
    for (let i = 0; i < items.length; i++) {
      this.items.push(items[i]);
      this.seqs.push(seqs[i]);
    }
    if (this.head > 4096) {
      this.items = this.items.slice(this.head);
      this.seqs = this.seqs.slice(this.head);
      this.head = 0;
    }
  }
}

/** Takes from the queues, in position order, everything before `horizon` (ties: lower worker first). */
function mergeUpTo<T>(queues: readonly Tagged<T>[], horizon: number): T[] {
  const out: T[] = [];
  for (;;) {
    let best: Tagged<T> | null = null;
    let bestSeq = horizon;
    for (const q of queues) {
      if (q.head < q.seqs.length && q.seqs[q.head] < bestSeq) {
        best = q;
        bestSeq = q.seqs[q.head];
      }
    }
    if (best === null) return out;
    out.push(best.items[best.head++]);
  }
}

/** One worker's state as the main thread sees it. */
class Lane {
  readonly alerts = new Tagged<Alert>();
  readonly errors = new Tagged<ErrorRecord>();
  /** Every event before this input position has been judged by the worker. */
  horizon = 0;
  events = 0;
  end: ShardEnd | null = null;
  /** Chunks sent and not yet answered, oldest first: their id and the position after their last event. */
  readonly sent: { id: number; seqEnd: number }[] = [];

  constructor(readonly worker: Worker) {}

  take(m: ShardDone): void {
    this.alerts.add(m.alerts, m.alertSeq);
    this.errors.add(m.errors, m.errorSeq);
    const s = this.sent.shift();
    if (s === undefined || s.id !== m.id) throw new Error(`replay worker answered chunk ${m.id} out of order`);
    this.horizon = s.seqEnd;
    this.events = m.events;
  }
}

/** Chunks a worker may hold before the reader waits: bounded memory, and the reader stays a little ahead. */
const IN_FLIGHT = 4;

/**
 * Chunks the workers read, by id, until every worker given events of it has answered: a plain
 * file's chunk is read into shared memory (readFiles' `shared`) and goes as it is, then back to
 * the reader (release); other inputs' chunks (gzip, UTF-16) are copied into shared memory once.
 */
class SharedChunks {
  private readonly spare: SharedArrayBuffer[] = [];
  private readonly users = new Map<number, { left: number; done: () => void }>();

  /** `bytes` in shared memory, for `users` workers: themselves where they lie there already, else a copy. */
  share(id: number, bytes: Buffer, release: (() => void) | undefined, users: number): Buffer {
    if (bytes.buffer instanceof SharedArrayBuffer) {
      this.users.set(id, { left: users, done: release ?? (() => {}) });
      return bytes;
    }
    let sab = this.spare.pop();
    if (sab === undefined || sab.byteLength < bytes.length) sab = new SharedArrayBuffer(Math.max(bytes.length, 1 << 20) + (1 << 16));
    const copy = Buffer.from(sab, 0, bytes.length);
    copy.set(bytes);
    const spare = sab;
    this.users.set(id, { left: users, done: () => this.spare.push(spare) });
    release?.();
    return copy;
  }

  done(id: number): void {
    const u = this.users.get(id);
    if (u === undefined) return;
    if (--u.left === 0) {
      this.users.delete(id);
      u.done();
    }
  }
}

/** Empty per-worker lists of [start, end, position in the chunk] triples for one chunk. */
function emptyLists(n: number): number[][] {
  const out: number[][] = [];
  for (let k = 0; k < n; k++) out.push([]);
  return out;
}

/**
 * Where a chunk's framing errors go among its events, as one thread writes them (batchErrors:
 * by offset, or line): each at the position of the first event after it, ahead of that event's
 * own problems (the framing queue wins ties). `first` is the position of the chunk's first event.
 */
function framingPositions(batch: SourceBatch, first: number): number[] {
  const r = batch.records;
  const n = r.kind === 'xml' || r.kind === 'jsonl' ? r.bounds.length >> 1 : 0;
  const whereOf = (i: number): number => (r.kind === 'xml' ? r.base + r.bounds[2 * i] : r.kind === 'jsonl' ? r.lineNumbers[i] : 0);
  return batch.errors.map((e) => {
    const at = e.offset ?? e.line ?? 0;
    let i = 0;
    while (i < n && whereOf(i) <= at) i++;
    return first + i;
  });
}

export async function replaySharded(opts: ReplayOptions, threads: number): Promise<{ stats: RunStats }> {
  const started = process.hrtime.bigint();
  const url = workerUrl();
  const counters = new DecodeCounters(); // framing errors, found here
  const framing = new Tagged<ErrorRecord>();
  const lanes: Lane[] = [];
  const chunks = new SharedChunks();
  const shards = new HostShards(threads);
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  let dirty = false;
  const poke = (): void => {
    dirty = true;
    wake?.();
  };
  const settle = async (): Promise<void> => {
    if (!dirty) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = null;
    }
    dirty = false;
    if (failure !== null) throw failure;
  };
  for (let k = 0; k < threads; k++) {
    const task: ShardTask = { config: opts.config };
    const lane = new Lane(new Worker(url, { workerData: task }));
    lanes.push(lane);
    lane.worker.on('message', (m: ShardMessage) => {
      if (m.type === 'done') {
        lane.take(m);
        chunks.done(m.id);
      } else if (m.type === 'end') {
        lane.end = m;
      } else {
        failure = new Error(`replay worker ${k} failed: ${m.message}`);
      }
      poke();
    });
    lane.worker.on('error', (e) => {
      failure = e;
      poke();
    });
    lane.worker.on('exit', (code) => {
      if (lane.end === null && failure === null) failure = new Error(`replay worker ${k} exited with code ${code} before the end of input`);
      poke();
    });
  }

  let bytes = 0;
  let files = 0;
  let seq = 0;
  let id = 0;
  /** Writes, in input order, everything every worker has judged. */
  const flush = async (final: boolean): Promise<void> => {
    const horizon = final ? Infinity : Math.min(seq, ...lanes.map((l) => l.horizon));
    const errors = mergeUpTo([framing, ...lanes.map((l) => l.errors)], horizon);
    if (opts.onError !== undefined) for (const e of errors) opts.onError(e);
    opts.onProgress?.(bytes, lanes.reduce((n, l) => n + l.events, 0));
    const alerts = mergeUpTo(lanes.map((l) => l.alerts), horizon);
    if (alerts.length > 0) await opts.sink.write(alerts);
  };
  const send = async (k: number, w: ShardWork, seqEnd: number): Promise<void> => {
    const lane = lanes[k];
    while (lane.sent.length >= IN_FLIGHT) {
      await settle();
      await flush(false);
    }
    if (w.type !== 'end') lane.sent.push({ id: w.id, seqEnd });
    else lane.horizon = seqEnd;
    // The positions' memory moves to the worker rather than being copied.
    lane.worker.postMessage(w, w.type === 'end' ? [] : [w.at.buffer as ArrayBuffer]);
  };

  try {
    const source = replaySource(opts, counters, () => files++, true);
    for await (const batch of source) {
      if (batch.errors.length > 0) framing.add(batch.errors, framingPositions(batch, seq));
      const r = batch.records;
      const at = emptyLists(threads);
      const first = seq;
      if (r.kind === 'xml') {
        // A worker decodes each frame as one event at its position: it cannot frame one again.
        if (r.unchecked === true) throw new Error('sharded replay needs frames found from start to start (readFiles with shared)');
        for (let i = 0; i < r.bounds.length; i += 2, seq++) {
          const a = r.bounds[i];
          const b = r.bounds[i + 1];
          at[shards.of(r.bytes, a, b)].push(a, b, seq - first);
        }
        const users = at.filter((l) => l.length > 0).length;
        if (users === 0) r.release?.();
        else {
          const thisId = id++;
          const shared = chunks.share(thisId, r.bytes, r.release?.bind(r), users);
          const sab = shared.buffer as SharedArrayBuffer;
          for (let k = 0; k < threads; k++) {
            if (at[k].length > 0) await send(k, { type: 'xml', id: thisId, source: batch.source, bytes: sab, offset: shared.byteOffset, length: shared.length, base: r.base, seq: first, at: Int32Array.from(at[k]) }, seq);
          }
        }
      } else if (r.kind === 'jsonl') {
        // JSON lines carry the host in a layout-dependent place: one worker takes them all. As
        // strings: the main thread, idle otherwise, pays their UTF-8 decode. Sent as bytes, the
        // worker read them the one-thread way and took 1.14x the wall (BENCHMARKS.md).
        const lines: string[] = [];
        for (let i = 0; i < r.bounds.length; i += 2, seq++) {
          lines.push(r.bytes.toString('utf8', r.bounds[i], r.bounds[i + 1]));
          at[0].push(i >> 1, 0, seq - first);
        }
        if (lines.length > 0) await send(0, { type: 'jsonl', id: id++, source: batch.source, lines, lineNumbers: r.lineNumbers, seq: first, at: Int32Array.from(at[0]) }, seq);
      } else {
        throw new Error(`replay with --threads cannot take ${r.kind} records (${batch.source}); use --threads 1`);
      }
      // A worker with no events up to here has judged everything up to here.
      for (const l of lanes) if (l.sent.length === 0) l.horizon = seq;
      bytes += batch.bytes;
      await flush(false);
    }
    for (const l of lanes) {
      while (l.sent.length > 0) {
        await settle();
        await flush(false);
      }
    }
    for (let k = 0; k < threads; k++) await send(k, { type: 'end' }, seq);
    while (lanes.some((l) => l.end === null)) await settle();
    await flush(true);
    // End of input: each worker's deadline alerts, hosts in first-seen order across workers.
    const tails = lanes.map((l) => {
      const t = new Tagged<Alert>();
      t.add(l.end!.tail, l.end!.tailSeq);
      return t;
    });
    await opts.sink.write(mergeUpTo(tails, Infinity));
  } finally {
    await Promise.all(lanes.map((l) => l.worker.terminate()));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { stats: mergeStats([...lanes.map((l) => l.end!.stats)], files, bytes, seconds, counters) };
}
