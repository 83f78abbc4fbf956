// `proctree replay --threads N`: hosts spread over N worker threads (shard-worker.ts), for XML
// and JSON-lines inputs. Every worker frames the whole input (cheap next to decoding) and
// decodes, indexes and judges only its own hosts' events; the main thread puts the workers'
// alerts and error records back into input order and writes them through the same sinks. A
// host's trees and rules see exactly the events a single thread gives them, in the same order,
// so the alerts are the same, in the same order (tested in sharded-replay.test.ts).

import { existsSync, openSync, readSync, closeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Alert } from '../alerts/alert.js';
import type { RunStats } from '../engine/run-stats.js';
import type { ErrorRecord } from '../sources/batch.js';
import type { ReplayOptions } from './replay.js';
import { mergeStats } from './merge-stats.js';
import type { ShardChunk, ShardEnd, ShardMessage, ShardTask } from './shard-worker.js';

/** Compiled worker script: beside this module in dist/, or dist/ when running from src/ (tests). */
function workerUrl(): URL {
  const here = new URL('./shard-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL('../../dist/pipeline/shard-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error('replay worker script not found; run `npm run build` first, or use --threads 1');
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
    const head = Buffer.alloc(8);
    let fd = -1;
    try {
      fd = openSync(p, 'r');
      readSync(fd, head, 0, 8, 0);
    } catch {
      return false;
    } finally {
      if (fd !== -1) closeSync(fd);
    }
    if (head.toString('latin1') === EVTX_MAGIC) return false;
  }
  return true;
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
  /** Every event before this position has been judged by the worker. */
  horizon = 0;
  events = 0;
  end: ShardEnd | null = null;

  take(m: ShardChunk): void {
    this.alerts.add(m.alerts, m.alertSeq);
    this.errors.add(m.errors, m.errorSeq);
    this.horizon = m.horizon;
    this.events = m.events;
  }
}

export async function replaySharded(opts: ReplayOptions, threads: number): Promise<{ stats: RunStats }> {
  const started = process.hrtime.bigint();
  const url = workerUrl();
  const lanes: Lane[] = [];
  const workers: Worker[] = [];
  let bytes = 0;
  let wake: (() => void) | null = null;
  // A message that came while the sink was writing: look again before waiting.
  let dirty = false;
  const poke = (): void => {
    dirty = true;
    wake?.();
  };
  let failure: Error | null = null;
  for (let k = 0; k < threads; k++) {
    const lane = new Lane();
    lanes.push(lane);
    const task: ShardTask = { paths: [...opts.paths], config: opts.config, shard: k, shards: threads };
    const w = new Worker(url, { workerData: task });
    w.on('message', (m: ShardMessage) => {
      if (m.type === 'chunk') {
        lane.take(m);
        bytes += m.bytes;
      } else if (m.type === 'end') {
        lane.end = m;
      } else {
        failure = new Error(`replay worker ${k} failed: ${m.message}`);
      }
      poke();
    });
    w.on('error', (e) => {
      failure = e;
      poke();
    });
    w.on('exit', (code) => {
      if (lane.end === null && failure === null) failure = new Error(`replay worker ${k} exited with code ${code} before the end of input`);
      poke();
    });
    workers.push(w);
  }
  if (opts.onFile !== undefined) for (const p of opts.paths) opts.onFile(p, 0);

  try {
    for (;;) {
      dirty = false;
      if (failure !== null) throw failure;
      const horizon = Math.min(...lanes.map((l) => (l.end !== null ? Infinity : l.horizon)));
      const errors = mergeUpTo(lanes.map((l) => l.errors), horizon);
      if (opts.onError !== undefined) for (const e of errors) opts.onError(e);
      const alerts = mergeUpTo(lanes.map((l) => l.alerts), horizon);
      opts.onProgress?.(bytes, lanes.reduce((n, l) => n + l.events, 0));
      if (alerts.length > 0) await opts.sink.write(alerts);
      if (lanes.every((l) => l.end !== null)) break;
      if (!dirty) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
      }
    }
    // End of input: each worker's deadline alerts, hosts in first-seen order across workers.
    const tails = lanes.map((l) => {
      const t = new Tagged<Alert>();
      t.add(l.end!.tail, l.end!.tailSeq);
      return t;
    });
    const tail = mergeUpTo(tails, Infinity);
    await opts.sink.write(tail);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { stats: mergeStats(lanes.map((l) => l.end!.stats), opts.paths.length, bytes, seconds) };
}
