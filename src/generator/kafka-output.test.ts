import { describe, expect, it } from 'vitest';
import { stringFormatter } from '../../test/helpers/string-formats.js';
import type { KafkaProducer, OutRecord } from '../kafka/client.js';
import { Fleet } from './fleet.js';
import { formatter } from './formats.js';
import { KafkaOutput } from './kafka-output.js';
import { TopicWriter } from '../sinks/kafka/topic-writer.js';
import { LinesOutput } from './output.js';
import { runFleet } from './run.js';

/** An in-memory producer: what would have been sent. */
function recordingProducer(): KafkaProducer & { sent: OutRecord[]; closed: boolean } {
  const p = {
    sent: [] as OutRecord[],
    closed: false,
    async send(records: OutRecord[]) {
      // Copy: a real producer has serialised the values by the time send resolves.
      for (const r of records) p.sent.push({ topic: r.topic, messages: r.messages.map((m) => ({ key: m.key, value: Buffer.from(m.value as Buffer) })) });
    },
    async transaction(): Promise<never> {
      throw new Error('not transactional');
    },
    async close() {
      p.closed = true;
    },
  };
  return p;
}

describe('KafkaOutput', () => {
  it('sends one message per event keyed by host, the same events a file gets, in batches', async () => {
    const o = { hosts: 30, durationSecs: 600, seed: 4 };
    const producer = recordingProducer();
    const out = new KafkaOutput(new TopicWriter(producer, 'sysmon'), formatter('winlogbeat'));
    const r = await runFleet(new Fleet(o), out);
    await out.close();
    expect(producer.closed).toBe(true);
    const messages = producer.sent.flatMap((s) => s.messages);
    expect(producer.sent.every((s) => s.topic === 'sysmon')).toBe(true);
    expect(producer.sent.length).toBeGreaterThan(1);
    expect(messages).toHaveLength(r.events);

    const reference = new LinesOutput();
    const f = new Fleet(o);
    while (!f.done) f.fill(reference, 100_000);
    const wb = stringFormatter('winlogbeat');
    expect(messages.map((m) => m.key)).toEqual(reference.lines.map((l) => l.host));
    for (let i = 0; i < messages.length; i++) expect((messages[i].value as Buffer).toString('latin1')).toBe(wb(reference.lines[i].line));
  });
});
