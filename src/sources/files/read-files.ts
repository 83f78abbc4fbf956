// The file source: every input file, framed into batches of raw records, one batch per input
// chunk (~1 MiB, a few hundred to a few thousand events). Decoding is the next stage's: this
// module only finds where events are and what lies wrongly between them.

import type { DecodeCounters } from '../../decode/counters.js';
import type { DecodeReason } from '../../decode/problem.js';
import type { XmlFrames } from '../../decode/records.js';
import { snippet } from '../../decode/problem.js';
import { typedBatch, type ErrorRecord, type EventBatch, type SourceBatch } from '../batch.js';
import { LineFramer, type LineSink } from './line-framer.js';
import { openInput, type OpenedInput } from './open-input.js';
import { XmlEventFramer, type FrameSink } from './xml-framer.js';

export interface FileSourceOptions {
  /** Framing errors are counted here (decode errors by the decode stage). */
  counters: DecodeCounters;
  maxEventBytes: number;
  /** Called when a file is opened, with its size on disk (for progress). */
  onFile?: (path: string, size: number) => void;
  /** Reads a file the XML/JSON framers do not handle (EVTX). */
  readBinary?: (input: OpenedInput, counters: DecodeCounters) => AsyncIterable<EventBatch>;
  /**
   * A plain XML file's chunks are read into SharedArrayBuffer memory (a chunk's bytes lie at its
   * byteOffset there), for a reader that hands them to other threads as they are; it releases each
   * chunk once they are done. Such a reader gets frames found from start to start only (never
   * XmlFrames.unchecked); others decode with BatchDecoder.
   */
  shared?: boolean;
}

/** One chunk's framed events. */
class XmlChunk implements XmlFrames {
  readonly kind = 'xml';
  constructor(
    readonly bytes: Buffer,
    readonly base: number,
    readonly bounds: number[],
    readonly unchecked: boolean,
    private onRelease: (() => void) | null,
  ) {}
  release(): void {
    const r = this.onRelease;
    this.onRelease = null;
    r?.();
  }
}

/**
 * The memory the XML chunks of one input are read into: a chunk's buffer comes back once the
 * decoder has read its batch (XmlFrames.release) and takes a later chunk; until then, or when
 * nobody gives it back, the next chunk gets a new one. So a replay reads into the same one or
 * two buffers throughout instead of a new 1 MiB buffer and a joined copy of it per chunk.
 */
class ChunkBuffers {
  private readonly free: Buffer[] = [];

  /** Shared memory: the chunks other threads still read are several, and fresh SharedArrayBuffers cost page faults and GC. */
  constructor(private readonly shared: boolean) {}

  take(min: number): Buffer {
    for (let i = 0; i < this.free.length; i++) if (this.free[i].length >= min) return this.free.splice(i, 1)[0];
    const size = Math.max(min, CHUNK_BYTES + (64 << 10));
    return this.shared ? Buffer.from(new SharedArrayBuffer(size)) : Buffer.allocUnsafeSlow(size);
  }

  give(buf: Buffer): void {
    if (this.free.length < (this.shared ? SHARED_SPARE : 2) && !this.free.includes(buf)) this.free.push(buf);
  }
}

/** Spare shared chunks kept: as many as the sharded replay has in flight (IN_FLIGHT chunks per worker). */
const SHARED_SPARE = 16;

const CHUNK_BYTES = 1 << 20;
/** Room in front of a chunk read ahead for the bytes the chunk before it leaves (an event cut in two). */
const HEADROOM = 64 << 10;

const NO_BYTES = Buffer.alloc(0);

/** Collects one chunk's frames (or lines) and framing errors; both framers' sinks. */
class FrameCollector implements FrameSink, LineSink {
  private bytes: Buffer = NO_BYTES;
  private base = 0;
  private bounds: number[] = [];
  private unchecked = false;
  /** JSON lines: the buffer of the lines so far (this.bytes), and the buffer lines come from now. */
  private lineSource: Buffer = NO_BYTES;
  /** Where lineSource's byte 0 sits in this.bytes (lines of an earlier buffer went in front). */
  private lineShift = 0;
  private lineNumbers: number[] = [];
  private errors: ErrorRecord[] = [];

  constructor(
    private readonly counters: DecodeCounters,
    private readonly source: string,
    private readonly jsonl: boolean,
  ) {}

  take(bytes: number, release: (() => void) | null = null): SourceBatch {
    const records: SourceBatch['records'] = this.jsonl
      ? { kind: 'jsonl', bytes: this.bytes, bounds: this.bounds, lineNumbers: this.lineNumbers }
      : new XmlChunk(this.bytes, this.base, this.bounds, this.unchecked, release);
    const b: SourceBatch = { source: this.source, records, errors: this.errors, bytes };
    this.bounds = [];
    this.unchecked = false;
    this.lineSource = NO_BYTES;
    this.lineShift = 0;
    this.lineNumbers = [];
    this.errors = [];
    this.bytes = NO_BYTES;
    return b;
  }

  chunk(buf: Buffer): void {
    this.bytes = buf;
  }

  event(a: number, b: number, _buf: Buffer, fileOffset: number, byEndTag: boolean): void {
    this.base = fileOffset;
    this.bounds.push(a, b);
    if (byEndTag) this.unchecked = true;
  }

  line(buf: Buffer, a: number, b: number, line: number): void {
    if (buf !== this.lineSource) {
      // Lines of a batch come from one buffer, but for the line a gap ended: the lines kept so
      // far go once in front of the new buffer.
      const kept = this.bounds.length === 0 ? 0 : this.bounds[this.bounds.length - 1];
      this.bytes = kept === 0 ? buf : Buffer.concat([this.bytes.subarray(0, kept), buf]);
      this.lineSource = buf;
      this.lineShift = kept;
    }
    this.bounds.push(a + this.lineShift, b + this.lineShift);
    this.lineNumbers.push(line);
  }

  oversized(line: number, head: string): void {
    this.error('oversized-event', 'line is larger than max_event_bytes; skipped', { line, snippet: snippet(head) });
  }

  /** Problems of the gzip container found so far, in order. */
  inputProblems(input: OpenedInput): void {
    for (const p of input.problems.splice(0)) this.error(p.reason, p.message, { offset: p.offset, compressedOffset: p.compressedOffset, snippet: '' });
  }

  error(
    reason: DecodeReason,
    message: string,
    offset: number | { offset?: number; compressedOffset?: number; line?: number; snippet: string },
    snip?: string,
  ): void {
    const where = typeof offset === 'number' ? { offset, snippet: snip ?? '' } : offset;
    this.counters.countError(reason);
    this.errors.push({ reason, message, source: this.source, ...where });
  }
}

/** Raw records of one opened XML or JSON-lines input. */
export async function* readTextInput(input: OpenedInput, options: FileSourceOptions): AsyncGenerator<SourceBatch> {
  const jsonl = input.format === 'jsonl';
  const collector = new FrameCollector(options.counters, input.path, jsonl);
  let consumed = 0;
  const progress = (): number => {
    const now = input.bytesRead;
    const d = now - consumed;
    consumed = now;
    return d;
  };
  // A gzip problem that skipped a damaged stretch ends the event in progress (it cannot be
  // completed by bytes from after the stretch) before the problem is recorded.
  // Frames cut at their end tag need a decoder that frames again the rare one holding another
  // event's start (BatchDecoder); the shard workers decode each frame as one event at its place.
  const framer = jsonl ? new LineFramer(options.maxEventBytes) : new XmlEventFramer(options.maxEventBytes, options.shared !== true);
  /** The read of the next chunk, started before this one's events go on (settled before the input closes). */
  let reading: Promise<number> | null = null;
  try {
    if (framer instanceof XmlEventFramer && input.readInto !== undefined) {
      // A plain file: each chunk is read in behind room for the bytes the last one left (the same
      // chunks as below, without joining them), into memory the decoder gives back; the next chunk
      // is read while this one's events are decoded and judged.
      const readInto = input.readInto;
      const buffers = new ChunkBuffers(options.shared === true);
      let ahead = buffers.take(HEADROOM + CHUNK_BYTES);
      reading = readAhead(readInto(ahead, HEADROOM, CHUNK_BYTES));
      for (;;) {
        const n = await reading;
        reading = null;
        const buf = ahead;
        if (n === 0) {
          buffers.give(buf);
          break;
        }
        const kept = framer.pendingLength;
        if (kept <= HEADROOM) {
          framer.movePendingTo(buf.subarray(HEADROOM - kept));
          framer.pushJoined(buf.subarray(HEADROOM - kept, HEADROOM + n), collector);
        } else {
          framer.push(buf.subarray(HEADROOM, HEADROOM + n), collector);
        }
        ahead = buffers.take(HEADROOM + CHUNK_BYTES);
        reading = readAhead(readInto(ahead, HEADROOM, CHUNK_BYTES));
        yield collector.take(progress(), () => buffers.give(buf));
      }
    } else {
      for await (const chunk of input.chunks) {
        if (input.problems.length > 0 && input.problems.some((p) => p.discontinuity)) framer.gap(collector);
        collector.inputProblems(input);
        framer.push(chunk, collector);
        yield collector.take(progress());
      }
    }
    framer.end(collector);
    collector.inputProblems(input);
    yield collector.take(progress());
  } finally {
    if (reading !== null) await reading.catch(() => 0);
    await input.close?.();
  }
}

/**
 * A read that runs while the reader is suspended: marked as handled at once, so that a failure
 * waits for the reader's await (which throws it) instead of ending the process as unhandled.
 */
function readAhead(read: Promise<number>): Promise<number> {
  read.catch(() => {});
  return read;
}

/** Every record of every input, in order. */
export async function* readFiles(paths: readonly string[], options: FileSourceOptions): AsyncGenerator<SourceBatch> {
  for (const path of paths) {
    const input = await openInput(path);
    options.onFile?.(path, input.size);
    if (input.format === 'evtx') {
      if (options.readBinary === undefined) {
        options.counters.countError('unreadable-input');
        yield typedBatch(path, { events: [], errors: [{ reason: 'unreadable-input', message: 'EVTX input needs the EVTX reader', source: path, snippet: '' }], bytes: input.size });
        continue;
      }
      for await (const b of options.readBinary(input, options.counters)) yield typedBatch(path, b);
      if (input.problems.length > 0) {
        const collector = new FrameCollector(options.counters, path, false);
        collector.inputProblems(input);
        yield collector.take(0);
      }
      continue;
    }
    yield* readTextInput(input, options);
  }
}
