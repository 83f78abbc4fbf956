// Generated events as Kafka messages, one per event, keyed by host (so that a host's events
// stay in one partition, in order), through our Kafka client interface (src/kafka/client.ts).
// Values are slices of the render buffer: no copy per event.

import type { KafkaProducer, OutMessage } from '../kafka/client.js';
import { ByteWriter } from './bytes.js';
import type { LineFormatter } from './formats.js';
import { relayout, type EventOutput } from './output.js';

const BUFFER_BYTES = 4 << 20;
const EVENT_ROOM = 64 << 10;
/** Messages per send: large enough for throughput, small enough for the broker's batch limits once chunked. */
const MESSAGES_PER_SEND = 5000;

export class KafkaOutput implements EventOutput {
  readonly writer = new ByteWriter(BUFFER_BYTES);
  private messages: OutMessage[] = [];
  bytes = 0;

  constructor(
    private readonly producer: KafkaProducer,
    private readonly topic: string,
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
    this.messages.push({ key: host, value: w.buf.subarray(start, w.off) });
  }

  get full(): boolean {
    return this.messages.length >= MESSAGES_PER_SEND;
  }

  async drain(): Promise<void> {
    if (this.messages.length === 0) return;
    const messages = this.messages;
    this.messages = [];
    for (const m of messages) this.bytes += (m.value as Buffer).length;
    await this.producer.send([{ topic: this.topic, messages }]);
  }

  async close(): Promise<void> {
    await this.drain();
    await this.producer.close();
  }
}
