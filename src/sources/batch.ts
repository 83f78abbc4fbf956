// What sources emit into the pipeline: batches of raw records, never one emission per event
// (DESIGN.md). A batch carries what the source found while framing (errors) and where it came
// from; decoding is the next stage's job.

import type { SysmonEvent } from '../decode/event.js';
import type { DecodeReason } from '../decode/problem.js';
import type { RawRecords, RecordProblem } from '../decode/records.js';

/** A record that could not be decoded, with where it came from. Goes to the summary, the error log and (Kafka) the dead-letter topic. */
export interface ErrorRecord {
  reason: DecodeReason;
  message: string;
  /** File path, '-' for standard input, or 'topic/partition' for Kafka. */
  source: string;
  /** Byte offset of the record in the (decompressed, UTF-8) input, when known. */
  offset?: number;
  /** Byte offset in the compressed file, for problems of gzip input. */
  compressedOffset?: number;
  /** 1-based line number, for line-oriented inputs. */
  line?: number;
  snippet: string;
}

/** One batch of a bounded source (files, standard input): raw records of one input chunk. */
export interface SourceBatch {
  /** File path or '-'. */
  source: string;
  records: RawRecords;
  /** What framing found wrong (garbage between events, truncated or oversized events). */
  errors: ErrorRecord[];
  /** Input bytes this batch consumed (for progress and MB/s). */
  bytes: number;
}

/** Events a binary parser (.evtx) typed itself, with its errors. */
export interface EventBatch {
  events: SysmonEvent[];
  errors: ErrorRecord[];
  bytes: number;
}

/** An EventBatch as a source batch: its records are already typed. */
export function typedBatch(source: string, b: EventBatch): SourceBatch {
  return { source, records: { kind: 'typed', events: b.events }, errors: b.errors, bytes: b.bytes };
}

/**
 * The framing errors of a batch and the problems its decode found, as error records in input
 * order (both are rare, so sorting them costs nothing that matters).
 */
export function batchErrors(batch: SourceBatch, problems: readonly RecordProblem[]): ErrorRecord[] {
  if (problems.length === 0) return batch.errors;
  const out = batch.errors.slice();
  for (const p of problems) {
    const where = p.offset !== undefined ? { offset: p.offset } : p.line !== undefined ? { line: p.line } : {};
    out.push({ reason: p.reason, message: p.message, source: batch.source, ...where, snippet: p.snippet });
  }
  if (batch.errors.length > 0) out.sort((a, b) => (a.offset ?? a.line ?? 0) - (b.offset ?? b.line ?? 0));
  return out;
}
