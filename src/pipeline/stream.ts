// `proctree run`: the unbounded pipeline. Read it top to bottom:
//
//   Kafka source (one lane per owned partition) -> decode -> engine (PartitionTask: index + rules)
//     -> Kafka sink (alerts, dead letters) -> checkpoint (snapshots, EmittedRecord, offsets) -> ack
//
// composed as one RxJS pipeline of batches, like replay's (src/pipeline/replay.ts). A lane's
// items come one at a time: the source hands over the next only once the last was acknowledged
// at the end of the pipeline, so one partition's work never interleaves, while lanes run side by
// side (one waits for its transaction while another's batch uses the CPU). Backpressure: a lane
// with max-backlog batches waiting pauses its partition (the source's gate, as the file source's).

import type { Logger } from 'pino';
import { concatMap, defer, map, mergeMap, of, tap, type Observable, type Subscription } from 'rxjs';
import type { Alert } from '../alerts/alert.js';
import { BatchDecoder } from '../decode/batch-decoder.js';
import { DecodeCounters } from '../decode/counters.js';
import { PartitionTask } from '../engine/partition-task.js';
import type { KafkaClient, OutMessage } from '../kafka/client.js';
import type { PipelineMetrics } from '../metrics/pipeline-metrics.js';
import type { Health } from '../metrics/server.js';
import { deadLetter } from '../sinks/kafka/dead-letter.js';
import { KafkaSink } from '../sinks/kafka/kafka-sink.js';
import type { KafkaSinkConfig } from '../sinks/kafka/config.js';
import type { KafkaSourceConfig } from '../sources/kafka/config.js';
import { KafkaSource, type LaneItem } from '../sources/kafka/kafka-source.js';
import { prepareTopics, TopicSetupError } from '../sources/kafka/topics.js';
import type { PipelineConfig } from './config.js';

/**
 * Batches of one partition that may wait for processing before it is paused. Room for a few: a
 * partition waiting on its transaction commit then finds its next batches already fetched instead
 * of being paused, resumed and fetching again after every commit (up to 4 x max_batch_bytes each).
 */
const MAX_BACKLOG = 4;

export class StreamError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StreamError';
  }
}

export interface StreamOptions {
  config: PipelineConfig;
  client: KafkaClient;
  logger: Logger;
  metrics?: PipelineMetrics;
  /** Wall clock (ms): the idle timeout's and the commit interval's only input. */
  now?: () => number;
  /** How often alerts, snapshots and offsets are committed together (default 500 ms). */
  commitIntervalMs?: number;
  /** Fetched batches a partition may have waiting before it is paused (default MAX_BACKLOG). */
  maxBacklog?: number;
}

/** One lane item on its way through the stages. */
interface Step {
  item: LaneItem;
  task: PartitionTask | undefined;
  alerts: Alert[];
  deadLetters: OutMessage[];
  started: bigint;
}

export class StreamPipeline {
  private readonly sourceConfig: KafkaSourceConfig;
  private readonly sinkConfig: KafkaSinkConfig;
  private readonly now: () => number;
  private readonly source: KafkaSource;
  private readonly sink: KafkaSink;
  /** The engine stage of each open lane. */
  private readonly tasks = new Map<number, PartitionTask>();
  private readonly counters = new DecodeCounters();
  private readonly decoder = new BatchDecoder(this.counters);
  /** Decode counters already published to metrics. */
  private published = { events: {} as Record<string, number>, errors: {} as Record<string, number> };
  private subscription: Subscription | undefined;
  private starting: Promise<void> | undefined;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private failure: Error | undefined;
  private settle!: { resolve: () => void; reject: (e: Error) => void };
  /** Settles when the pipeline stopped: resolves after stop(), rejects on a fatal error. */
  readonly done: Promise<void>;

  constructor(private readonly options: StreamOptions) {
    const { source, sink } = options.config;
    if (source.kind !== 'kafka' || sink.kind !== 'kafka') {
      throw new StreamError('proctree run needs source.kind: kafka and sink.kind: kafka in the pipeline YAML');
    }
    this.sourceConfig = source;
    this.sinkConfig = sink;
    this.now = options.now ?? Date.now;
    const commitIntervalMs = options.commitIntervalMs ?? 500;
    this.sink = new KafkaSink({
      source,
      sink,
      client: options.client,
      now: this.now,
      commitIntervalMs,
      commitOffsets: (offsets) => this.source.commitOffsets(offsets),
    });
    this.source = new KafkaSource({
      config: source,
      client: options.client,
      logger: options.logger,
      now: this.now,
      maxBacklog: options.maxBacklog ?? MAX_BACKLOG,
      tickMs: Math.min(250, commitIntervalMs),
      fence: (lanes) => this.sink.fence(lanes),
      onPause: () => options.metrics?.countBackpressurePause(),
    });
    this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.done.catch(() => {}); // observed by whoever awaits it; never an unhandled rejection
  }

  /** Creates or checks the topics, opens the sink, joins the group. A stop() meanwhile wins. */
  start(): Promise<void> {
    if (this.state !== 'new') throw new StreamError('start() may be called once');
    this.state = 'running';
    this.starting = this.open();
    return this.starting;
  }

  private async open(): Promise<void> {
    const admin = await this.options.client.admin();
    try {
      await prepareTopics(admin, this.sourceConfig, [this.sinkConfig.topic]);
    } catch (e) {
      throw e instanceof TopicSetupError ? new StreamError(e.message, { cause: e }) : e;
    } finally {
      await admin.close();
    }
    if (this.state !== 'running') return;
    await this.sink.open();
    if (this.state !== 'running') return;
    this.subscription = this.compose(this.source.items).subscribe({
      error: (err: Error) => this.fail(err),
      complete: () => void this.closeAll(),
    });
    await this.source.start();
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
        const task = new PartitionTask(this.sourceConfig.topic, item.partition, this.options.config);
        task.restore(item.records, item.emitted, this.now());
        this.tasks.set(item.lane, task);
        step.task = task;
        break;
      }
      case 'batch': {
        const task = step.task!;
        const values = item.messages.map((m) => m.value);
        const offsets = item.messages.map((m) => m.offset);
        const decoded = this.decoder.decode({ kind: 'values', values });
        const result = task.process({ offsets, decoded, highWatermark: item.highWatermark }, this.now());
        step.alerts = result.alerts;
        const tp = { topic: this.sourceConfig.topic, partition: item.partition };
        step.deadLetters = result.rejected.map((p) => deadLetter(tp, item.messages[p.record], { reason: p.reason, message: p.message }));
        break;
      }
      case 'tick':
        step.alerts = step.task!.advanceIdle(this.now(), this.sourceConfig.idle_timeout_secs * 1000);
        break;
      case 'end':
        break;
    }
    return step;
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
      if (!item.final) this.options.metrics?.forgetPartition(this.sourceConfig.topic, item.partition);
    } else if (task !== undefined && item.kind !== 'restored' && this.sink.due(item.lane, task)) {
      await this.sink.commit(item.lane, task);
    }
    return step;
  }

  private publish(step: Step): void {
    const m = this.options.metrics;
    if (m === undefined || step.task === undefined) return;
    if (step.alerts.length > 0) m.countAlerts(step.alerts.map((a) => a.rule));
    if (step.item.kind !== 'batch') return;
    const events = this.counters.eventsByEventId();
    const errors = this.counters.errorsByReason();
    m.countEvents(delta(events, this.published.events));
    m.countDecodeErrors(delta(errors, this.published.errors));
    this.published = { events, errors };
    m.countDeadLetters(step.deadLetters.length);
    m.setLag(this.sourceConfig.topic, step.item.partition, step.task.lag);
    m.observeBatch(Number(process.hrtime.bigint() - step.started) / 1e9);
    let live = 0;
    let hosts = 0;
    for (const t of this.tasks.values()) {
      live += t.liveProcesses;
      hosts += t.hostCount;
    }
    m.setTreeSize(live, hosts);
  }

  /** Liveness is the process answering; this is readiness: assigned, restored and consuming. */
  health(): Health {
    if (this.failure) return { ok: false, detail: `failed: ${this.failure.message}` };
    if (this.state !== 'running') return { ok: false, detail: this.state };
    if (!this.source.ready) {
      const restoring = this.source.restoring;
      return { ok: false, detail: restoring > 0 ? `restoring ${restoring} partitions` : 'joining the consumer group' };
    }
    return { ok: true, detail: `consuming ${this.source.partitions} partitions of ${this.sourceConfig.topic}` };
  }

  /**
   * Graceful stop: fetch nothing more, let the items in progress finish, commit alerts,
   * snapshots and offsets of every lane, leave the group, disconnect. Safe at any moment,
   * including while start() is still joining the group.
   */
  async stop(): Promise<void> {
    if (this.state === 'new') {
      this.state = 'stopped';
      this.settle.resolve();
      return;
    }
    if (this.state !== 'running') return this.done.catch(() => {});
    this.state = 'stopping';
    // Joining the group: the consumer must be running before it can leave cleanly.
    await this.starting?.catch(() => {});
    if (this.subscription === undefined) {
      await this.closeAll();
      return this.done.catch(() => {});
    }
    this.source.stop(); // lanes end with a final commit, then the items complete and closeAll runs
    return this.done.catch(() => {});
  }

  /**
   * A fatal error: stop without committing (what was not committed is redone after a restart).
   * Not awaited by callers: closing the consumer waits for a batch handler that may be calling this.
   */
  private fail(err: Error): void {
    if (this.state === 'stopped' || this.failure !== undefined) return;
    this.failure = err instanceof StreamError ? err : new StreamError(err.message, { cause: err });
    this.options.logger.error({ err }, 'stopping after a fatal error');
    this.state = 'stopping';
    this.subscription?.unsubscribe();
    void this.closeAll();
  }

  private closing: Promise<void> | undefined;

  private closeAll(): Promise<void> {
    this.closing ??= (async () => {
      await this.source.close().catch((e: Error) => this.options.logger.warn({ err: e }, 'closing the consumer failed'));
      await this.sink.close();
      this.tasks.clear();
      this.state = 'stopped';
      if (this.failure) this.settle.reject(this.failure);
      else this.settle.resolve();
    })();
    return this.closing;
  }
}

function delta(now: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(now)) out[k] = v - (before[k] ?? 0);
  return out;
}
