// The KafkaClient interface against a real broker: what the pipeline relies on.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Assignment, InBatch, KafkaAdmin, KafkaClient } from '../../src/kafka/client.js';
import { createTopics, eventually, randomName, sleep, testClient, waitForMessages } from './helpers.js';

let client: KafkaClient;
let admin: KafkaAdmin;

beforeAll(async () => {
  client = testClient();
  admin = await client.admin();
});
afterAll(async () => {
  await admin?.close();
});

describe('admin', () => {
  it('creates plain and compacted topics, leaves existing ones alone, reports partitions and watermarks', async () => {
    const plain = randomName('plain');
    const compacted = randomName('state');
    await admin.createTopics([
      { topic: plain, partitions: 3 },
      { topic: compacted, partitions: 2, compacted: true },
    ]);
    // A second call with other settings must not fail nor change the topic.
    await admin.createTopics([{ topic: plain, partitions: 5 }]);
    expect(await admin.partitionCount(plain)).toBe(3);
    expect(await admin.partitionCount(compacted)).toBe(2);
    expect(await admin.partitionCount(randomName('missing'))).toBeUndefined();
    expect(await admin.watermarks(plain)).toEqual([
      { partition: 0, low: 0, high: 0 },
      { partition: 1, low: 0, high: 0 },
      { partition: 2, low: 0, high: 0 },
    ]);
  });
});

describe('produce and consume', () => {
  it('delivers keys, values and headers, and commits offsets only when told', async () => {
    const topic = randomName('io');
    const groupId = randomName('group');
    await createTopics(client, [{ topic, partitions: 1 }]);
    const producer = await client.producer();
    await producer.send([
      {
        topic,
        messages: [
          { key: 'host-a', value: 'one', headers: { rule: 'smss.path' } },
          { key: 'host-b', value: Buffer.from('two') },
          { key: null, value: 'three' },
        ],
      },
    ]);
    await producer.close();

    const batches: InBatch[] = [];
    const consumer = client.consumer({ groupId, topics: [topic] });
    await consumer.run({ onBatch: async (b) => void batches.push(b) });
    await eventually('three messages', () => batches.flatMap((b) => b.messages).length === 3);
    const messages = batches.flatMap((b) => b.messages);
    expect(messages.map((m) => [m.offset, m.key?.toString() ?? null, m.value?.toString()])).toEqual([
      [0, 'host-a', 'one'],
      [1, 'host-b', 'two'],
      [2, null, 'three'],
    ]);
    expect(messages[0].headers.rule?.toString()).toBe('smss.path');
    expect(batches.at(-1)?.highWatermark).toBe(3);
    expect(await admin.committedOffsets(groupId, topic)).toEqual([]);
    await consumer.commit([{ topic, partition: 0, offset: 2 }]);
    expect(await admin.committedOffsets(groupId, topic)).toEqual([{ topic, partition: 0, offset: 2 }]);
    await consumer.close();
    await consumer.close(); // idempotent
  });

  it('keys pick the same partition every time (murmur2, as the Java client)', async () => {
    const topic = randomName('keyed');
    await createTopics(client, [{ topic, partitions: 3 }]);
    const producer = await client.producer();
    const hosts = ['WKS-1', 'WKS-2', 'DC-1', 'SRV-9'];
    for (let round = 0; round < 2; round++) {
      await producer.send([{ topic, messages: hosts.map((h) => ({ key: h, value: `${h}-${round}` })) }]);
    }
    await producer.close();
    const received = await waitForMessages(client, topic, { count: 8 });
    const partitionsOf = new Map<string, Set<number>>();
    for (const m of received) {
      const key = m.key!.toString();
      partitionsOf.set(key, (partitionsOf.get(key) ?? new Set()).add(m.partition));
    }
    for (const h of hosts) expect(partitionsOf.get(h)?.size).toBe(1);
  });
});

describe('large sends', () => {
  it('splits a send bigger than the broker record-size limit, and gzips when asked', async () => {
    const topic = randomName('big');
    await createTopics(client, [{ topic, partitions: 1 }]);
    const producer = await client.producer({ transactionalId: randomName('tx') });
    const value = 'y'.repeat(2000);
    const tx = await producer.transaction();
    // 3 MB to one partition in one call: one record batch would exceed max.message.bytes (1 MB).
    await tx.send([
      { topic, messages: Array.from({ length: 1500 }, (_, i) => ({ key: `k${i}`, value })) },
      { topic, messages: [{ key: 'z', value: 'compressed'.repeat(50_000) }], compress: true },
    ]);
    await tx.commit();
    await producer.close();
    const received = await waitForMessages(client, topic, { count: 1501 });
    expect(received.at(-1)?.value?.toString()).toBe('compressed'.repeat(50_000));
  });
});

describe('transactions', () => {
  it('makes committed messages and offsets visible together, hides aborted ones', async () => {
    const input = randomName('tx-in');
    const output = randomName('tx-out');
    const groupId = randomName('tx-group');
    await createTopics(client, [
      { topic: input, partitions: 1 },
      { topic: output, partitions: 1 },
    ]);
    const producer = await client.producer({ transactionalId: randomName('tx') });
    const committed = await producer.transaction();
    await committed.send([{ topic: output, messages: [{ key: 'h', value: 'kept' }] }]);
    await committed.sendOffsets(groupId, [{ topic: input, partition: 0, offset: 7 }]);
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send([{ topic: output, messages: [{ key: 'h', value: 'dropped' }] }]);
    await aborted.sendOffsets(groupId, [{ topic: input, partition: 0, offset: 9 }]);
    await aborted.abort();
    const last = await producer.transaction();
    await last.send([{ topic: output, messages: [{ key: 'h', value: 'kept too' }] }]);
    await last.commit();
    await producer.close();

    const received = await waitForMessages(client, output, { count: 2, settleMs: 500 });
    expect(received.map((m) => m.value?.toString())).toEqual(['kept', 'kept too']);
    expect(await admin.committedOffsets(groupId, input)).toEqual([{ topic: input, partition: 0, offset: 7 }]);
    // A read_uncommitted reader sees the aborted record too: the filter above is the isolation level's doing.
    const raw = await waitForMessages(client, output, { count: 3, readCommitted: false });
    expect(raw.map((m) => m.value?.toString())).toContain('dropped');
  });

  it('fences a producer when another starts with the same transactional id', async () => {
    const topic = randomName('fence');
    await createTopics(client, [{ topic, partitions: 1 }]);
    const id = randomName('txid');
    const zombie = await client.producer({ transactionalId: id });
    const zombieTx = await zombie.transaction();
    await zombieTx.send([{ topic, messages: [{ value: 'zombie' }] }]);
    const successor = await client.producer({ transactionalId: id });
    await expect(zombieTx.commit()).rejects.toThrow();
    const tx = await successor.transaction();
    await tx.send([{ topic, messages: [{ value: 'successor' }] }]);
    await tx.commit();
    await Promise.allSettled([zombie.close(), successor.close()]);
    const received = await waitForMessages(client, topic, { count: 1, settleMs: 500 });
    expect(received.map((m) => m.value?.toString())).toEqual(['successor']);
  });
});

describe('consumer group', () => {
  it('reports assignments and splits partitions between two members', async () => {
    const topic = randomName('group');
    const groupId = randomName('g');
    await createTopics(client, [{ topic, partitions: 4 }]);
    const seen: Assignment[][] = [[], []];
    const consumers = [0, 1].map(() => client.consumer({ groupId, topics: [topic], sessionTimeoutMs: 10_000 }));
    try {
      await consumers[0].run({ onBatch: async () => {}, onAssignment: (a) => void seen[0].push(a) });
      await eventually('first member owns all partitions', () => seen[0].at(-1)?.partitions.length === 4);
      await consumers[1].run({ onBatch: async () => {}, onAssignment: (a) => void seen[1].push(a) });
      await eventually(
        'both members own two partitions each',
        () => seen[0].at(-1)?.partitions.length === 2 && seen[1].at(-1)?.partitions.length === 2,
      );
      const owned = [...seen[0].at(-1)!.partitions, ...seen[1].at(-1)!.partitions].map((p) => p.partition).sort();
      expect(owned).toEqual([0, 1, 2, 3]);
    } finally {
      await Promise.all(consumers.map((c) => c.close()));
    }
  });

  it('pause holds a partition back until resume', async () => {
    const topic = randomName('pause');
    await createTopics(client, [{ topic, partitions: 1 }]);
    const producer = await client.producer();
    const values: string[] = [];
    const consumer = client.consumer({ groupId: randomName('g'), topics: [topic] });
    try {
      await consumer.run({ onBatch: async (b) => void values.push(...b.messages.map((m) => m.value!.toString())) });
      await producer.send([{ topic, messages: [{ value: 'before' }] }]);
      await eventually('the first message', () => values.length === 1);
      consumer.pause([{ topic, partition: 0 }]);
      await producer.send([{ topic, messages: [{ value: 'while paused' }] }]);
      await sleep(1500);
      expect(values).toEqual(['before']);
      consumer.resume([{ topic, partition: 0 }]);
      await eventually('the held-back message', () => values.length === 2);
      expect(values).toEqual(['before', 'while paused']);
    } finally {
      await producer.close();
      await consumer.close();
    }
  });

  it('stop() lets the batch in progress finish', async () => {
    const topic = randomName('stop');
    await createTopics(client, [{ topic, partitions: 1 }]);
    const producer = await client.producer();
    await producer.send([{ topic, messages: [{ value: 'x' }] }]);
    await producer.close();
    let started = false;
    let finished = false;
    const consumer = client.consumer({ groupId: randomName('g'), topics: [topic] });
    await consumer.run({
      onBatch: async () => {
        started = true;
        await sleep(1000);
        finished = true;
      },
    });
    await eventually('the batch to start', () => started);
    await consumer.stop();
    expect(finished).toBe(true);
    await consumer.close();
  });

  it('close() while run() is still joining: the member leaves once joined and never comes back', async () => {
    const topic = randomName('join');
    const groupId = randomName('g');
    await createTopics(client, [{ topic, partitions: 3 }]);
    const first: Assignment[] = [];
    const a = client.consumer({ groupId, topics: [topic], sessionTimeoutMs: 30_000 });
    const b = client.consumer({ groupId, topics: [topic], sessionTimeoutMs: 30_000 });
    try {
      await a.run({ onBatch: async () => {}, onAssignment: (x) => void first.push(x) });
      await eventually('the first member to own all partitions', () => first.at(-1)?.partitions.length === 3);
      let bAssigned = 0;
      let bCrashed: Error | undefined;
      // The second member's join waits for the first one's next heartbeat (up to 3 s): close it meanwhile.
      const joining = b.run({ onBatch: async () => {}, onAssignment: () => void bAssigned++, onCrash: (e) => (bCrashed = e) });
      await sleep(50);
      // On a loaded machine the join can finish within those 50 ms: what must hold either way is
      // that nothing reaches the member once close() has begun.
      const assignedBeforeClose = bAssigned;
      const closedAt = Date.now();
      await b.close();
      await joining;
      // It left: the first member owns everything again at its next heartbeat, not after 30 s.
      await eventually('the first member to own all partitions again', () => first.length >= 3 && first.at(-1)!.partitions.length === 3, 10_000);
      expect(Date.now() - closedAt).toBeLessThan(10_000);
      // And nothing of the closed one runs on: no rebalance for two heartbeats, nothing handed to it.
      const joins = first.length;
      await sleep(3500);
      expect(first.length).toBe(joins);
      expect(bAssigned).toBe(assignedBeforeClose);
      expect(bCrashed).toBeUndefined();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('readPartitions', () => {
  it('reads the chosen partitions to their end, past aborted transactions and markers', async () => {
    const topic = randomName('read');
    await createTopics(client, [{ topic, partitions: 3, compacted: true }]);
    const producer = await client.producer({ transactionalId: randomName('tx') });
    const tx = await producer.transaction();
    await tx.send([
      {
        topic,
        messages: [
          { key: 'a', value: 'a0', partition: 0 },
          { key: 'b', value: 'b1', partition: 1 },
          { key: 'c', value: 'c2', partition: 2 },
        ],
      },
    ]);
    await tx.commit();
    const dropped = await producer.transaction();
    await dropped.send([{ topic, messages: [{ key: 'a', value: 'aborted', partition: 0 }] }]);
    await dropped.abort();
    await producer.close();

    const read: { partition: number; value: string }[] = [];
    await client.readPartitions(topic, [0, 2], (batch) => {
      for (const m of batch.messages) read.push({ partition: batch.partition, value: m.value!.toString() });
    });
    expect(read.sort((x, y) => x.partition - y.partition)).toEqual([
      { partition: 0, value: 'a0' },
      { partition: 2, value: 'c2' },
    ]);
  });

  it('ends early, its reader gone from the broker, when its signal is aborted', async () => {
    const topic = randomName('abort');
    await createTopics(client, [{ topic, partitions: 1 }]);
    const producer = await client.producer();
    await producer.send([{ topic, messages: [{ value: 'x' }] }]);
    await producer.close();
    const controller = new AbortController();
    const reading = client.readPartitions(topic, [0], async () => {
      controller.abort(); // mid-read: from its first batch
      await sleep(200);
    }, controller.signal);
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    const aborted = new AbortController();
    aborted.abort();
    await expect(client.readPartitions(topic, [0], () => {}, aborted.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('returns at once for empty partitions', async () => {
    const topic = randomName('empty');
    await createTopics(client, [{ topic, partitions: 2 }]);
    let batches = 0;
    await client.readPartitions(topic, [0, 1], () => void batches++);
    expect(batches).toBe(0);
  });
});
