// The KafkaClient interface implemented with kafkajs 2.2.4 (tested against Apache Kafka 4.4).

import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip, unzip } from 'node:zlib';
import kafkajs from 'kafkajs';
import {
  CompressionTypes,
  Kafka,
  logLevel as KafkaLogLevel,
  PartitionAssigners,
  Partitioners,
  type Admin,
  type ConfigResourceTypes,
  type Batch,
  type Consumer,
  type IHeaders,
  type LogEntry,
  type Message,
  type Producer,
  type Transaction,
} from 'kafkajs';
import type { Logger } from 'pino';
import {
  KafkaClientError,
  isRetriable,
  type Assignment,
  type ConsumerHandlers,
  type ConsumerOptions,
  type InBatch,
  type InMessage,
  type KafkaAdmin,
  type KafkaClient,
  type KafkaConsumer,
  type KafkaProducer,
  type KafkaTransaction,
  type OutMessage,
  type OutRecord,
  type PartitionOffset,
  type PartitionWatermarks,
  type ProducerOptions,
  type TopicPartition,
  type TopicSpec,
} from './client.js';
import type { KafkajsSecurity } from './security.js';
import { stickyAssigner, type TopicPartitions } from './sticky-assigner.js';

export interface KafkajsClientOptions {
  brokers: string[];
  clientId?: string;
  /** kafkajs' own log lines go here (pino, stderr); silent when absent. */
  logger?: Logger;
  /** TLS and SASL options, from kafkajsSecurity() in security.ts; plaintext without. */
  security?: KafkajsSecurity;
}

const gzipAsync = promisify(gzip);
const unzipAsync = promisify(unzip);

/**
 * What the sink compresses (snapshots on the state topic, tens of KB of JSON per host, every
 * host every snapshot interval) at zlib's level 1 instead of kafkajs' default 6, in 64 KB steps
 * instead of 16 KB: still gzip for every reader, for about a third of the CPU (BENCHMARKS.md).
 */
const FAST_GZIP = {
  compress: (encoder: { buffer: Buffer }) => gzipAsync(encoder.buffer, { level: 1, chunkSize: 64 * 1024 }),
  decompress: (buffer: Buffer) => unzipAsync(buffer),
};
// The codec registry is not a named export that Node's ESM loader finds in kafkajs' CommonJS.
kafkajs.CompressionCodecs[CompressionTypes.GZIP] = () => FAST_GZIP;

export function createKafkajsClient(options: KafkajsClientOptions): KafkaClient {
  if (options.brokers.length === 0) throw new KafkaClientError('no Kafka brokers given: set brokers (host:port, ...)');
  const kafka = new Kafka({
    clientId: options.clientId ?? 'sysmon-proctree',
    brokers: options.brokers,
    logLevel: options.logger ? KafkaLogLevel.WARN : KafkaLogLevel.NOTHING,
    logCreator: () => (entry) => forwardLog(options.logger, entry),
    ssl: options.security?.ssl,
    sasl: options.security?.sasl,
  });
  return {
    admin: () => connectAdmin(kafka),
    producer: (producerOptions) => connectProducer(kafka, producerOptions ?? {}),
    consumer: (consumerOptions) => new KafkajsConsumer(kafka, consumerOptions),
    readPartitions: (topic, partitions, onBatch, signal) => readPartitions(kafka, topic, partitions, onBatch, signal),
  };
}

function forwardLog(logger: Logger | undefined, { namespace, level, log }: LogEntry): void {
  if (!logger) return;
  const { message, ...rest } = log;
  // Said at every idempotent producer's creation because we cap its retries (retry.retries): a
  // send that runs out of them fails, and the pipeline then commits nothing past it.
  if (message.startsWith('Limiting retries for the idempotent producer')) return void logger.debug({ kafkajs: namespace, ...rest }, message);
  // A consumer crash reaches the pipeline as an error (onCrash), which says what it does about it.
  if (namespace === 'Consumer' && message.startsWith('Crash:')) return void logger.debug({ kafkajs: namespace, ...rest }, message);
  // kafkajs logs every retried request failure (e.g. "coordinator is loading") as an error at the
  // connection level; the operation's own outcome is what matters, so those stay at debug.
  if (namespace === 'Connection') return void logger.debug({ kafkajs: namespace, ...rest }, message);
  // A failure kafkajs is about to retry (retryCount set), e.g. CONCURRENT_TRANSACTIONS right after
  // a commit, is not an error of ours unless the retries run out (then the call itself throws).
  // The first retry is routine (CONCURRENT_TRANSACTIONS comes every few commits): debug; repeated ones warn.
  if (level === KafkaLogLevel.ERROR && rest.retryCount === undefined) logger.error({ kafkajs: namespace, ...rest }, message);
  else if (level === KafkaLogLevel.ERROR && rest.retryCount === 0) logger.debug({ kafkajs: namespace, ...rest }, message);
  else if (level === KafkaLogLevel.ERROR) logger.warn({ kafkajs: namespace, ...rest }, message);
  else if (level === KafkaLogLevel.WARN) logger.warn({ kafkajs: namespace, ...rest }, message);
  else logger.debug({ kafkajs: namespace, ...rest }, message);
}

/** kafkajs' ConfigResourceTypes.TOPIC: not a named export that Node's ESM loader finds in kafkajs' CommonJS. */
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;

async function connectAdmin(kafka: Kafka): Promise<KafkaAdmin> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  let closed = false;
  return {
    async createTopics(specs: TopicSpec[]) {
      if (specs.length === 0) return;
      const existing = new Set(await admin.listTopics());
      const topics = specs
        .filter((s) => !existing.has(s.topic))
        .map((s) => ({
          topic: s.topic,
          numPartitions: s.partitions,
          configEntries: Object.entries({ ...(s.compacted ? { 'cleanup.policy': 'compact' } : {}), ...s.config }).map(
            ([name, value]) => ({ name, value }),
          ),
        }));
      if (topics.length === 0) return;
      try {
        await admin.createTopics({ topics, waitForLeaders: false });
      } catch (err) {
        // A concurrent creator (another instance starting) is fine; anything else is not.
        if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') {
          throw new KafkaClientError(`creating topics ${topics.map((t) => t.topic).join(', ')} failed: ${(err as Error).message}`, {
            cause: err,
          });
        }
      }
      await waitForLeaders(admin, topics.map((t) => t.topic));
    },
    async partitionCount(topic: string) {
      const { topics } = await admin.fetchTopicMetadata({ topics: [] });
      const listed = topics.find((t) => t.name === topic);
      if (listed) return listed.partitions.length;
      // Not listed: absent, or hidden by ACLs (the list holds only topics we may describe).
      // Asked for by name, the broker tells which (the admin never creates topics by asking).
      try {
        const named = await admin.fetchTopicMetadata({ topics: [topic] });
        return named.topics.find((t) => t.name === topic)?.partitions.length;
      } catch (err) {
        if ((err as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION') return undefined;
        throw new KafkaClientError(`reading the metadata of ${topic} failed: ${(err as Error).message}`, { cause: err });
      }
    },
    async watermarks(topic: string): Promise<PartitionWatermarks[]> {
      const offsets = await retriable(`reading the offsets of ${topic}`, () => admin.fetchTopicOffsets(topic));
      return offsets
        .map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }))
        .sort((a, b) => a.partition - b.partition);
    },
    async maxMessageBytes(topic: string): Promise<number | undefined> {
      try {
        const { resources } = await admin.describeConfigs({
          includeSynonyms: false,
          resources: [{ type: TOPIC_RESOURCE, name: topic, configNames: ['max.message.bytes'] }],
        });
        const value = resources[0]?.configEntries.find((c) => c.configName === 'max.message.bytes')?.configValue;
        const n = Number(value);
        return value !== undefined && Number.isSafeInteger(n) && n > 0 ? n : undefined;
      } catch {
        return undefined; // no DESCRIBE_CONFIGS on the topic: the caller assumes the broker default
      }
    },
    async committedOffsets(groupId: string, topic: string): Promise<PartitionOffset[]> {
      const [result] = await retriable(`reading ${groupId}'s offsets of ${topic}`, () => admin.fetchOffsets({ groupId, topics: [topic] }));
      return (result?.partitions ?? [])
        .filter((p) => Number(p.offset) >= 0)
        .map((p) => ({ topic, partition: p.partition, offset: Number(p.offset) }));
    },
    async deleteTopics(topics: string[]) {
      await admin.deleteTopics({ topics });
    },
    async close() {
      if (closed) return;
      closed = true;
      await admin.disconnect();
    },
  };
}

/**
 * Runs an admin request again while the broker answers with a retriable error (a leader being
 * elected, a coordinator loading its log: normal for seconds after a broker or topic starts).
 * kafkajs retries some requests itself but not ListOffsets after a leader change.
 */
async function retriable<T>(what: string, fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if ((err as { retriable?: boolean }).retriable !== true || Date.now() >= deadline) {
        throw new KafkaClientError(`${what} failed: ${(err as Error).message}`, { cause: err, retriable: (err as { retriable?: boolean }).retriable });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * Waits until every partition of the topics has a leader. kafkajs' own waitForLeaders gives up
 * when a broker's metadata does not list a just-created topic yet (KRaft propagates it
 * asynchronously), so poll ourselves with a deadline.
 */
async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics });
      const waiting = meta.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0)).map((t) => t.name);
      if (waiting.length === 0 && meta.length === topics.length) return;
      last = `no leader yet for ${waiting.join(', ') || 'some topics'}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new KafkaClientError(`topics ${topics.join(', ')} have no partition leaders after ${timeoutMs / 1000}s (${last}): is the broker healthy?`, {
    retriable: true,
  });
}

function toKafkajsMessages(record: OutRecord): Message[] {
  return record.messages.map((m) => ({
    key: m.key ?? null,
    value: m.value,
    headers: m.headers as IHeaders | undefined,
    partition: m.partition,
  }));
}

async function connectProducer(kafka: Kafka, options: ProducerOptions): Promise<KafkaProducer> {
  const producer: Producer = kafka.producer({
    idempotent: true,
    // Ordering under retries needs one request in flight per broker for kafkajs' idempotent producer.
    maxInFlightRequests: 1,
    transactionalId: options.transactionalId,
    createPartitioner: Partitioners.DefaultPartitioner, // murmur2, the Java client's
    // kafkajs waits 300 ms before its first retry; the broker answers CONCURRENT_TRANSACTIONS to
    // the first send after every commit for the few ms it takes to write the markers, so that wait
    // lands on the alerts' latency. Start at 25 ms (the Java client retries this after 20 ms) and
    // allow more retries, so the total patience stays above kafkajs' default (about 9 s).
    retry: { initialRetryTime: 25, retries: 10 },
  });
  await producer.connect();
  if (options.transactionalId) {
    // kafkajs registers the transactional id only at the first transaction; an empty one does it
    // now, so that creating this producer fences any older one with the same id (and aborts its
    // open transaction) before we read state or produce. Ending it sends no EndTxn.
    await (await producer.transaction()).abort();
  }
  let closed = false;
  const send = async (records: OutRecord[], target: Producer | Transaction) => {
    for (const chunk of chunkRecords(records)) {
      await target.sendBatch({
        acks: -1,
        compression: chunk.compress ? CompressionTypes.GZIP : CompressionTypes.None,
        topicMessages: chunk.records.map((r) => ({ topic: r.topic, messages: toKafkajsMessages(r) })),
      });
    }
  };
  return {
    send: (records) => send(records, producer),
    async transaction(): Promise<KafkaTransaction> {
      if (!options.transactionalId) {
        throw new KafkaClientError('transaction() needs a producer created with a transactionalId');
      }
      const tx = await producer.transaction();
      return {
        send: (records) => send(records, tx),
        async sendOffsets(groupId, offsets) {
          await tx.sendOffsets({ consumerGroupId: groupId, topics: groupByTopic(offsets) });
        },
        commit: () => tx.commit(),
        abort: () => tx.abort(),
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      await producer.disconnect();
    },
  };
}

/**
 * kafkajs puts all messages of one partition in one request into one record batch, and the
 * broker rejects batches over the topic's max.message.bytes (1 MB by default): split sends so no
 * request carries more than CHUNK_BYTES of keys, values and headers, and a record with
 * `maxBatchBytes` (a topic with a smaller limit) no more than that in its own requests.
 * Compressed and plain records go apart.
 */
const CHUNK_BYTES = 900 * 1024;
/** A record batch's own bytes (header, and room for varints): what a batch costs besides its records. */
const BATCH_HEADER_BYTES = 128;

function size(v: string | Buffer | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'string' ? v.length * 3 : v.length; // a string's UTF-8 size is at most 3 bytes per UTF-16 unit
}

/** Upper bound of a message's bytes in a record batch: key, value, headers and the record's varints. */
function messageBytes(m: OutMessage): number {
  let n = size(m.value) + size(m.key) + 32;
  if (m.headers) {
    for (const [name, value] of Object.entries(m.headers)) {
      for (const v of Array.isArray(value) ? (value as (string | Buffer)[]) : [value]) n += size(name) + size(v) + 10;
    }
  }
  return n;
}

export function chunkRecords(records: OutRecord[]): { compress: boolean; records: OutRecord[] }[] {
  const chunks: { compress: boolean; records: OutRecord[] }[] = [];
  for (const compress of [false, true]) {
    let current: OutRecord[] = [];
    let bytes = 0;
    for (const r of records) {
      if (Boolean(r.compress) !== compress) continue;
      if (r.maxBatchBytes !== undefined) {
        // Its own requests, each within the topic's limit (a message too large alone goes alone: the broker says so).
        const budget = Math.min(CHUNK_BYTES, r.maxBatchBytes - BATCH_HEADER_BYTES);
        let part: OutMessage[] = [];
        let partBytes = 0;
        for (const m of r.messages) {
          const n = messageBytes(m);
          if (part.length > 0 && partBytes + n > budget) {
            chunks.push({ compress, records: [{ topic: r.topic, messages: part }] });
            part = [];
            partBytes = 0;
          }
          part.push(m);
          partBytes += n;
        }
        if (part.length > 0) chunks.push({ compress, records: [{ topic: r.topic, messages: part }] });
        continue;
      }
      let part: OutRecord | undefined;
      for (const m of r.messages) {
        const n = messageBytes(m);
        if (bytes > 0 && bytes + n > CHUNK_BYTES) {
          chunks.push({ compress, records: current });
          current = [];
          bytes = 0;
          part = undefined;
        }
        if (part === undefined) current.push((part = { topic: r.topic, messages: [] }));
        part.messages.push(m);
        bytes += n;
      }
    }
    if (current.length > 0) chunks.push({ compress, records: current });
  }
  return chunks;
}

function groupByTopic(offsets: PartitionOffset[]) {
  const byTopic = new Map<string, { partition: number; offset: string }[]>();
  for (const o of offsets) {
    let list = byTopic.get(o.topic);
    if (!list) byTopic.set(o.topic, (list = []));
    list.push({ partition: o.partition, offset: String(o.offset) });
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

function toInBatch(batch: Batch): InBatch {
  const messages: InMessage[] = new Array(batch.messages.length);
  for (let i = 0; i < batch.messages.length; i++) {
    const m = batch.messages[i];
    messages[i] = {
      offset: Number(m.offset),
      key: m.key,
      value: m.value,
      headers: (m.headers ?? {}) as Record<string, Buffer | undefined>,
      timestampMs: Number(m.timestamp),
    };
  }
  return { topic: batch.topic, partition: batch.partition, messages, highWatermark: Number(batch.highWatermark) };
}

function byTopic(partitions: TopicPartition[]) {
  return groupByTopic(partitions.map((p) => ({ ...p, offset: 0 }))).map(({ topic, partitions: ps }) => ({
    topic,
    partitions: ps.map((p) => p.partition),
  }));
}

/** kafkajs' retry options, with its own consumer restarts turned off (see KafkajsConsumer). */
const NO_RESTART = { restartOnFailure: async () => false };

/** Resolves when `p` settles or after `ms`, whichever comes first; true when `p` settled. */
function settledWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]).finally(() => clearTimeout(timer));
}

/**
 * A group member. kafkajs restarts a crashed consumer by itself (a new runner that joins the group
 * again) and its stop() returns at once while the runner is still joining: stopped during a join,
 * the join then completes (or fails, and kafkajs schedules a restart) and the "stopped" consumer
 * goes on fetching and heartbeating, holding its partitions from the next member until its
 * session times out, and keeping the process alive. So: a caller that handles crashes (onCrash:
 * the pipeline) gets them and kafkajs never restarts the consumer (retry.restartOnFailure answers
 * false); one that does not (test helpers, tools) keeps kafkajs' restarts, but none once close()
 * began; and close() waits for a join in progress to end before it stops, so that the member
 * leaves the group.
 */
class KafkajsConsumer implements KafkaConsumer {
  private readonly consumer: Consumer;
  private state: 'new' | 'running' | 'closing' | 'closed' = 'new';
  private memberId: string | undefined;
  /** This member's partitions after its last join: sent with the next join, for the sticky assigner. */
  private owned: TopicPartitions = {};
  /** connect, subscribe and the first join (kafkajs' run() resolves once the runner is consuming, or crashed). */
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  /** kafkajs may restart this consumer after a retriable crash: only when nobody else handles crashes, and not once closing. */
  private restartOnCrash = false;

  constructor(
    kafka: Kafka,
    private readonly options: ConsumerOptions,
  ) {
    const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      readUncommitted: options.readCommitted === false,
      sessionTimeout,
      // Members learn of a rebalance at their next heartbeat, so this bounds how long joins take.
      heartbeatInterval: Math.min(3000, Math.floor(sessionTimeout / 10)),
      // As the Java client's fetch.max.wait.ms; stop() waits for the fetch in flight, so keep it short.
      maxWaitTimeInMs: 500,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 4 * 1024 * 1024,
      maxBytes: 32 * 1024 * 1024,
      allowAutoTopicCreation: false,
      // Partitions stay with their members across rebalances, but for the share that must move;
      // members of an older version (round-robin only) make the group use round-robin.
      partitionAssigners: [stickyAssigner(() => this.owned), PartitionAssigners.roundRobin],
      retry: { restartOnFailure: async () => this.restartOnCrash && this.state === 'running' },
    });
  }

  async run(handlers: ConsumerHandlers): Promise<void> {
    if (this.state !== 'new') throw new KafkaClientError('run() may be called once per consumer');
    this.state = 'running';
    this.restartOnCrash = handlers.onCrash === undefined;
    const { events } = this.consumer;
    this.consumer.on(events.GROUP_JOIN, ({ payload }) => {
      this.owned = payload.memberAssignment;
      if (this.state !== 'running') return;
      handlers.onContact?.();
      const memberChanged = this.memberId !== undefined && this.memberId !== payload.memberId;
      this.memberId = payload.memberId;
      const partitions: TopicPartition[] = [];
      for (const [topic, list] of Object.entries(payload.memberAssignment)) {
        for (const partition of list) partitions.push({ topic, partition });
      }
      const assignment: Assignment = { partitions, memberChanged };
      handlers.onAssignment?.(assignment);
    });
    this.consumer.on(events.HEARTBEAT, () => {
      if (this.state === 'running') handlers.onContact?.();
    });
    // kafkajs has disconnected the consumer when it reports a crash; without a restart it stays so.
    this.consumer.on(events.CRASH, ({ payload }) => {
      if (this.state !== 'running' || payload.restart) return;
      const err = payload.error;
      handlers.onCrash?.(new KafkaClientError(`the Kafka consumer stopped: ${err.message}`, { cause: err, retriable: isRetriable(err) }));
    });
    this.starting = (async () => {
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: this.options.topics, fromBeginning: this.options.fromBeginning ?? true });
      await this.consumer.run({
        autoCommit: false,
        // Resolving moves the fetch position only; offsets are committed by commit() alone.
        eachBatchAutoResolve: true,
        partitionsConsumedConcurrently: this.options.partitionsConcurrently ?? 1,
        eachBatch: async ({ batch }) => {
          if (batch.isEmpty() || this.state !== 'running') return;
          await handlers.onBatch(toInBatch(batch));
        },
      });
    })();
    await this.starting;
  }

  async commit(offsets: PartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    await this.consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })));
  }

  pause(partitions: TopicPartition[]): void {
    if (partitions.length > 0) this.consumer.pause(byTopic(partitions));
  }

  resume(partitions: TopicPartition[]): void {
    if (partitions.length > 0) this.consumer.resume(byTopic(partitions));
  }

  async stop(): Promise<void> {
    if (this.state !== 'running') return;
    await this.settleJoin();
    await this.consumer.stop();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.state = 'closing';
      const joined = await this.settleJoin();
      // A restart kafkajs scheduled before close() began (callers without onCrash) is cleared by its stop().
      if (!joined) {
        // A join that does not end (a dead member the coordinator waits for, an unreachable broker):
        // disconnect anyway; the join fails and, closing, nothing starts again.
        this.consumer.logger().warn('closing while the group join is still in progress', { groupId: this.options.groupId });
      }
      try {
        await this.consumer.disconnect(); // stop(): leave the group; then close the connections
      } finally {
        this.state = 'closed';
      }
    })();
    return this.closing;
  }

  /** Waits for run()'s join to end, up to closeJoinWaitMs; true when it ended (or never began). */
  private settleJoin(): Promise<boolean> {
    if (this.starting === undefined) return Promise.resolve(true);
    return settledWithin(this.starting, this.options.closeJoinWaitMs ?? 10_000);
  }
}

/** Reads partitions from start to their end at call time with a throw-away group that never commits. */
async function readPartitions(
  kafka: Kafka,
  topic: string,
  partitions: number[],
  onBatch: (batch: InBatch) => void | Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  signal?.throwIfAborted();
  if (partitions.length === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, number>;
  try {
    ends = new Map((await retriable(`reading the offsets of ${topic}`, () => admin.fetchTopicOffsets(topic))).map((o) => [o.partition, Number(o.high)] as [number, number]));
  } finally {
    await admin.disconnect();
  }
  signal?.throwIfAborted();
  const wanted = new Set(partitions);
  const pending = new Map<number, number>(); // partition -> end offset still to reach
  for (const p of partitions) {
    const end = ends.get(p);
    if (end === undefined) throw new KafkaClientError(`${topic} has no partition ${p}`);
    if (end > 0) pending.set(p, end);
  }
  if (pending.size === 0) return;

  const consumer = kafka.consumer({ groupId: `sysmon-proctree-read-${randomUUID()}`, allowAutoTopicCreation: false, retry: NO_RESTART });
  let finish!: () => void;
  let fail!: (err: Error) => void;
  const done = new Promise<void>((resolve, reject) => ((finish = resolve), (fail = reject)));
  done.catch(() => {}); // a crash reported after the read ended is nobody's error
  const onAbort = () => fail(signal!.reason instanceof Error ? signal!.reason : new DOMException('the read was aborted', 'AbortError'));
  signal?.addEventListener('abort', onAbort, { once: true });
  // END_BATCH_PROCESS also reports batches that held only control records or aborted messages,
  // so the end is reached even when the log ends with a transaction marker.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const end = pending.get(payload.partition);
    if (end !== undefined && Number(payload.lastOffset) >= end - 1) {
      pending.delete(payload.partition);
      consumer.pause([{ topic, partitions: [payload.partition] }]);
      if (pending.size === 0) finish();
    }
  });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const others = (payload.memberAssignment[topic] ?? []).filter((p) => !wanted.has(p));
    if (others.length > 0) consumer.pause([{ topic, partitions: others }]);
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => fail(new KafkaClientError(`reading ${topic} failed: ${payload.error.message}`, { cause: payload.error, retriable: isRetriable(payload.error) })));
  let running: Promise<void> | undefined;
  try {
    running = (async () => {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const end = pending.get(batch.partition) ?? ends.get(batch.partition) ?? 0;
          if (!wanted.has(batch.partition) || batch.isEmpty() || signal?.aborted) return;
          const inBatch = toInBatch(batch);
          // Records appended after the call are not part of this read.
          inBatch.messages = inBatch.messages.filter((m) => m.offset < end);
          if (inBatch.messages.length > 0) await onBatch(inBatch);
        },
      });
    })();
    await Promise.race([running, done]);
    await done;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // As KafkajsConsumer.close(): let a join in progress end first, so that the member leaves.
    if (running !== undefined) await settledWithin(running, 10_000);
    await consumer.disconnect();
  }
}
