// The Kafka sink's plain producer path, for writers that are not a pipeline (generate --kafka):
// messages gathered into large sends to one topic, each send acknowledged before the next.

import type { KafkaClient, KafkaProducer, OutMessage } from '../../kafka/client.js';

/** Messages per send: large enough for throughput, small enough for the broker's batch limits once chunked. */
const MESSAGES_PER_SEND = 5000;

export class TopicWriter {
  private messages: OutMessage[] = [];
  /** Value bytes sent so far. */
  bytes = 0;

  constructor(
    private readonly producer: KafkaProducer,
    readonly topic: string,
  ) {}

  static async open(client: KafkaClient, topic: string): Promise<TopicWriter> {
    return new TopicWriter(await client.producer(), topic);
  }

  push(message: OutMessage): void {
    this.messages.push(message);
  }

  get full(): boolean {
    return this.messages.length >= MESSAGES_PER_SEND;
  }

  async flush(): Promise<void> {
    if (this.messages.length === 0) return;
    const messages = this.messages;
    this.messages = [];
    for (const m of messages) if (m.value !== null) this.bytes += m.value.length;
    await this.producer.send([{ topic: this.topic, messages }]);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.producer.close();
  }
}
