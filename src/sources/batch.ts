// What sources emit into the pipeline: batches, never one emission per event (DESIGN.md).

import type { SysmonEvent } from '../decode/event.js';
import type { DecodeReason } from '../decode/problem.js';

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
  /** Kafka offset, for messages. */
  kafkaOffset?: string;
  snippet: string;
}

export interface EventBatch {
  events: SysmonEvent[];
  errors: ErrorRecord[];
  /** Input bytes this batch consumed (for progress and MB/s). */
  bytes: number;
}
