// The Kafka source's part of the pipeline YAML (`source.kind: kafka`): brokers, input topic,
// consumer group, state and dead-letter topics, guarantee, snapshot and idle timing.

import { z } from 'zod';
import { topicName } from '../../util/schema.js';
import { kafkaSecuritySchema } from '../../kafka/security.js';

const hostPort = z.string().regex(/^[^\s:,]+:\d{1,5}$/, { error: 'expected host:port' });

export const kafkaSourceSchema = z.strictObject({
  kind: z.literal('kafka'),
  /** Bootstrap brokers; the KAFKA_BROKERS environment variable (comma-separated) overrides them. */
  brokers: z.array(hostPort).min(1, { error: 'expected at least one host:port' }).default(['127.0.0.1:9092']),
  topic: topicName.default('sysmon-events'),
  group_id: z.string().min(1, { error: 'expected a consumer group id' }).default('sysmon-proctree'),
  client_id: z.string().min(1).default('sysmon-proctree'),
  /** Compacted topic of host snapshots, one partition per input partition. */
  state_topic: topicName.default('sysmon-proctree-state'),
  dead_letter_topic: topicName.default('sysmon-dead-letters'),
  /** exactly_once: alerts, snapshots and offsets in one transaction per commit; at_least_once: acked alerts, then snapshots, then the offset commit. */
  guarantee: z.enum(['exactly_once', 'at_least_once'], { error: 'expected exactly_once or at_least_once' }).default('exactly_once'),
  /**
   * A changed host is snapshotted within this long (spread over the commits), and the group's
   * offset follows what snapshots cover. Alerts go out every commit interval regardless; after a
   * crash the messages since the committed offset are read again to rebuild state, without
   * publishing their alerts twice. Lower: faster restarts; higher: less state written (a
   * snapshot holds a host's whole tree).
   */
  snapshot_interval_secs: z.number({ error: 'expected a number of seconds > 0' }).positive({ error: 'expected a number of seconds > 0' }).default(5),
  /** A live host that sends nothing for this long has its watermark moved on by wall-clock time (0: never). */
  idle_timeout_secs: z.number({ error: 'expected a number of seconds >= 0' }).nonnegative({ error: 'expected a number of seconds >= 0' }).default(60),
  /** Create missing topics at start with this many partitions (state topic: as many as the input). */
  create_topics: z.boolean({ error: 'expected true or false' }).default(true),
  partitions: z.number().int().min(1, { error: 'expected a whole number >= 1' }).default(6),
  session_timeout_secs: z.number().min(6, { error: 'expected at least 6 seconds (the broker minimum)' }).default(30),
  /** Largest batch fetched from one partition. */
  max_batch_bytes: z.number().int().min(65536, { error: 'expected a whole number of bytes >= 65536' }).default(4 << 20),
  /** TLS and SASL (src/kafka/security.ts, docs/kafka.md); plaintext without. */
  security: kafkaSecuritySchema.optional(),
});

export type KafkaSourceConfig = z.infer<typeof kafkaSourceSchema>;
