// Real-broker test helpers in the kafkajs testHelpers style: random names, and waiting for
// messages with a deadline (never an open-ended wait, never a retry that hides a flake).

import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import type { InMessage, KafkaClient, TopicSpec } from '../../src/kafka/client.js';
import { createKafkajsClient } from '../../src/kafka/kafkajs-client.js';

export function brokers(): string[] {
  return inject('kafkaBrokers')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

/** A name no other test (or earlier run against the same broker) uses. */
export function randomName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function testClient(): KafkaClient {
  return createKafkajsClient({ brokers: brokers(), clientId: randomName('test') });
}

export async function createTopics(client: KafkaClient, specs: TopicSpec[]): Promise<void> {
  const admin = await client.admin();
  try {
    await admin.createTopics(specs);
  } finally {
    await admin.close();
  }
}

export interface ReceivedMessage extends InMessage {
  partition: number;
}

export interface WaitOptions {
  /** How many messages to wait for. */
  count: number;
  timeoutMs?: number;
  /** After `count` arrived, keep listening this long so that extra messages show up too. */
  settleMs?: number;
  readCommitted?: boolean;
}

/** Reads topic from the beginning with a fresh group until `count` messages arrived; throws at the deadline. */
export async function waitForMessages(client: KafkaClient, topic: string, options: WaitOptions): Promise<ReceivedMessage[]> {
  const { count, timeoutMs = 30_000, settleMs = 0 } = options;
  const received: ReceivedMessage[] = [];
  const consumer = client.consumer({
    groupId: randomName('wait'),
    topics: [topic],
    fromBeginning: true,
    readCommitted: options.readCommitted ?? true,
  });
  let reached!: () => void;
  const enough = new Promise<void>((resolve) => (reached = resolve));
  try {
    await consumer.run({
      onBatch: async (batch) => {
        for (const m of batch.messages) received.push({ ...m, partition: batch.partition });
        if (received.length >= count) reached();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([enough.then(() => 'ok' as const), deadline]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      throw new Error(`waited ${timeoutMs} ms for ${count} messages on ${topic}, got ${received.length}`);
    }
    if (settleMs > 0) await new Promise((r) => setTimeout(r, settleMs));
    return received.slice();
  } finally {
    await consumer.close();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves when check() is true; an error thrown by check() counts as "not yet". Throws with `what` (and the last error) at the deadline. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}
