// One connection of `proctree run` to Kafka: a consumer-group member (the Kafka source), its
// producers (the Kafka sink) and the engine stage of each owned partition, composed as one RxJS
// pipeline of batches:
//
//   Kafka source (one lane per owned partition) -> decode -> engine (PartitionTask: index + rules)
//     -> Kafka sink (alerts, dead letters) -> checkpoint (snapshots, EmittedRecord, offsets) -> ack
//
// A lane's items come one at a time: the source hands over the next only once the last was
// acknowledged at the end of the pipeline, so one partition's work never interleaves, while lanes
// run side by side (one waits for its transaction while another's batch uses the CPU).
// Backpressure: a lane with max-backlog batches waiting pauses its partition (the source's gate).
//
// A session ends in one of two ways: stop() (every lane commits, the member leaves the group), or
// a failure (`ended` rejects; abandon() then closes everything without committing, and what was
// not committed is redone by the partition's next owner, possibly the next session:
// src/pipeline/stream.ts reconnects).

import type { Logger } from 'pino';
import { concatMap, defer, map, mergeMap, of, tap, type Observable, type Subscription } from 'rxjs';
import type { Alert } from '../alerts/alert.js';
import type { BatchDecoder } from '../decode/batch-decoder.js';
import { snippet } from '../decode/problem.js';
import type { Decoded, RecordProblem } from '../decode/records.js';
import { PartitionTask } from '../engine/partition-task.js';
import type { InMessage, KafkaAdmin, KafkaClient, OutMessage } from '../kafka/client.js';
import type { PipelineMetrics } from '../metrics/pipeline-metrics.js';
import { deadLetter, DEFAULT_MAX_MESSAGE_BYTES } from '../sinks/kafka/dead-letter.js';
import { KafkaSink } from '../sinks/kafka/kafka-sink.js';
import type { KafkaSinkConfig } from '../sinks/kafka/config.js';
import type { KafkaSourceConfig } from '../sources/kafka/config.js';
import { KafkaSource, type LaneItem } from '../sources/kafka/kafka-source.js';
import { prepareTopics, TopicSetupError } from '../sources/kafka/topics.js';
import type { PipelineConfig } from './config.js';

export class StreamError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StreamError';
  }
}

export interface SessionOptions {
  config: PipelineConfig;
  source: KafkaSourceConfig;
  sink: KafkaSinkConfig;
  client: KafkaClient;
  logger: Logger;
  metrics?: PipelineMetrics;
  now: () => number;
  commitIntervalMs: number;
  maxBacklog: number;
  /** Shared by the sessions of a pipeline: its counters are the metrics' running totals. */
  decoder: BatchDecoder;
  /** Publishes the decode counters' growth since the last call (shared by the sessions). */
  publishDecodeCounts(): void;
}

/** One lane item on its way through the stages. */
interface Step {
  item: LaneItem;
  task: PartitionTask | undefined;
  alerts: Alert[];
  deadLetters: OutMessage[];
  started: bigint;
}

/** Closing a producer or consumer of a failed session: a broker that is gone must not hold us. */
const ABANDON_WAIT_MS = 5000;

export class StreamSession {
  readonly source: KafkaSource;
  readonly sink: KafkaSink;
  /** The engine stage of each open lane. */
  private readonly tasks = new Map<number, PartitionTask>();
  private subscription: Subscription | undefined;
  private admin: KafkaAdmin | undefined;
  private stopping = false;
  private settle!: { resolve: () => void; reject: (e: Error) => void };
  /** Resolves once every lane ended after stop(); rejects on the first failure. */
  readonly ended: Promise<void>;
  private closing: Promise<void> | undefined;

  constructor(private readonly o: SessionOptions) {
    this.sink = new KafkaSink({
      source: o.source,
      sink: o.sink,
      client: o.client,
      now: o.now,
      commitIntervalMs: o.commitIntervalMs,
      commitOffsets: (offsets) => this.source.commitOffsets(offsets),
    });
    this.source = new KafkaSource({
      config: o.source,
      client: o.client,
      logger: o.logger,
      now: o.now,
      maxBacklog: o.maxBacklog,
      tickMs: Math.min(250, o.commitIntervalMs),
      fence: (lanes) => this.sink.fence(lanes),
      onPause: () => o.metrics?.countBackpressurePause(),
    });
    this.ended = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.ended.catch(() => {}); // observed by the pipeline; never an unhandled rejection
  }

  /** Creates or checks the topics, opens the sink, joins the group. Throws what failed. */
  async open(): Promise<void> {
    const admin = (this.admin = await this.o.client.admin());
    try {
      await prepareTopics(admin, this.o.source, [this.o.sink.topic]);
      // Dead letters are cut to fit the dead-letter topic, and sent in batches within its limit.
      this.sink.deadLetterMaxBytes = (await admin.maxMessageBytes(this.o.source.dead_letter_topic)) ?? DEFAULT_MAX_MESSAGE_BYTES;
    } catch (e) {
      throw e instanceof TopicSetupError ? new StreamError(e.message, { cause: e }) : e;
    } finally {
      this.admin = undefined;
      await admin.close();
    }
    if (this.stopping) return this.finish();
    await this.sink.open();
    if (this.stopping) return this.finish();
    this.subscription = this.compose(this.source.items).subscribe({
      error: (err: Error) => this.settle.reject(err),
      complete: () => void this.finish(),
    });
    // From here a stop goes through the source (it leaves the group once the join is over).
    await this.source.start();
  }

  /** Graceful: fetch nothing more, let the items in progress finish, commit every lane, leave the group. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    // Before the subscription, open() sees `stopping` at its next step and finishes there.
    if (this.subscription !== undefined) this.source.stop();
  }

  /** After a failure: nothing more is committed; the consumer and producers are closed, each within a bound. */
  async abandon(): Promise<void> {
    this.stopping = true;
    this.subscription?.unsubscribe();
    const admin = this.admin;
    await Promise.all([
      admin ? bounded(admin.close()) : undefined,
      bounded(this.source.close()),
      // No abort: the next owner's producer fences the open transactions (and aborts them).
      bounded(this.sink.close({ abort: false })),
    ]);
    this.tasks.clear();
  }

  /** Lanes complete after stop(): close the consumer (leave the group) and the producers. */
  private finish(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.source.close();
        await this.sink.close({ abort: true });
        this.tasks.clear();
        this.settle.resolve();
      } catch (e) {
        this.settle.reject(e as Error);
      }
    })();
    return this.closing;
  }

  /** The stages, one lane item at a time per lane, lanes side by side. */
  private compose(items: Observable<LaneItem>): Observable<Step> {
    return items.pipe(
      mergeMap((item) =>
        of(item).pipe(
          map((i) => this.decodeAndJudge(i)),
          concatMap((s) => defer(() => this.send(s))),
          concatMap((s) => defer(() => this.checkpoint(s))),
          tap((s) => this.publish(s)),
          tap((s) => this.source.ack(s.item)),
        ),
      ),
    );
  }

  /** Decode (message values, XML or JSON) and the engine stage of the lane. */
  private decodeAndJudge(item: LaneItem): Step {
    const step: Step = { item, task: this.tasks.get(item.lane), alerts: [], deadLetters: [], started: process.hrtime.bigint() };
    switch (item.kind) {
      case 'restored': {
        const task = new PartitionTask(this.o.source.topic, item.partition, this.o.config);
        task.restore(item.records, item.emitted, this.o.now());
        this.tasks.set(item.lane, task);
        step.task = task;
        break;
      }
      case 'batch': {
        const task = step.task!;
        const offsets = item.messages.map((m) => m.offset);
        const decoded = this.decode(item.messages);
        const result = task.process({ offsets, decoded, highWatermark: item.highWatermark }, this.o.now());
        step.alerts = result.alerts;
        const tp = { topic: this.o.source.topic, partition: item.partition };
        step.deadLetters = result.rejected.map((p) =>
          deadLetter(tp, item.messages[p.record], { reason: p.reason, message: p.message }, this.sink.deadLetterMaxBytes),
        );
        break;
      }
      case 'tick':
        step.alerts = step.task!.advanceIdle(this.o.now(), this.o.source.idle_timeout_secs * 1000);
        break;
      case 'end':
        break;
    }
    return step;
  }

  /**
   * Message values through the decoder; a value over decode.max_event_bytes is an
   * `oversized-event` problem without being parsed (a file's framer skips such an event the same
   * way), so one huge message costs neither the memory of its parse nor the stream.
   */
  private decode(messages: readonly InMessage[]): Decoded {
    const limit = this.o.config.decode.max_event_bytes;
    let oversized = false;
    for (const m of messages) if (m.value !== null && m.value.length > limit) oversized = true;
    if (!oversized) return this.o.decoder.decode({ kind: 'values', values: messages.map((m) => m.value) });
    const kept: number[] = [];
    const problems: RecordProblem[] = [];
    messages.forEach((m, i) => {
      if (m.value === null || m.value.length <= limit) return void kept.push(i);
      this.o.decoder.counters.countError('oversized-event');
      problems.push({
        record: i,
        reason: 'oversized-event',
        message: `message value of ${m.value.length} bytes is larger than decode.max_event_bytes (${limit}); not decoded`,
        snippet: snippet(m.value.toString('utf8', 0, 400)),
      });
    });
    const d = this.o.decoder.decode({ kind: 'values', values: kept.map((i) => messages[i].value) });
    for (const p of d.problems) problems.push({ ...p, record: kept[p.record] });
    problems.sort((a, b) => a.record - b.record);
    return { events: d.events, recordOf: d.recordOf.map((r) => kept[r]), problems };
  }

  /** Sink: alerts and dead letters into the lane's transaction, or acknowledged. */
  private async send(step: Step): Promise<Step> {
    if (step.alerts.length > 0 || step.deadLetters.length > 0) await this.sink.send(step.item.lane, step.alerts, step.deadLetters);
    return step;
  }

  /**
   * Checkpoint: every commit interval, and at a graceful stop, the lane's alerts become final
   * with its snapshots and offsets. A lane that moved away drops what it did not commit: the
   * partition's next owner redoes it.
   */
  private async checkpoint(step: Step): Promise<Step> {
    const { item, task } = step;
    if (item.kind === 'end') {
      if (item.final && task !== undefined) await this.sink.commit(item.lane, task, true);
      await this.sink.release(item.lane);
      this.tasks.delete(item.lane);
      if (!item.final) this.o.metrics?.forgetPartition(this.o.source.topic, item.partition);
    } else if (task !== undefined && item.kind !== 'restored' && this.sink.due(item.lane, task)) {
      this.o.logger.debug({ partition: item.partition }, 'committing');
      await this.sink.commit(item.lane, task);
    }
    return step;
  }

  private publish(step: Step): void {
    const m = this.o.metrics;
    if (m === undefined || step.task === undefined) return;
    if (step.alerts.length > 0) m.countAlerts(step.alerts.map((a) => a.rule));
    if (step.item.kind !== 'batch') return;
    this.o.publishDecodeCounts();
    m.countDeadLetters(step.deadLetters.length);
    m.setLag(this.o.source.topic, step.item.partition, step.task.lag);
    m.observeBatch(Number(process.hrtime.bigint() - step.started) / 1e9);
    let live = 0;
    let hosts = 0;
    for (const t of this.tasks.values()) {
      live += t.liveProcesses;
      hosts += t.hostCount;
    }
    m.setTreeSize(live, hosts);
  }
}

/** Waits for `p` at most ABANDON_WAIT_MS; its failure is ignored (the session is being thrown away). */
function bounded(p: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ABANDON_WAIT_MS))),
  ]).finally(() => clearTimeout(timer));
}
