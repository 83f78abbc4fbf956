// Generated events as Kafka messages, one per event, keyed by host (so that a host's events
// stay in one partition, in order), written by the Kafka sink's topic writer.
// Values are slices of the render buffer: no copy per event.

import type { TopicWriter } from '../sinks/kafka/topic-writer.js';
import { ByteWriter } from './bytes.js';
import type { LineFormatter } from './formats.js';
import { relayout, type EventOutput } from './output.js';

const BUFFER_BYTES = 4 << 20;
const EVENT_ROOM = 64 << 10;

export class KafkaOutput implements EventOutput {
  readonly writer = new ByteWriter(BUFFER_BYTES);
  constructor(
    private readonly out: TopicWriter,
    private readonly format: LineFormatter | null = null,
  ) {}

  reserve(): void {
    const w = this.writer;
    if (w.off + EVENT_ROOM <= w.buf.length) return;
    // Messages still point into the old buffer; it stays alive until they are sent.
    w.buf = Buffer.allocUnsafe(BUFFER_BYTES);
    w.off = 0;
  }

  commit(host: string, _time: number, start: number): void {
    const w = this.writer;
    relayout(w, start, this.format);
    this.out.push({ key: host, value: w.buf.subarray(start, w.off) });
  }

  get full(): boolean {
    return this.out.full;
  }

  get bytes(): number {
    return this.out.bytes;
  }

  drain(): Promise<void> {
    return this.out.flush();
  }

  close(): Promise<void> {
    return this.out.close();
  }
}
