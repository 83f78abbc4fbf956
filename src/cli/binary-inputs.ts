// Readers for inputs that are not text (EVTX). Kept apart so the replay command does not know
// which binary formats exist.

import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import type { DecodeCounters } from '../decode/counters.js';
import type { EventBatch } from '../sources/batch.js';
import { EvtxReadStats, readEvtxStream } from '../sources/evtx/reader.js';
import type { OpenedInput } from '../sources/files/open-input.js';
import type { FileSourceOptions } from '../sources/files/read-files.js';

export interface BinaryReaderOptions {
  /** EVTX: also carve records from chunk slack and unused chunks. */
  recover?: boolean;
  /** EVTX parser threads; by default 1 for small files and up to 4 (the cores) from 8 MiB on. */
  workers?: number;
  log?: Logger;
}

/** Below this size worker start-up (~30 ms) costs more than it saves. */
const WORKERS_FROM_BYTES = 8 * 1024 * 1024;

async function* readEvtxInput(input: OpenedInput, counters: DecodeCounters, opts: BinaryReaderOptions): AsyncGenerator<EventBatch> {
  const stats = new EvtxReadStats();
  const workers = opts.workers ?? (input.size >= WORKERS_FROM_BYTES ? Math.min(availableParallelism(), 4) : 1);
  yield* readEvtxStream({ path: input.path, size: input.size, chunks: input.chunks }, { counters, recover: opts.recover, workers, stats });
  const fields = { file: input.path, records: stats.records, recovered: stats.recovered, chunks: stats.chunks, unusedChunks: stats.emptyChunks, problems: stats.problemCount, dirty: stats.dirty };
  const msg = `${input.path}: ${stats.records} EVTX records${opts.recover ? ` and ${stats.recovered} recovered from slack space or unused chunks` : ''} in ${stats.chunks} chunks`;
  // Asked-for recovery is reported at the default level: the analyst wants that count.
  if (opts.recover) opts.log?.warn(fields, msg);
  else opts.log?.info(fields, msg);
}

export function binaryReader(opts: BinaryReaderOptions = {}): FileSourceOptions['readBinary'] {
  return (input, counters) => readEvtxInput(input, counters, opts);
}
