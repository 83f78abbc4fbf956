// What the decode stage takes and gives. A source hands over the raw records of one batch in the
// shape it found them (framed XML in a chunk, JSON lines, message values, or events a binary
// parser already typed); decode turns each record into a typed event or a problem. Decode knows
// no source: where a record came from (file offset, line, Kafka offset) stays with the source.

import type { SysmonEvent } from './event.js';
import type { DecodeReason } from './problem.js';

/** Events framed in one chunk of UTF-8 XML: event i is bytes[bounds[2i], bounds[2i+1]). */
export interface XmlFrames {
  kind: 'xml';
  bytes: Buffer;
  /** Offset of bytes[0] in the whole input, for error records. */
  base: number;
  bounds: number[];
  /**
   * Some frames were cut at their first '</Event>' with no search for event starts inside them
   * (XmlEventFramer's decoderChecks): the decoder must find whether one holds a start and, if so,
   * frame it again from start to start (frameBetweenStarts).
   */
  unchecked?: boolean;
  /**
   * Called by the decoder once it has decoded every event and no longer reads `bytes`: the source
   * may then reuse the memory for a later chunk. Readers that keep the bytes longer (other threads
   * read them) call it when those are done; until then the source reads into fresh memory.
   */
  release?(): void;
}

/**
 * JSON lines (one event each, any known forwarder layout): line i is the UTF-8 bytes
 * bytes[bounds[2i], bounds[2i+1]), at 1-based line lineNumbers[i].
 */
export interface JsonLines {
  kind: 'jsonl';
  bytes: Buffer;
  bounds: number[];
  lineNumbers: number[];
}

/** One event per value, XML or JSON (message values of a topic). */
export interface Values {
  kind: 'values';
  values: readonly (Buffer | null)[];
}

/** Events typed by the source's own parser (.evtx, whose template walk is its decode). */
export interface Typed {
  kind: 'typed';
  events: SysmonEvent[];
}

export type RawRecords = XmlFrames | JsonLines | Values | Typed;

/** A record that did not become an event: `record` is its index in the batch. */
export interface RecordProblem {
  record: number;
  reason: DecodeReason;
  message: string;
  /** Byte offset in the input (XML frames). */
  offset?: number;
  /** 1-based line (JSON lines). */
  line?: number;
  snippet: string;
}

export interface Decoded {
  events: SysmonEvent[];
  /** For `values`: the index of the record each event came from (events[i] <- values[recordOf[i]]). */
  recordOf: number[];
  problems: RecordProblem[];
}
