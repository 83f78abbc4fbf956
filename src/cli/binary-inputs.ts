// Readers for inputs that are not text (EVTX). Kept apart so the replay command does not know
// which binary formats exist.

import type { DecodeCounters } from '../decode/counters.js';
import type { EventBatch } from '../sources/batch.js';
import { closeSync, openSync, readSync } from 'node:fs';
import { EvtxReadStats, readEvtxFile, readEvtxStream } from '../sources/evtx/reader.js';
import { defaultParserThreads } from '../sources/evtx/pool.js';
import type { OpenedInput } from '../sources/files/open-input.js';
import type { FileSourceOptions } from '../sources/files/read-files.js';
import type { CliLogger } from './logger.js';

export interface BinaryReaderOptions {
  /** EVTX: also carve records from chunk slack and unused chunks. */
  recover?: boolean;
  /** EVTX parser threads; by default 1; 'auto': 2 for large files where 4 cores or more are available (defaultParserThreads). */
  workers?: number | 'auto';
  log?: CliLogger;
}

async function* readEvtxInput(input: OpenedInput, counters: DecodeCounters, opts: BinaryReaderOptions): AsyncGenerator<EventBatch> {
  const stats = new EvtxReadStats();
  const workers = opts.workers === 'auto' ? defaultParserThreads(input.size) : (opts.workers ?? 1);
  const read = { counters, recover: opts.recover, workers, stats };
  if (isPlainEvtxFile(input.path)) {
    // Read by the EVTX reader itself: chunk-aligned reads into reused buffers (no copies), and a
    // log that wrapped around is read from its oldest chunk, in record order.
    await input.close?.();
    yield* readEvtxFile(input.path, read);
  } else {
    yield* readEvtxStream({ path: input.path, size: input.size, chunks: input.chunks }, read);
  }
  const fields = { file: input.path, records: stats.records, recovered: stats.recovered, chunks: stats.chunks, unusedChunks: stats.emptyChunks, problems: stats.problemCount, dirty: stats.dirty };
  const msg = `${input.path}: ${stats.records} EVTX records${opts.recover ? ` and ${stats.recovered} recovered from slack space or unused chunks` : ''} in ${stats.chunks} chunks`;
  // Asked-for recovery is reported at the default level: the analyst wants that count.
  if (opts.recover) opts.log?.warn(fields, msg);
  else opts.log?.info(fields, msg);
}

const EVTX_MAGIC = Buffer.from('ElfFile\0', 'latin1');

/** A file on disk that is .evtx as it is (not standard input, not compressed). */
function isPlainEvtxFile(path: string): boolean {
  if (path === '-') return false;
  const head = Buffer.alloc(EVTX_MAGIC.length);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(EVTX_MAGIC);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function binaryReader(opts: BinaryReaderOptions = {}): FileSourceOptions['readBinary'] {
  return (input, counters) => readEvtxInput(input, counters, opts);
}
