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
  /** The consumer stopped on an error it could not recover from. */
  onCrash?(error: Error): void;
}

export interface KafkaConsumer {
  /** Joins the group and starts delivering batches; resolves once running. */
  run(handlers: ConsumerHandlers): Promise<void>;
  commit(offsets: PartitionOffset[]): Promise<void>;
  pause(partitions: TopicPartition[]): void;
  resume(partitions: TopicPartition[]): void;
  /** Stops fetching, waits for the batch in progress, leaves the group. Idempotent. */
  stop(): Promise<void>;
  /** stop(), then closes the connections. Idempotent. */
  close(): Promise<void>;
}

export interface KafkaClient {
  admin(): Promise<KafkaAdmin>;
  producer(options?: ProducerOptions): Promise<KafkaProducer>;
  consumer(options: ConsumerOptions): KafkaConsumer;
  /**
   * Reads the given partitions of topic from their start up to their end at call time
   * (committed records only), outside any consumer group. For restoring state.
   */
  readPartitions(topic: string, partitions: number[], onBatch: (batch: InBatch) => void | Promise<void>): Promise<void>;
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

/** The messages of a Kafka client error and its causes ("a: b: c"), or null for other errors. */
export function kafkaCauses(e: unknown): string | null {
  if (!(e instanceof KafkaClientError) && !(e instanceof Error && e.name.startsWith('KafkaJS'))) return null;
  const parts: string[] = [];
  for (let c: unknown = e; c instanceof Error && parts.length < 5; c = c.cause ?? (c as { originalError?: unknown }).originalError) {
    if (c.message !== '' && !parts.includes(c.message)) parts.push(c.message);
  }
  return parts.join(': ') || (e as Error).name;
}
