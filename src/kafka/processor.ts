// `proctree run` with a Kafka source: a consumer group member that restores its partitions'
// hosts from the state topic, decodes and judges each batch, and writes alerts, dead letters,
// snapshots and offsets — in one transaction per commit interval (exactly_once) or as acked
// sends followed by the offset commit (at_least_once).

import type { Logger } from 'pino';
import type { PipelineConfig } from '../pipeline/config.js';
import type { PipelineMetrics } from '../metrics/pipeline-metrics.js';
import type { Health } from '../metrics/server.js';
import { deadLetter } from '../sinks/kafka/dead-letter.js';
import type { Assignment, InBatch, KafkaClient, KafkaConsumer, KafkaProducer, KafkaTransaction, OutRecord } from './client.js';
import type { KafkaSinkConfig } from '../sinks/kafka/config.js';
import type { KafkaSourceConfig } from '../sources/kafka/config.js';
import { PartitionTask, type StateRecord } from './partition-task.js';
import { alertMessage, emittedKey, emittedMessage, parseStateRecord, stateMessage } from './records.js';

/**
 * Batches of one partition that may wait for processing before it is paused. Room for a few: a
 * partition waiting on its transaction commit then finds its next batches already fetched instead
 * of being paused, resumed and fetching again after every commit (up to 4 x max_batch_bytes each).
 */
const MAX_BACKLOG = 4;

export class ProcessorError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProcessorError';
  }
}

export interface ProcessorOptions {
  config: PipelineConfig;
  client: KafkaClient;
  logger: Logger;
  metrics?: PipelineMetrics;
  /** Wall clock (ms); the idle timeout's only input. */
  now?: () => number;
  /** How often alerts, snapshots and offsets are committed together (default 500 ms). */
  commitIntervalMs?: number;
  /** Fetched batches a partition may have waiting before it is paused (default MAX_BACKLOG). */
  maxBacklog?: number;
}

/** One assigned input partition: its task, its producer and the transaction in progress. */
class PartitionRunner {
  producer: KafkaProducer | undefined;
  tx: KafkaTransaction | undefined;
  ready: Promise<void> | undefined;
  restored = false;
  revoked = false;
  lastCommitMs: number;
  /** The group's committed offset: what the snapshots cover. */
  committedOffset = -1;
  /** Offset of the last EmittedRecord: what the published alerts cover. */
  emittedOffset = -1;
  /** Batches handed over and not processed yet. */
  backlog = 0;
  /** Paused by backpressure (not by a restore or a stop). */
  held = false;
  private queue: Promise<unknown> = Promise.resolve();
  /** Counters already published to metrics. */
  published = { events: {} as Record<string, number>, errors: {} as Record<string, number> };

  constructor(
    readonly task: PartitionTask,
    nowMs: number,
  ) {
    this.lastCommitMs = nowMs;
  }

  /** Runs fn after everything queued before it: batches, idle ticks and commits of a partition never interleave. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn);
    this.queue = next.catch(() => {});
    return next;
  }
}

export class KafkaProcessor {
  private readonly source: KafkaSourceConfig;
  private readonly sink: KafkaSinkConfig;
  private readonly runners = new Map<number, PartitionRunner>();
  private readonly now: () => number;
  private readonly commitIntervalMs: number;
  private readonly snapshotIntervalMs: number;
  private consumer: KafkaConsumer | undefined;
  private sharedProducer: KafkaProducer | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private failure: Error | undefined;
  private settle!: { resolve: () => void; reject: (e: Error) => void };
  /** Settles when the processor stopped: resolves after stop(), rejects on a fatal error. */
  readonly done: Promise<void>;

  constructor(private readonly options: ProcessorOptions) {
    const { source, sink } = options.config;
    if (source.kind !== 'kafka' || sink.kind !== 'kafka') {
      throw new ProcessorError('proctree run needs source.kind: kafka and sink.kind: kafka in the pipeline YAML');
    }
    this.source = source;
    this.sink = sink;
    this.now = options.now ?? Date.now;
    this.commitIntervalMs = options.commitIntervalMs ?? 500;
    this.snapshotIntervalMs = source.snapshot_interval_secs * 1000;
    this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.done.catch(() => {}); // observed by whoever awaits it; never an unhandled rejection
  }

  private get exactlyOnce(): boolean {
    return this.source.guarantee === 'exactly_once';
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new ProcessorError('start() may be called once');
    this.state = 'running';
    await this.prepareTopics();
    if (!this.exactlyOnce) this.sharedProducer = await this.options.client.producer();
    this.consumer = this.options.client.consumer({
      groupId: this.source.group_id,
      topics: [this.source.topic],
      fromBeginning: true,
      readCommitted: true,
      sessionTimeoutMs: this.source.session_timeout_secs * 1000,
      maxBytesPerPartition: this.source.max_batch_bytes,
      // While one partition waits for its sends or its transaction, another one's batch uses the CPU.
      partitionsConcurrently: 4,
    });
    await this.consumer.run({
      onBatch: (batch) => this.onBatch(batch),
      onAssignment: (a) => this.onAssignment(a),
      onCrash: (err) => this.fail(new ProcessorError(`the Kafka consumer stopped: ${err.message}`, { cause: err })),
    });
    const tickMs = Math.min(250, this.commitIntervalMs);
    this.ticker = setInterval(() => this.tick(), tickMs);
    this.ticker.unref();
  }

  /** Creates missing topics (when allowed) and checks that the state topic can hold every input partition. */
  private async prepareTopics(): Promise<void> {
    const admin = await this.options.client.admin();
    try {
      const s = this.source;
      if (s.create_topics) {
        await admin.createTopics([
          { topic: s.topic, partitions: s.partitions },
          { topic: this.sink.topic, partitions: s.partitions },
          { topic: s.dead_letter_topic, partitions: s.partitions },
        ]);
      }
      const inputPartitions = await admin.partitionCount(s.topic);
      if (inputPartitions === undefined) {
        throw new ProcessorError(`source.topic ${s.topic} does not exist: create it or set source.create_topics: true`);
      }
      if (s.create_topics) {
        // A busy host's tree can outgrow the 1 MB default record size even gzipped.
        await admin.createTopics([
          { topic: s.state_topic, partitions: inputPartitions, compacted: true, config: { 'max.message.bytes': String(16 << 20) } },
        ]);
      }
      for (const t of [this.sink.topic, s.dead_letter_topic]) {
        if ((await admin.partitionCount(t)) === undefined) {
          throw new ProcessorError(`topic ${t} does not exist: create it or set source.create_topics: true`);
        }
      }
      const statePartitions = await admin.partitionCount(s.state_topic);
      if (statePartitions === undefined || statePartitions < inputPartitions) {
        throw new ProcessorError(
          `source.state_topic ${s.state_topic} has ${statePartitions ?? 0} partitions but source.topic ${s.topic} has ` +
            `${inputPartitions}: it needs at least as many (compacted), one per input partition`,
        );
      }
    } finally {
      await admin.close();
    }
  }

  private onAssignment(a: Assignment): void {
    if (this.state !== 'running') return;
    const mine = new Set(a.partitions.filter((p) => p.topic === this.source.topic).map((p) => p.partition));
    for (const [partition, runner] of this.runners) {
      if (a.memberChanged || !mine.has(partition)) this.revoke(partition, runner);
    }
    const added = [...mine].filter((p) => !this.runners.has(p));
    if (added.length > 0) this.assign(added);
    this.options.logger.info({ partitions: [...mine].sort((x, y) => x - y), added }, 'partitions assigned');
  }

  /** New partitions: fence their previous owner, restore their hosts, then let their batches through. */
  private assign(partitions: number[]): void {
    const topic = this.source.topic;
    const runners = partitions.map((p) => {
      const r = new PartitionRunner(new PartitionTask(topic, p, this.options.config), this.now());
      this.runners.set(p, r);
      return r;
    });
    // Paused until restored: a batch must never meet an empty tree that the state topic could fill.
    this.consumer!.pause(partitions.map((partition) => ({ topic, partition })));
    const restore = this.restore(runners);
    for (const r of runners) r.ready = restore;
    restore.then(
      () => {
        const live = runners.filter((r) => !r.revoked);
        for (const r of live) r.restored = true;
        if (this.state === 'running') this.consumer!.resume(live.map((r) => ({ topic, partition: r.task.partition })));
      },
      (err: Error) => this.fail(new ProcessorError(`restoring partitions ${partitions.join(', ')} failed: ${err.message}`, { cause: err })),
    );
  }

  private async restore(runners: PartitionRunner[]): Promise<void> {
    const started = this.now();
    const { client } = this.options;
    const s = this.source;
    // Exactly-once: one transactional id per input partition. Creating the producer fences the
    // partition's previous owner and aborts its open transaction, so the state read next is final.
    await Promise.all(
      runners.map(async (r) => {
        r.producer = this.exactlyOnce
          ? await client.producer({ transactionalId: `${s.group_id}.${s.topic}.${r.task.partition}` })
          : this.sharedProducer;
      }),
    );
    const latest = new Map<number, Map<string, StateRecord>>(runners.map((r) => [r.task.partition, new Map()]));
    const emitted = new Map<number, number>();
    const ownMarker = emittedKey(s.topic);
    await client.readPartitions(
      s.state_topic,
      runners.map((r) => r.task.partition),
      (batch) => {
        const hosts = latest.get(batch.partition)!;
        for (const m of batch.messages) {
          const key = m.key?.toString('utf8') ?? '';
          const rec = parseStateRecord(s.state_topic, batch.partition, m);
          if (rec === null) {
            hosts.delete(key);
            if (key === ownMarker) emitted.delete(batch.partition);
          } else if (rec.topic !== s.topic || rec.partition !== batch.partition) {
            // Records of another input topic sharing this state topic are not ours.
          } else if ('emitted' in rec) emitted.set(batch.partition, rec.emitted);
          else hosts.set(key, rec);
        }
      },
    );
    let hosts = 0;
    for (const r of runners) {
      const p = r.task.partition;
      hosts += r.task.restore(latest.get(p)!.values(), emitted.get(p) ?? -1, this.now());
      r.emittedOffset = emitted.get(p) ?? -1;
    }
    this.options.logger.info(
      { partitions: runners.map((r) => r.task.partition), hosts, ms: this.now() - started },
      'restored host state',
    );
  }

  /** A partition moved away: drop its state. Uncommitted work is aborted and redone by the new owner. */
  private revoke(partition: number, runner: PartitionRunner): void {
    runner.revoked = true;
    this.runners.delete(partition);
    this.options.metrics?.forgetPartition(this.source.topic, partition);
    void runner.run(async () => {
      await runner.ready?.catch(() => {});
      if (runner.tx !== undefined) await runner.tx.abort().catch(() => {}); // may be fenced already
      runner.tx = undefined;
      if (this.exactlyOnce) await runner.producer?.close().catch(() => {});
    });
  }

  /**
   * Queues the batch on its partition and returns, so that kafkajs fetches the next one while we
   * work (it fetches again only after the handler returns). Backpressure: a partition with
   * MAX_BACKLOG batches waiting is paused until it has worked them off.
   */
  private async onBatch(batch: InBatch): Promise<void> {
    const runner = this.runners.get(batch.partition);
    if (runner === undefined || this.state !== 'running' || batch.topic !== this.source.topic) return;
    const tp = { topic: batch.topic, partition: batch.partition };
    runner.backlog++;
    if (runner.backlog >= (this.options.maxBacklog ?? MAX_BACKLOG) && !runner.held) {
      runner.held = true;
      this.consumer!.pause([tp]);
      this.options.metrics?.countBackpressurePause();
    }
    runner
      .run(async () => {
        await runner.ready;
        if (runner.revoked || this.state !== 'running') return;
        await this.processBatch(runner, batch);
      })
      .then(
        () => {
          runner.backlog--;
          if (runner.held && runner.backlog === 0) {
            runner.held = false;
            if (this.state === 'running' && !runner.revoked) this.consumer!.resume([tp]);
          }
        },
        (err: Error) => this.fail(err),
      );
  }

  private async processBatch(runner: PartitionRunner, batch: InBatch): Promise<void> {
    const started = process.hrtime.bigint();
    const { task } = runner;
    const result = task.process(batch, this.now());
    const records: OutRecord[] = [];
    if (result.alerts.length > 0) {
      records.push({ topic: this.sink.topic, messages: result.alerts.map((a) => alertMessage(a, this.sink.format)) });
    }
    if (result.rejected.length > 0) {
      records.push({
        topic: this.source.dead_letter_topic,
        messages: result.rejected.map((r) => deadLetter(batch, r.message, { reason: r.reason, message: r.detail })),
      });
    }
    await this.send(runner, records);
    if (this.now() - runner.lastCommitMs >= this.commitIntervalMs) await this.commit(runner);
    this.publish(runner, result.alerts.map((a) => a.rule), result.rejected.length, started);
  }

  /** Exactly-once: into the partition's open transaction; at-least-once: acknowledged by all in-sync replicas before returning. */
  private async send(runner: PartitionRunner, records: OutRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (this.exactlyOnce) {
      runner.tx ??= await runner.producer!.transaction();
      await runner.tx.send(records);
    } else {
      await runner.producer!.send(records);
    }
  }

  /**
   * Every commit interval: the alerts sent since the last commit become final, with an
   * EmittedRecord saying how far they go, together with snapshots of a share of the changed hosts
   * (all of them within a snapshot interval; all at a stop) and the group offset that the
   * snapshots cover. Exactly-once: all in the partition's transaction; at-least-once: acked
   * sends, then the offset commit.
   */
  private async commit(runner: PartitionRunner, final = false): Promise<void> {
    const { task } = runner;
    const snapshots = task.takeSnapshots(final ? 1 : this.commitIntervalMs / this.snapshotIntervalMs);
    const offset = task.committableOffset;
    const newOffset = offset > runner.committedOffset;
    const emitted = task.position;
    const newEmitted = emitted >= 0 && emitted !== runner.emittedOffset;
    const topic = this.source.topic;
    const partition = task.partition;
    const state: OutRecord[] = [];
    if (snapshots.length > 0) state.push({ topic: this.source.state_topic, messages: snapshots.map(stateMessage), compress: true });
    if (newEmitted) state.push({ topic: this.source.state_topic, messages: [emittedMessage({ topic, partition, emitted })] });
    if (this.exactlyOnce) {
      if (state.length > 0 || newOffset) runner.tx ??= await runner.producer!.transaction();
      if (runner.tx !== undefined) {
        await runner.tx.send(state);
        if (newOffset) await runner.tx.sendOffsets(this.source.group_id, [{ topic, partition, offset }]);
        await runner.tx.commit();
        runner.tx = undefined;
      }
    } else {
      await runner.producer!.send(state);
      if (newOffset) await this.consumer!.commit([{ topic, partition, offset }]);
    }
    if (newOffset) runner.committedOffset = offset;
    if (newEmitted) runner.emittedOffset = emitted;
    runner.lastCommitMs = this.now();
  }

  /** Something a commit would write: open alerts, an unrecorded position, changed hosts or a movable offset. */
  private commitPending(runner: PartitionRunner): boolean {
    const { task } = runner;
    return runner.tx !== undefined || task.position !== runner.emittedOffset || task.hasDirtyHosts || task.committableOffset > runner.committedOffset;
  }

  private publish(runner: PartitionRunner, rules: string[], deadLetters: number, started?: bigint): void {
    const m = this.options.metrics;
    if (m === undefined) return;
    const { task } = runner;
    const events = task.counters.eventsByEventId();
    const errors = task.counters.errorsByReason();
    m.countEvents(delta(events, runner.published.events));
    m.countDecodeErrors(delta(errors, runner.published.errors));
    runner.published = { events, errors };
    m.countAlerts(rules);
    m.countDeadLetters(deadLetters);
    m.setLag(this.source.topic, task.partition, task.lag);
    if (started !== undefined) m.observeBatch(Number(process.hrtime.bigint() - started) / 1e9);
    let live = 0;
    let hosts = 0;
    for (const r of this.runners.values()) {
      live += r.task.liveProcesses;
      hosts += r.task.hostCount;
    }
    m.setTreeSize(live, hosts);
  }

  /** Idle timeout and the commit interval, for partitions whose batches have stopped coming. */
  private tick(): void {
    if (this.state !== 'running') return;
    const idleMs = this.source.idle_timeout_secs * 1000;
    for (const runner of this.runners.values()) {
      if (!runner.restored) continue;
      runner
        .run(async () => {
          if (runner.revoked || this.state !== 'running') return;
          const alerts = runner.task.advanceIdle(this.now(), idleMs);
          if (alerts.length > 0) {
            await this.send(runner, [{ topic: this.sink.topic, messages: alerts.map((a) => alertMessage(a, this.sink.format)) }]);
            this.publish(runner, alerts.map((a) => a.rule), 0);
          }
          if (this.now() - runner.lastCommitMs >= this.commitIntervalMs && this.commitPending(runner)) await this.commit(runner);
        })
        .catch((err: Error) => this.fail(err));
    }
  }

  health(): Health {
    if (this.failure) return { ok: false, detail: `failed: ${this.failure.message}` };
    if (this.state !== 'running') return { ok: false, detail: this.state };
    const restoring = [...this.runners.values()].filter((r) => !r.restored).length;
    if (restoring > 0) return { ok: false, detail: `restoring ${restoring} partitions` };
    return { ok: true, detail: `consuming ${this.runners.size} partitions of ${this.source.topic}` };
  }

  /**
   * Graceful stop: fetch nothing more, let the batch in progress finish, commit alerts, snapshots
   * and offsets of every partition, leave the group, disconnect.
   */
  async stop(): Promise<void> {
    if (this.state !== 'running') return this.done.catch(() => {});
    this.state = 'stopping';
    clearInterval(this.ticker);
    const topic = this.source.topic;
    const runners = [...this.runners.values()];
    this.consumer?.pause(runners.map((r) => ({ topic, partition: r.task.partition })));
    try {
      await Promise.all(
        runners.map((r) =>
          r.run(async () => {
            await r.ready;
            if (!r.revoked) await this.commit(r, true);
          }),
        ),
      );
    } catch (err) {
      this.failure ??= err as Error;
    }
    await this.shutdown();
  }

  /**
   * A fatal error: stop without committing (what was not committed is redone after a restart).
   * Not awaited by callers: closing the consumer waits for the batch handler that may be calling this.
   */
  private fail(err: Error): void {
    if (this.state === 'stopped' || this.failure !== undefined) return;
    this.failure = err;
    this.options.logger.error({ err }, 'stopping after a fatal error');
    this.state = 'stopping';
    clearInterval(this.ticker);
    void this.shutdown();
  }

  private closing: Promise<void> | undefined;

  private shutdown(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  private async closeAll(): Promise<void> {
    const runners = [...this.runners.values()];
    this.runners.clear();
    await this.consumer?.close().catch((e: Error) => this.options.logger.warn({ err: e }, 'closing the consumer failed'));
    await Promise.all(
      runners.map(async (r) => {
        if (r.tx !== undefined) await r.tx.abort().catch(() => {});
        if (this.exactlyOnce) await r.producer?.close().catch(() => {});
      }),
    );
    await this.sharedProducer?.close().catch(() => {});
    this.state = 'stopped';
    if (this.failure) this.settle.reject(this.failure);
    else this.settle.resolve();
  }
}

function delta(now: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(now)) out[k] = v - (before[k] ?? 0);
  return out;
}
