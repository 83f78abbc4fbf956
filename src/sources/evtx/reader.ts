// readEvtxFile: an .evtx file as EventBatch values for the replay pipeline. Chunks are parsed
// in blocks (inline, or on worker threads when workers > 1); every record goes through the
// core's buildEvent, so rules cannot tell EVTX input from XML input.

import type { SysmonEvent } from '../../decode/event.js';
import type { DecodeCounters } from '../../decode/counters.js';
import { buildEvent } from '../../decode/fields.js';
import { DecodeProblem } from '../../decode/problem.js';
import type { ErrorRecord, EventBatch } from '../batch.js';
import { parseBlock, type BlockResult } from './block.js';
import type { ChunkProblem } from './chunk.js';
import { RecordCursor, STRIDE } from './fieldset.js';
import { openEvtx, openEvtxSource, type EvtxBlock, type EvtxSource, type OpenedEvtx } from './file.js';
import { CHUNK_SIZE, FILE_HEADER_SIZE } from './format.js';
import { BlockPool } from './pool.js';

export interface EvtxReadOptions {
  counters: DecodeCounters;
  /** Also carve records from chunk slack and from blocks that are not valid chunks. */
  recover?: boolean;
  /** Parser threads; 1 (the default) parses on the calling thread. */
  workers?: number;
  /** Called after each block with the bytes consumed so far and the file size. */
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
  /** Filled in as the file is read: records, recovered records, chunks, problems. */
  stats?: EvtxReadStats;
}

export class EvtxReadStats {
  records = 0;
  recovered = 0;
  chunks = 0;
  emptyChunks = 0;
  /** Records read by the per-template fast path and by the tree fallback. */
  fastPath = 0;
  treePath = 0;
  dirty = false;
  /** The first MAX_KEPT_PROBLEMS problems (a wrecked file can have millions); problemCount counts all. */
  readonly problems: ChunkProblem[] = [];
  problemCount = 0;

  addProblem(p: ChunkProblem): void {
    this.problemCount++;
    if (this.problems.length < MAX_KEPT_PROBLEMS) this.problems.push(p);
  }
}

const MAX_KEPT_PROBLEMS = 1000;

function toErrorRecord(path: string, p: ChunkProblem): ErrorRecord {
  return { reason: p.reason, message: p.message, source: path, offset: p.offset, snippet: p.chunk >= 0 ? `chunk ${p.chunk}` : 'file header' };
}

/** Blocks queued per worker: enough that a worker never waits while the main thread builds events. */
const IN_FLIGHT_PER_WORKER = 3;

/** What is kept of a block after its buffer has been handed on. */
interface BlockMeta {
  length: number;
}

async function* blockResults(blocks: AsyncGenerator<EvtxBlock>, opts: EvtxReadOptions): AsyncGenerator<[BlockMeta, BlockResult]> {
  const recover = opts.recover ?? false;
  const workers = Math.max(1, opts.workers ?? 1);
  if (workers === 1) {
    // The next read is started before this block is parsed, so disk and CPU overlap.
    let next = blocks.next();
    try {
      for (;;) {
        const r = await next;
        if (r.done) return;
        next = blocks.next();
        const b = r.value;
        yield [{ length: b.buf.length }, parseBlock(b.buf, b.firstChunkNo, b.fileOffset, recover)];
      }
    } finally {
      // A read still under way when the consumer stops must not become an unhandled rejection.
      next.catch(() => undefined);
      await blocks.return(undefined);
    }
  }
  const pool = new BlockPool(workers);
  const inFlight: [BlockMeta, Promise<BlockResult>][] = [];
  try {
    for await (const b of blocks) {
      inFlight.push([{ length: b.buf.length }, pool.parse(b, recover)]);
      if (inFlight.length >= IN_FLIGHT_PER_WORKER * workers) {
        const [m, p] = inFlight.shift()!;
        yield [m, await p];
      }
    }
    while (inFlight.length > 0) {
      const [m, p] = inFlight.shift()!;
      yield [m, await p];
    }
  } finally {
    // Settle what is still running before the workers go, so no rejection is left unhandled.
    await Promise.allSettled(inFlight.map((x) => x[1]));
    await pool.close();
  }
}

/** An .evtx file on disk as event batches. */
export async function* readEvtxFile(path: string, opts: EvtxReadOptions): AsyncGenerator<EventBatch> {
  yield* readOpened(path, await openEvtx(path), opts);
}

/** EVTX bytes from a stream (standard input, a gunzipped file) as event batches. */
export async function* readEvtxStream(src: EvtxSource, opts: EvtxReadOptions): AsyncGenerator<EventBatch> {
  yield* readOpened(src.path, await openEvtxSource(src), opts);
}

async function* readOpened(path: string, { info, blocks }: OpenedEvtx, opts: EvtxReadOptions): AsyncGenerator<EventBatch> {
  const stats = opts.stats ?? new EvtxReadStats();
  stats.dirty = info.header.dirty;
  const counters = opts.counters;
  const cursor = new RecordCursor();
  // The header's bytes are reported with the first batch.
  let headerBytes = FILE_HEADER_SIZE;
  let done = 0;
  const headErrors = info.problems.map((p) => toErrorRecord(path, p));
  for (const p of info.problems) stats.addProblem(p);
  for (const p of info.problems) counters.countError(p.reason);
  if (headErrors.length > 0) {
    done = headerBytes = Math.min(FILE_HEADER_SIZE, info.size || FILE_HEADER_SIZE);
    yield { events: [], errors: headErrors, bytes: headerBytes };
    headerBytes = 0;
  }
  for await (const [block, res] of blockResults(blocks(), opts)) {
    const events: SysmonEvent[] = [];
    const errors: ErrorRecord[] = [];
    for (const p of res.problems) {
      counters.countError(p.reason);
      errors.push(toErrorRecord(path, p));
      stats.addProblem(p);
    }
    for (let base = 0; base < res.cells.length; base += STRIDE) {
      cursor.move(res.cells, res.table, base);
      const r = buildEvent(cursor.sys, cursor.get, counters);
      if (r === null) continue;
      if (r instanceof DecodeProblem) {
        counters.countError(r.reason);
        errors.push({ reason: r.reason, message: r.message, source: path, snippet: `record ${cursor.sys.recordId}` });
      } else {
        events.push(r);
      }
    }
    const len = block.length;
    stats.records += res.records;
    stats.recovered += res.recovered;
    stats.chunks += Math.ceil(len / CHUNK_SIZE);
    stats.emptyChunks += res.emptyChunks;
    stats.fastPath += res.fast;
    stats.treePath += res.tree;
    done += len + headerBytes;
    opts.onProgress?.(done, info.size);
    yield { events, errors, bytes: len + headerBytes };
    headerBytes = 0;
  }
}
