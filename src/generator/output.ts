// Where generated events go. The fleet renders each event straight into the output's
// ByteWriter and then commits it; the output frames it (newline) or re-lays it out (JSON
// layouts), and hands full chunks to its destination. Synchronous buffering: the caller
// awaits drain() between batches. A Kafka sink (issue 5) implements the same interface and
// turns each committed event into a message keyed by host.

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { ByteWriter } from './bytes.js';
import type { RecordSink } from './fleet.js';
import type { LineFormatter } from './formats.js';

export interface EventOutput extends RecordSink {
  /** True when enough is buffered that the caller should await drain() before writing more. */
  readonly full: boolean;
  /** Hand buffered events to the destination; resolves when it can take more. */
  drain(): Promise<void>;
  /** Drain and release the destination. */
  close(): Promise<void>;
  /** Bytes handed over so far. */
  readonly bytes: number;
}

export const CHUNK_BYTES = 4 << 20;
/**
 * Bytes a file stream may hold before drain() waits: a few chunks, so that rendering goes on
 * while the thread pool writes the previous ones (the default 16 KB serialised the two).
 */
const FILE_BUFFERED = 4 * CHUNK_BYTES;
/** Room kept free for one event, including its JSON re-layout (written after it, then moved over it). */
const EVENT_ROOM = 64 << 10;

/** Replace the XML event at w[start, off) with its re-layout (JSON layouts); null keeps it. */
export function relayout(w: ByteWriter, start: number, format: LineFormatter | null): void {
  if (format !== null) format(w, start);
}

/**
 * Newline-delimited events in chunks of about 4 MB. `format` re-lays out each XML event
 * (JSON layouts); null keeps the XML as rendered.
 */
export class ChunkedOutput {
  readonly writer: ByteWriter;
  protected readonly chunks: Buffer[] = [];
  /**
   * Written chunks' buffers, for reuse. A fresh 4 MB buffer per chunk cost page faults (the
   * kernel zeroes every new page) and GC work for the external memory, as much as the rendering.
   */
  private readonly spare: Buffer[] = [];

  /** `allocate` makes a CHUNK_BYTES buffer (the O_DIRECT file output needs page-aligned ones). */
  constructor(
    private readonly format: LineFormatter | null,
    private readonly allocate: () => Buffer = () => Buffer.allocUnsafe(CHUNK_BYTES),
  ) {
    this.writer = new ByteWriter(allocate());
  }

  reserve(): void {
    if (this.writer.off + EVENT_ROOM > this.writer.buf.length) this.seal();
  }

  /** A CHUNK_BYTES buffer: a written one if any, else a new one. */
  protected freshBuffer(): Buffer {
    return this.spare.pop() ?? this.allocate();
  }

  /** Queue the bytes written so far as a chunk and go on in another buffer. */
  protected seal(): void {
    const w = this.writer;
    if (w.off === 0) return;
    this.chunks.push(w.buf.subarray(0, w.off));
    w.buf = this.freshBuffer();
    w.off = 0;
  }

  /** `chunk` (from takeChunks) has been written and nobody holds it: its buffer can be reused. */
  protected recycle(chunk: Buffer): void {
    if (chunk.byteOffset === 0 && chunk.buffer.byteLength === CHUNK_BYTES && this.spare.length < 16) {
      this.spare.push(Buffer.from(chunk.buffer, 0, CHUNK_BYTES));
    }
  }

  commit(_host: string, _time: number, start: number): void {
    relayout(this.writer, start, this.format);
    this.writer.byte(10);
  }

  get full(): boolean {
    return this.chunks.length > 0;
  }

  /** Every complete chunk, including the current partial one (as far as seal() takes it). */
  protected takeChunks(): Buffer[] {
    this.seal();
    return this.chunks.splice(0);
  }
}

/** Into a file or a stream (stdout). */
export class StreamOutput extends ChunkedOutput implements EventOutput {
  private readonly stream: Writable;
  private readonly owns: boolean;
  bytes = 0;

  constructor(target: string | Writable, format: LineFormatter | null = null) {
    super(format);
    this.owns = typeof target === 'string';
    this.stream = typeof target === 'string' ? createWriteStream(target, { highWaterMark: FILE_BUFFERED }) : target;
  }

  async drain(): Promise<void> {
    let ok = true;
    for (const c of this.takeChunks()) {
      this.bytes += c.length;
      // The callback runs once the stream has written c (and dropped it): only then is it reused.
      ok = this.stream.write(c, (err) => {
        if (err == null) this.recycle(c);
      });
    }
    if (!ok) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.drain();
    if (!this.owns) return;
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

/** In memory: complete chunks go to a callback (benchmarks feed them to the replay engine without disk). */
export class CallbackOutput extends ChunkedOutput implements EventOutput {
  bytes = 0;

  constructor(
    private readonly onChunk: (chunk: Buffer) => void | Promise<void>,
    format: LineFormatter | null = null,
    /**
     * The callback keeps nothing of a chunk once it has returned (resolved): its buffer is
     * written again. Saves a fresh 4 MB buffer per chunk, and the GC work for it.
     */
    private readonly reuseChunks = false,
  ) {
    super(format);
  }

  async drain(): Promise<void> {
    for (const c of this.takeChunks()) {
      this.bytes += c.length;
      await this.onChunk(c);
      if (this.reuseChunks) this.recycle(c);
    }
  }

  async close(): Promise<void> {
    await this.drain();
  }
}

/** Each event as a separate byte string with its host and time (tests, small in-process uses). */
export class LinesOutput implements RecordSink {
  readonly writer = new ByteWriter(EVENT_ROOM * 2);
  readonly lines: Array<{ host: string; time: number; line: string }> = [];

  reserve(): void {
    this.writer.off = 0;
  }

  commit(host: string, time: number, start: number): void {
    this.lines.push({ host, time, line: this.writer.slice(start, this.writer.off) });
  }
}
