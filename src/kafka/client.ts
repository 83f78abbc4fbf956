// Our own small Kafka client interface. The pipeline talks only to these types, so a maintained
// client (kafkajs has had no release since February 2023, kafkajs issue #1603) can replace the
// kafkajs implementation in kafkajs-client.ts without touching the pipeline.
//
// Offsets are plain numbers: Kafka offsets stay far below 2^53 in practice, and numbers avoid a
// BigInt or string conversion per message on the hot path.

/** A consumed message. */
export interface InMessage {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | undefined>;
  /** Broker or producer timestamp, ms since the epoch. */
  timestampMs: number;
}

/** Consecutive messages of one partition, in offset order. */
export interface InBatch {
  topic: string;
  partition: number;
  messages: InMessage[];
  /** Offset the broker will give the next appended message: lag = highWatermark - (last offset + 1). */
  highWatermark: number;
  /**
   * Set by clients that reuse the memory of the messages' keys and values: call it (once is
   * enough) when nothing will read them any more, which can be long after onBatch settled (a
   * queued batch). Until then the memory stays the batch's; a batch never released keeps it.
   */
  release?(): void;
}

export interface OutMessage {
  key?: string | Buffer | null;
  value: string | Buffer | null;
  headers?: Record<string, string | Buffer>;
  /** Explicit partition; otherwise the key's hash picks it. */
  partition?: number;
}

export interface OutRecord {
  topic: string;
  messages: OutMessage[];
  /** gzip the batch (large, repetitive values such as state snapshots). */
  compress?: boolean;
  /**
   * The topic's max.message.bytes when it is below the client's request chunks (~900 KB): these
   * messages are then sent in requests of their own, each record batch within it.
   */
  maxBatchBytes?: number;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** `offset` is the next offset to consume (last processed + 1), as Kafka commits it. */
export interface PartitionOffset extends TopicPartition {
  offset: number;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** cleanup.policy=compact: the latest record per key is kept (state topics). */
  compacted?: boolean;
  /** Further topic configs, e.g. { 'retention.ms': '86400000' }. */
  config?: Record<string, string>;
}

export interface PartitionWatermarks {
  partition: number;
  /** First offset still in the log. */
  low: number;
  /** Offset of the next message to be appended. */
  high: number;
}

export interface KafkaAdmin {
  /** Creates the topics that do not exist yet and waits for their leaders; existing ones are left alone. */
  createTopics(specs: TopicSpec[]): Promise<void>;
  /** Number of partitions of topic, or undefined when it does not exist. */
  partitionCount(topic: string): Promise<number | undefined>;
  watermarks(topic: string): Promise<PartitionWatermarks[]>;
  /**
   * The topic's max.message.bytes (the largest record batch the broker accepts for it), or
   * undefined when the broker does not tell (no DESCRIBE_CONFIGS permission).
   */
  maxMessageBytes(topic: string): Promise<number | undefined>;
  /** Committed offsets of groupId on topic; partitions without a commit are left out. */
  committedOffsets(groupId: string, topic: string): Promise<PartitionOffset[]>;
  deleteTopics(topics: string[]): Promise<void>;
  close(): Promise<void>;
}

export interface ProducerOptions {
  /** Set for a transactional producer; an instance with the same id fences this one (zombie fencing). */
  transactionalId?: string;
}

/** Sends are always idempotent and acknowledged by all in-sync replicas (acks=all). */
export interface KafkaProducer {
  send(records: OutRecord[]): Promise<void>;
  /** Only for producers created with a transactionalId. */
  transaction(): Promise<KafkaTransaction>;
  close(): Promise<void>;
}

export interface KafkaTransaction {
  send(records: OutRecord[]): Promise<void>;
  /** Commits the consumer group's offsets as part of this transaction. */
  sendOffsets(groupId: string, offsets: PartitionOffset[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /** Where a partition without a committed offset starts (default: the beginning). */
  fromBeginning?: boolean;
  /** Skip records of aborted transactions (default true). */
  readCommitted?: boolean;
  sessionTimeoutMs?: number;
  /** Upper bound of one partition's batch, in bytes. */
  maxBytesPerPartition?: number;
  /** Batches of different partitions handled at once (one partition's batches stay in order); default 1. */
  partitionsConcurrently?: number;
  /**
   * How long close() waits for a group join in progress to end before it disconnects anyway
   * (default 10 s). Leaving after the join lets the coordinator forget us at once; a join cut
   * short leaves a pending member that the next one may wait for until the session times out.
   */
  closeJoinWaitMs?: number;
}

/** Partitions of this member after a rebalance. `memberChanged`: the group forgot us, so nothing we held is still ours. */
export interface Assignment {
  partitions: TopicPartition[];
  memberChanged: boolean;
}

export interface ConsumerHandlers {
  /** Called with each batch; the partition is not fetched again until the promise settles (backpressure). */
  onBatch(batch: InBatch): Promise<void>;
  /** Called synchronously after every (re)join of the group, before batches of the new assignment. */
  onAssignment?(assignment: Assignment): void;
  /**
   * The consumer stopped on an error (a KafkaClientError whose `retriable` says whether a new
   * consumer may succeed, e.g. after the broker came back). It is never restarted by the client:
   * the caller decides. Not called once close() began.
   */
  onCrash?(error: KafkaClientError): void;
  /** The group coordinator answered (a join or a heartbeat): the broker is reachable. */
  onContact?(): void;
}

export interface KafkaConsumer {
  /** Joins the group and starts delivering batches; resolves once running. */
  run(handlers: ConsumerHandlers): Promise<void>;
  commit(offsets: PartitionOffset[]): Promise<void>;
  pause(partitions: TopicPartition[]): void;
  resume(partitions: TopicPartition[]): void;
  /** Stops fetching, waits for the batch in progress, leaves the group. Idempotent. */
  stop(): Promise<void>;
  /**
   * stop(), then closes the connections. Idempotent, and safe at any moment: while run() is still
   * joining the group it waits for the join to end (up to closeJoinWaitMs) so that the member
   * leaves instead of lingering; after it, the consumer never restarts.
   */
  close(): Promise<void>;
}

export interface KafkaClient {
  admin(): Promise<KafkaAdmin>;
  producer(options?: ProducerOptions): Promise<KafkaProducer>;
  consumer(options: ConsumerOptions): KafkaConsumer;
  /**
   * Reads the given partitions of topic from their start up to their end at call time
   * (committed records only), outside any consumer group. For restoring state. An aborted
   * `signal` ends the read early: it rejects with an AbortError once its connections are closed.
   */
  readPartitions(topic: string, partitions: number[], onBatch: (batch: InBatch) => void | Promise<void>, signal?: AbortSignal): Promise<void>;
}

/** Base of the errors this layer raises; `retriable` says whether trying again can help. */
export class KafkaClientError extends Error {
  readonly retriable: boolean;
  constructor(message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.name = 'KafkaClientError';
    this.retriable = options.retriable ?? false;
  }
}

/** Broker answers that the same request will get again: refused credentials or permissions, a record or a request the broker will never take. */
const PERMANENT_TYPES = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'UNSUPPORTED_SASL_MECHANISM',
  'ILLEGAL_SASL_STATE',
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_TOPIC_EXCEPTION',
  'INVALID_CONFIG',
  'INVALID_RECORD',
  'UNSUPPORTED_VERSION',
  'UNSUPPORTED_FOR_MESSAGE_FORMAT',
]);
const PERMANENT_NAMES = new Set(['KafkaJSSASLAuthenticationError', 'KafkaJSServerDoesNotSupportApiKey', 'KafkaJSNotImplemented']);

/**
 * Whether a failure of the Kafka client may go away by itself: the broker restarting, a
 * coordinator or leader moving, a topic deleted and created again, a member fenced by a newer
 * one. kafkajs calls some of those non-retriable (KafkaJSGroupCoordinatorNotFound, its retries
 * running out) because its own retries are over; for a service that connects again, they are.
 * Not retriable: refused credentials and ACLs, what the broker will never accept, our own
 * KafkaClientErrors marked so, and anything that is not a Kafka error (a bug).
 */
export function isRetriable(e: unknown): boolean {
  let kafka = false;
  for (let c: unknown = e, depth = 0; c instanceof Error && depth < 8; depth++) {
    const k = c as Error & { type?: string; retriable?: boolean };
    if ((k.type !== undefined && (PERMANENT_TYPES.has(k.type) || k.type.endsWith('_AUTHORIZATION_FAILED'))) || PERMANENT_NAMES.has(k.name)) return false;
    if (k instanceof KafkaClientError) {
      if (k.retriable) kafka = true;
      else if (k.cause === undefined) return false;
    } else if (k.name.startsWith('KafkaJS')) {
      kafka = true;
    }
    c = c.cause ?? (c as { originalError?: unknown }).originalError;
  }
  return kafka;
}

/** The messages of a Kafka client error and its causes ("a: b: c"), or null for other errors. */
export function kafkaCauses(e: unknown): string | null {
  if (!(e instanceof KafkaClientError) && !(e instanceof Error && e.name.startsWith('KafkaJS'))) return null;
  const parts: string[] = [];
  for (let c: unknown = e; c instanceof Error && parts.length < 5; c = c.cause ?? (c as { originalError?: unknown }).originalError) {
    if (c.message !== '' && !parts.includes(c.message)) parts.push(c.message);
  }
  return parts.join(': ') || (e as Error).name;
}
