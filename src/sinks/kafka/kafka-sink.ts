// The Kafka sink: alerts and dead letters of each lane (an owned input partition), and at each
// checkpoint the snapshots, the EmittedRecord and the group offset. Exactly-once: all of a
// lane's writes go in its transaction (one transactional producer per input partition, which
// fences the partition's previous owner); at-least-once: sends acknowledged by all in-sync
// replicas, then the offset commit through the source's consumer.

import type { Alert } from '../../alerts/alert.js';
import type { PartitionTask } from '../../engine/partition-task.js';
import type { KafkaClient, KafkaProducer, KafkaTransaction, OutMessage, OutRecord, PartitionOffset } from '../../kafka/client.js';
import type { KafkaSourceConfig } from '../../sources/kafka/config.js';
import type { KafkaSinkConfig } from './config.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './dead-letter.js';
import { alertMessage, emittedMessage, stateMessage } from './records.js';

export interface KafkaSinkOptions {
  /** The source's config: its group, guarantee, state and dead-letter topics. */
  source: KafkaSourceConfig;
  sink: KafkaSinkConfig;
  client: KafkaClient;
  /** Wall clock (ms): the commit interval's only input. */
  now: () => number;
  /** How often alerts, snapshots and offsets are committed together. */
  commitIntervalMs: number;
  /** At-least-once offset commits (through the source's consumer group). */
  commitOffsets(offsets: PartitionOffset[]): Promise<void>;
}

/** What the sink keeps per lane. */
class LaneOutput {
  producer: KafkaProducer | undefined;
  /** The producer being created (fence): release and close wait for it, so none is left open. */
  creating: Promise<KafkaProducer | undefined> | undefined;
  tx: KafkaTransaction | undefined;
  /** The group's committed offset: what the snapshots cover. */
  committedOffset = -1;
  /** Offset of the last EmittedRecord: what the published alerts cover. */
  emittedOffset = -1;

  constructor(public lastCommitMs: number) {}
}

export class KafkaSink {
  private readonly lanes = new Map<number, LaneOutput>();
  private shared: KafkaProducer | undefined;
  private readonly exactlyOnce: boolean;
  private closed = false;
  /** The dead-letter topic's max.message.bytes (from the broker at open; Kafka's default until then). */
  deadLetterMaxBytes = DEFAULT_MAX_MESSAGE_BYTES;

  constructor(private readonly options: KafkaSinkOptions) {
    this.exactlyOnce = options.source.guarantee === 'exactly_once';
  }

  get alertTopic(): string {
    return this.options.sink.topic;
  }

  async open(): Promise<void> {
    if (!this.exactlyOnce) this.shared = await this.options.client.producer();
    if (this.closed) await this.shared?.close().catch(() => {});
  }

  /** New lanes get their producer; exactly-once, creating it fences the partition's previous owner. */
  async fence(lanes: { lane: number; partition: number }[]): Promise<void> {
    const s = this.options.source;
    await Promise.all(
      lanes.map(async ({ lane, partition }) => {
        const out = new LaneOutput(this.options.now());
        this.lanes.set(lane, out);
        if (!this.exactlyOnce) {
          out.producer = this.shared;
          return;
        }
        out.creating = this.options.client.producer({ transactionalId: `${s.group_id}.${s.topic}.${partition}` });
        const producer = await out.creating;
        if (this.lanes.get(lane) !== out) {
          // Released (the sink closed) while the producer was being created.
          await producer?.close().catch(() => {});
          return;
        }
        out.producer = producer;
      }),
    );
  }

  /** Alerts and dead letters of a batch: into the lane's open transaction, or acknowledged before returning. */
  async send(lane: number, alerts: readonly Alert[], deadLetters: OutMessage[]): Promise<void> {
    const records: OutRecord[] = [];
    if (alerts.length > 0) records.push({ topic: this.options.sink.topic, messages: alerts.map((a) => alertMessage(a, this.options.sink.format)) });
    if (deadLetters.length > 0) records.push({ topic: this.options.source.dead_letter_topic, messages: deadLetters, maxBatchBytes: this.deadLetterMaxBytes });
    if (records.length === 0) return;
    const out = this.lanes.get(lane)!;
    if (this.exactlyOnce) {
      out.tx ??= await out.producer!.transaction();
      await out.tx.send(records);
    } else {
      await out.producer!.send(records);
    }
  }

  /** The commit interval has passed and there is something to commit. */
  due(lane: number, task: PartitionTask): boolean {
    const out = this.lanes.get(lane)!;
    if (this.options.now() - out.lastCommitMs < this.options.commitIntervalMs) return false;
    return out.tx !== undefined || task.position !== out.emittedOffset || task.hasDirtyHosts || task.committableOffset > out.committedOffset;
  }

  /**
   * The alerts sent since the last commit become final, with an EmittedRecord saying how far
   * they go, together with snapshots of a share of the changed hosts (all of them within a
   * snapshot interval; all when `final`) and the group offset that the snapshots cover.
   */
  async commit(lane: number, task: PartitionTask, final = false): Promise<void> {
    const out = this.lanes.get(lane)!;
    const s = this.options.source;
    const snapshots = task.takeSnapshots(final ? 1 : this.options.commitIntervalMs / (s.snapshot_interval_secs * 1000));
    const offset = task.committableOffset;
    const newOffset = offset > out.committedOffset;
    const emitted = task.position;
    const newEmitted = emitted >= 0 && emitted !== out.emittedOffset;
    const topic = s.topic;
    const partition = task.partition;
    const state: OutRecord[] = [];
    if (snapshots.length > 0) state.push({ topic: s.state_topic, messages: snapshots.map(stateMessage), compress: true });
    if (newEmitted) state.push({ topic: s.state_topic, messages: [emittedMessage({ topic, partition, emitted })] });
    if (this.exactlyOnce) {
      if (state.length > 0 || newOffset) out.tx ??= await out.producer!.transaction();
      if (out.tx !== undefined) {
        await out.tx.send(state);
        if (newOffset) await out.tx.sendOffsets(s.group_id, [{ topic, partition, offset }]);
        await out.tx.commit();
        out.tx = undefined;
      }
    } else {
      await out.producer!.send(state);
      if (newOffset) await this.options.commitOffsets([{ topic, partition, offset }]);
    }
    if (newOffset) out.committedOffset = offset;
    if (newEmitted) out.emittedOffset = emitted;
    out.lastCommitMs = this.options.now();
  }

  /** A lane ended without a commit (revoked, or a fatal error): what was not committed is aborted, to be redone by the next owner. */
  async release(lane: number, abort = true): Promise<void> {
    const out = this.lanes.get(lane);
    if (out === undefined) return;
    this.lanes.delete(lane);
    if (out.tx !== undefined && abort) await out.tx.abort().catch(() => {}); // may be fenced already
    if (!this.exactlyOnce) return;
    const producer = out.producer ?? (await out.creating?.catch(() => undefined));
    await producer?.close().catch(() => {});
  }

  /**
   * Closes every producer (after the lanes ended, or when a failed session is abandoned). `abort`:
   * abort open transactions first; without, the next owner's producer fences and aborts them (a
   * broker that is gone cannot take an abort).
   */
  async close({ abort }: { abort: boolean } = { abort: true }): Promise<void> {
    this.closed = true;
    await Promise.all([...this.lanes.keys()].map((l) => this.release(l, abort)));
    await this.shared?.close().catch(() => {});
  }
}
