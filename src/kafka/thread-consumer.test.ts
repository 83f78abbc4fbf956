import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaClientError, isRetriable, type ConsumerHandlers, type ConsumerOptions, type InBatch, type KafkaClient, type KafkaConsumer, type PartitionOffset, type TopicPartition } from './client.js';
import { explainKafkaError } from './security.js';
import { consumersOnThread, errorFromLinks, errorLinks, packBatch, serveConsumers, SlabPool, unpackMessages, type ConsumerHost, type PackedBatch } from './thread-consumer.js';

const batch: InBatch = {
  topic: 'in',
  partition: 3,
  highWatermark: 1_000_000_007,
  messages: [
    { offset: 1_000_000_000, key: Buffer.from('ws-1'), value: Buffer.from('<Event>é</Event>'), headers: {}, timestampMs: 1_700_000_000_123 },
    { offset: 1_000_000_001, key: null, value: null, headers: {}, timestampMs: 1_700_000_000_124 },
    { offset: 1_000_000_005, key: Buffer.alloc(0), value: Buffer.from('{"EventXML":"<Event/>"}'), headers: { trace: Buffer.from('abc') }, timestampMs: 1_700_000_000_125 },
  ],
};

/** Round trip through a real port, as the threads do it. */
async function across(b: InBatch, pool = new SlabPool()): Promise<InBatch> {
  const { port1, port2 } = new MessageChannel();
  const got = new Promise<InBatch>((resolve) =>
    port2.once('message', (p: PackedBatch) => resolve({ topic: p.topic, partition: p.partition, highWatermark: p.highWatermark, messages: unpackMessages(p, p.memory!) })),
  );
  port1.postMessage(packBatch(b, pool));
  try {
    return await got;
  } finally {
    port1.close();
  }
}

describe('batches across threads', () => {
  it('keep every offset, key, value, header and timestamp, null apart from empty', async () => {
    const got = await across(batch);
    expect(got).toEqual(batch);
    expect(got.messages[0].value).toBeInstanceOf(Buffer);
    expect(got.messages[1].key).toBeNull();
    expect(got.messages[2].key).toEqual(Buffer.alloc(0));
    expect(got.messages[2].headers.trace).toBeInstanceOf(Buffer);
  });

  it('reuse a slab only once its batch was released, and a big enough one', () => {
    const pool = new SlabPool();
    const first = packBatch(batch, pool);
    expect(first.memory).toBeInstanceOf(SharedArrayBuffer);
    const second = packBatch(batch, pool);
    expect(second.slab).not.toBe(first.slab);
    pool.give(first.slab);
    const third = packBatch(batch, pool);
    expect(third.slab).toBe(first.slab);
    expect(third.memory).toBeUndefined(); // the other side has it already
    expect(unpackMessages(third, first.memory!)).toEqual(batch.messages);
    const big: InBatch = { ...batch, messages: [{ ...batch.messages[0], value: Buffer.alloc(3 << 20, 1) }] };
    pool.give(second.slab);
    const fourth = packBatch(big, pool);
    expect(fourth.slab).not.toBe(second.slab);
    expect(unpackMessages(fourth, fourth.memory!)[0].value!.equals(big.messages[0].value!)).toBe(true);
    expect(pool.bytes).toBe(6 << 20); // two slabs of 1 MB, one of 4 MB (3 MB and the rest of its batch)
  });

  it('let free slabs go beyond 32 MB, and reuse their numbers', () => {
    const pool = new SlabPool();
    const big: InBatch = { ...batch, messages: [{ ...batch.messages[0], value: Buffer.alloc(4 << 20) }] };
    const taken = Array.from({ length: 12 }, () => packBatch(big, pool));
    expect(pool.bytes).toBe(12 * (5 << 20));
    const kept = taken.map((p) => pool.give(p.slab));
    expect(kept).toEqual([...Array(6).fill(true), ...Array(6).fill(false)]); // 6 x 5 MB free at most
    expect(pool.bytes).toBe(6 * (5 << 20));
    const again = packBatch(big, pool);
    expect(again.memory).toBeUndefined();
    const more = Array.from({ length: 6 }, () => packBatch(big, pool));
    expect(more.map((p) => p.memory === undefined)).toEqual([...Array(5).fill(true), false]);
    expect(more[5].slab).toBeLessThan(12); // a number let go before
  });
});

describe('errors across threads', () => {
  it('keep what the pipeline reads: names, types, codes, retriable, the cause chain', () => {
    const acl = Object.assign(new Error('Not authorized to access group'), { name: 'KafkaJSProtocolError', type: 'GROUP_AUTHORIZATION_FAILED', retriable: false });
    const crash = new KafkaClientError('the Kafka consumer stopped: Not authorized to access group', { cause: acl, retriable: false });
    const back = errorFromLinks(errorLinks(crash));
    expect(back).toBeInstanceOf(KafkaClientError);
    expect(isRetriable(back)).toBe(false);
    const source = { brokers: ['b:9092'], topic: 'in', group_id: 'g', state_topic: 's', dead_letter_topic: 'd' };
    expect(explainKafkaError(back, source)).toBe(explainKafkaError(crash, source));
    expect(explainKafkaError(back, source)).toContain('consumer group g');

    const gone = new KafkaClientError('the Kafka consumer stopped: Connection error', { cause: Object.assign(new Error('connect ECONNREFUSED'), { name: 'KafkaJSConnectionError', code: 'ECONNREFUSED' }), retriable: true });
    const again = errorFromLinks(errorLinks(gone)) as KafkaClientError;
    expect(isRetriable(again)).toBe(true);
    expect((again.cause as Error & { code?: string }).code).toBe('ECONNREFUSED');
  });
});

/** A consumer that records what it is asked and lets the test play the group and the fetches. */
class FakeConsumer implements KafkaConsumer {
  handlers: ConsumerHandlers | undefined;
  readonly paused = new Set<number>();
  readonly commits: PartitionOffset[][] = [];
  closed = false;
  constructor(readonly options: ConsumerOptions) {}
  async run(handlers: ConsumerHandlers) {
    this.handlers = handlers;
  }
  async commit(offsets: PartitionOffset[]) {
    if (offsets.some((o) => o.offset < 0)) throw Object.assign(new Error('bad offset'), { name: 'KafkaJSProtocolError', type: 'OFFSET_OUT_OF_RANGE' });
    this.commits.push(offsets);
  }
  pause(ps: TopicPartition[]) {
    for (const p of ps) this.paused.add(p.partition);
  }
  resume(ps: TopicPartition[]) {
    for (const p of ps) this.paused.delete(p.partition);
  }
  async stop() {}
  async close() {
    this.closed = true;
  }
}

const until = async (what: string, cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
};

describe('a consumer served on another thread', () => {
  let host: ConsumerHost | undefined;
  afterEach(async () => host?.close());

  function setUp() {
    const { port1, port2 } = new MessageChannel();
    const made: FakeConsumer[] = [];
    const specs: unknown[] = [];
    const serving: KafkaClient = {
      admin: () => Promise.reject(new Error('not here')),
      producer: () => Promise.reject(new Error('not here')),
      consumer: (o) => {
        const c = new FakeConsumer(o);
        made.push(c);
        return c;
      },
      readPartitions: () => Promise.reject(new Error('not here')),
    };
    host = serveConsumers(port1, (spec) => (specs.push(spec), serving));
    const local = { ...serving, admin: () => Promise.reject(new Error('local admin')) };
    const client = consumersOnThread(local, port2, { brokers: ['b:1'] });
    return { client, made, specs };
  }

  it('hands over batches one at a time per settle, and assignments before their batches', async () => {
    const { client, made, specs } = setUp();
    const consumer = client.consumer({ groupId: 'g', topics: ['in'], partitionsConcurrently: 4 });
    const events: string[] = [];
    const got: InBatch[] = [];
    let settle!: () => void;
    await consumer.run({
      onBatch: (b) => {
        got.push(b);
        events.push(`batch ${b.partition} ${b.messages.length}`);
        return new Promise<void>((r) => (settle = r));
      },
      onAssignment: (a) => {
        events.push(`assigned ${a.partitions.map((p) => p.partition).join(',')}`);
        // As the Kafka source does with new partitions until they are restored.
        consumer.pause([{ topic: 'in', partition: 2 }]);
      },
    });
    expect(specs).toEqual([{ brokers: ['b:1'] }]);
    const served = made[0];
    expect(served.options.partitionsConcurrently).toBe(4);
    served.handlers!.onAssignment!({ partitions: [1, 2].map((partition) => ({ topic: 'in', partition })), memberChanged: false });
    // Paused at the join on the serving side, until the handler said which stay paused.
    expect([...served.paused].sort()).toEqual([1, 2]);
    await until('the handler to answer', () => !served.paused.has(1));
    expect([...served.paused]).toEqual([2]);
    let delivered = false;
    const fetched = served.handlers!.onBatch(batch).then(() => (delivered = true));
    await until('the batch', () => events.length === 2);
    expect(events).toEqual(['assigned 1,2', 'batch 3 3']);
    await new Promise((r) => setTimeout(r, 20));
    expect(delivered).toBe(false);
    settle();
    await fetched;
    expect(delivered).toBe(true);
    // Not released, the first batch's memory is not reused; released, the next batch gets it.
    const memoryOf = (b: InBatch) => b.messages[0].value!.buffer;
    void served.handlers!.onBatch(batch);
    await until('the second batch', () => got.length === 2);
    expect(memoryOf(got[1])).not.toBe(memoryOf(got[0]));
    got[0].release!();
    got[0].release!(); // once is enough, twice is harmless
    settle();
    await new Promise((r) => setTimeout(r, 20));
    void served.handlers!.onBatch(batch);
    await until('the third batch', () => got.length === 3);
    expect(memoryOf(got[2])).toBe(memoryOf(got[0]));
    expect(got[2]).toMatchObject({ partition: 3, highWatermark: batch.highWatermark });
    expect(got[2].messages).toEqual(batch.messages);
  });

  it('answers commits, with the broker\'s error when there is one, and closes', async () => {
    const { client, made } = setUp();
    const consumer = client.consumer({ groupId: 'g', topics: ['in'] });
    await consumer.run({ onBatch: async () => {} });
    await consumer.commit([{ topic: 'in', partition: 1, offset: 42 }]);
    expect(made[0].commits).toEqual([[{ topic: 'in', partition: 1, offset: 42 }]]);
    const failed = await consumer.commit([{ topic: 'in', partition: 1, offset: -5 }]).catch((e: unknown) => e);
    expect((failed as { type?: string }).type).toBe('OFFSET_OUT_OF_RANGE');
    await expect(client.admin()).rejects.toThrow('local admin');
    await consumer.close();
    expect(made[0].closed).toBe(true);
  });

  it('passes a crash on with what decides a reconnect', async () => {
    const { client, made } = setUp();
    const consumer = client.consumer({ groupId: 'g', topics: ['in'] });
    let crashed: KafkaClientError | undefined;
    await consumer.run({ onBatch: async () => {}, onCrash: (e) => (crashed = e) });
    made[0].handlers!.onCrash!(new KafkaClientError('the Kafka consumer stopped: gone', { retriable: true }));
    await until('the crash', () => crashed !== undefined);
    expect(crashed).toBeInstanceOf(KafkaClientError);
    expect(crashed!.retriable).toBe(true);
    await consumer.close();
  });
});
