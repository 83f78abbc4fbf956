// Where generated events go. An EventOutput takes one formatted line per event, keyed by host
// (Kafka sinks key messages by host), buffers synchronously, and tells the caller when to
// await drain(): the generation loop stays synchronous and I/O happens between batches.

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { RecordSink } from './fleet.js';
import type { LineFormatter } from './formats.js';

export interface EventOutput {
  /** Buffer one event (a byte string: one char per UTF-8 byte, no newline). */
  write(host: string, line: string): void;
  /** True when enough is buffered that the caller should await drain() before writing more. */
  readonly full: boolean;
  /** Hand buffered events to the destination; resolves when it can take more. */
  drain(): Promise<void>;
  /** Drain and release the destination. */
  close(): Promise<void>;
  /** Bytes handed over so far. */
  readonly bytes: number;
}

const CHUNK_BYTES = 4 << 20;

/** Buffer#latin1Write: a plain byte copy of a one-byte string (Node has it; the types do not). */
type Latin1Writable = Buffer & { latin1Write(s: string, offset: number): number };

/** Newline-delimited events into a file or a stream (stdout), written in 4 MB chunks. */
export class StreamOutput implements EventOutput {
  private buf = Buffer.allocUnsafe(CHUNK_BYTES);
  private off = 0;
  private readonly chunks: Buffer[] = [];
  private readonly stream: Writable;
  private readonly owns: boolean;
  bytes = 0;

  constructor(target: string | Writable) {
    this.owns = typeof target === 'string';
    this.stream = typeof target === 'string' ? createWriteStream(target) : target;
  }

  write(_host: string, line: string): void {
    if (this.off + line.length + 1 > this.buf.length) this.rotate(line.length + 1);
    this.off += (this.buf as Latin1Writable).latin1Write(line, this.off);
    this.buf[this.off++] = 10;
  }

  get full(): boolean {
    return this.chunks.length > 0;
  }

  /** Move the filled part aside (no copy) and start a fresh buffer. */
  private rotate(need: number): void {
    if (this.off > 0) this.chunks.push(this.buf.subarray(0, this.off));
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, need));
    this.off = 0;
  }

  async drain(): Promise<void> {
    if (this.off > 0) this.rotate(0);
    let ok = true;
    for (const c of this.chunks) {
      this.bytes += c.length;
      ok = this.stream.write(c);
    }
    this.chunks.length = 0;
    if (!ok) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.drain();
    if (!this.owns) return;
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

/** Adapts an EventOutput and a layout to the fleet's RecordSink. */
export class FormattingSink implements RecordSink {
  constructor(
    private readonly out: EventOutput,
    private readonly format: LineFormatter,
  ) {}

  record(host: string, _time: number, line: string): void {
    this.out.write(host, this.format(line));
  }
}
