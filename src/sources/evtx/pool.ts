// Parses blocks on worker threads, keeping results in file order and at most two blocks in
// flight per worker (constant memory: the reader waits for results before reading further).

import { compiledWorkerUrl } from '../../util/worker-url.js';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BlockResult } from './block.js';
import type { EvtxBlock } from './file.js';
import type { BlockTask } from './worker.js';

function workerUrl(): URL {
  return compiledWorkerUrl('./worker.js', import.meta.url, 'run `npm run build` first, or use --workers 1');
}

/** Below this size a file is parsed inline: two workers' start-up costs more than they save. */
const MIN_POOLED_BYTES = 16 << 20;

/**
 * Parser threads for a file of `size` bytes (0: unknown) when none are asked for: 2 where the
 * process may use 4 cores or more, else 1. On two free cores two workers were a loss: a replay
 * of the 128 MiB .evtx of real chunks took 2.05-2.17 s wall and 3.3-3.5 CPU-s against 1.99-2.06 s
 * and 2.5-2.7 CPU-s inline (3 alternating runs, BENCHMARKS.md): the main thread, which reads,
 * builds the events and runs the engine, is the bound either way, and the workers' CPU competes
 * with it and with V8's GC threads. With 4 cores that competition goes (not measured here).
 */
export function defaultParserThreads(size: number): number {
  return size >= MIN_POOLED_BYTES && availableParallelism() >= 4 ? 2 : 1;
}

interface Pending {
  resolve: (r: BlockResult) => void;
  reject: (e: Error) => void;
}

export class BlockPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;
  /** Block memory the workers sent back, reused: fresh 1 MiB buffers cost ~0.7 ms in page faults. */
  private readonly spare: ArrayBuffer[] = [];

  constructor(size: number) {
    const url = workerUrl();
    for (let i = 0; i < size; i++) {
      const w = new Worker(url);
      w.on('message', (m: { id: number; res?: BlockResult; error?: string; buf?: ArrayBuffer }) => {
        if (m.buf) this.spare.push(m.buf);
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.res) p.resolve(m.res);
        else p.reject(new Error(`EVTX worker failed: ${m.error}`));
      });
      w.on('error', (e) => {
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
      this.workers.push(w);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Sends a block to the next worker in turn. */
  parse(block: EvtxBlock, recover: boolean): Promise<BlockResult> {
    const id = this.nextId++;
    const w = this.workers[id % this.workers.length];
    // A private copy is transferred (the reader reuses its block buffers), into memory a worker
    // sent back when there is some.
    const len = block.buf.byteLength;
    let mem = this.spare.pop();
    if (mem === undefined || mem.byteLength < len) mem = new ArrayBuffer(Math.max(len, 1 << 20));
    new Uint8Array(mem, 0, len).set(block.buf);
    const task: BlockTask = { id, buf: mem, byteOffset: 0, byteLength: len, firstChunkNo: block.firstChunkNo, fileOffset: block.fileOffset, recover };
    return new Promise<BlockResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage(task, [task.buf]);
    });
  }

  /** Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
