// `proctree run`: the unbounded pipeline. The stages themselves (Kafka source -> decode -> engine
// -> Kafka sink -> checkpoint -> ack, one RxJS pipeline of batches like replay's) are one
// StreamSession: one connection to Kafka. This file keeps the processor up across failures and
// answers for it:
//
// - Supervision. A session that fails on an error that may go away by itself (the broker stopped,
//   a leader moving, the alerts topic gone for a while: kafkajs' retries ran out) is abandoned
//   without committing and a new one opened after a backoff (0.5 s doubling to 10 s). The new
//   member joins the group, restores its partitions' hosts from the state topic and reads from the
//   committed offsets: what the failed session had not committed is redone, with the same alert
//   ids. Errors that will not go away (authorisation, a record the broker will never take, a state
//   topic that is not ours, a missing topic at the first start) stop the processor.
// - Stop at any moment: while connecting, joining, restoring, consuming or committing, and while
//   waiting to reconnect. See stop().
// - Readiness (health()): assigned, restored, and the group coordinator answering.

import type { Logger } from 'pino';
import { BatchDecoder } from '../decode/batch-decoder.js';
import { DecodeCounters } from '../decode/counters.js';
import { isRetriable, type KafkaClient } from '../kafka/client.js';
import type { PipelineMetrics } from '../metrics/pipeline-metrics.js';
import type { Health } from '../metrics/server.js';
import type { KafkaSinkConfig } from '../sinks/kafka/config.js';
import type { KafkaSourceConfig } from '../sources/kafka/config.js';
import { TopicSetupError } from '../sources/kafka/topics.js';
import type { PipelineConfig } from './config.js';
import { StreamError, StreamSession } from './stream-session.js';

export { StreamError } from './stream-session.js';

/**
 * Batches of one partition that may wait for processing before it is paused. Room for a few: a
 * partition waiting on its transaction commit then finds its next batches already fetched instead
 * of being paused, resumed and fetching again after every commit (up to 4 x max_batch_bytes each).
 */
const MAX_BACKLOG = 4;

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
  /** Wait before the first reconnection (default 500 ms); it doubles up to reconnectMaxMs. */
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
}

export class StreamPipeline {
  private readonly sourceConfig: KafkaSourceConfig;
  private readonly sinkConfig: KafkaSinkConfig;
  private readonly now: () => number;
  private readonly counters = new DecodeCounters();
  private readonly decoder = new BatchDecoder(this.counters);
  /** Decode counters already published to metrics. */
  private published = { events: {} as Record<string, number>, errors: {} as Record<string, number> };
  private session: StreamSession | undefined;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  /** Where the current connection is, for health(). */
  private phase: 'connecting' | 'open' | 'reconnecting' = 'connecting';
  /** The failure the processor is reconnecting after, and when the next attempt starts. */
  private lost: { error: Error; retryAtMs: number } | undefined;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  /** The group coordinator not answering for this long (ms) makes the instance unready. */
  private readonly staleContactMs: number;
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
    // Heartbeats go every min(3 s, session/10) (src/kafka/kafkajs-client.ts): two missed and 2 s more.
    this.staleContactMs = 2 * Math.min(3000, (source.session_timeout_secs * 1000) / 10) + 2000;
    this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.done.catch(() => {}); // observed by whoever awaits it; never an unhandled rejection
  }

  /**
   * Creates or checks the topics, opens the sink, joins the group; resolves once the first
   * connection consumes (partitions are assigned and restored after). Rejects when that first
   * connection fails (an unreachable broker, a missing topic, a refused login); after it, errors
   * that may go away are retried (health() says why meanwhile). A stop() meanwhile wins.
   */
  start(): Promise<void> {
    if (this.state === 'stopped') return Promise.resolve(); // stopped before it started
    if (this.state !== 'new') throw new StreamError('start() may be called once');
    this.state = 'running';
    let opened!: { resolve: () => void; reject: (e: Error) => void };
    const first = new Promise<void>((resolve, reject) => (opened = { resolve, reject }));
    void this.supervise(opened);
    return first;
  }

  /** One session after another until stopped or a failure that will not go away. */
  private async supervise(opened: { resolve: () => void; reject: (e: Error) => void }): Promise<void> {
    let attempt = 0;
    let isFirst = true;
    while (this.state === 'running') {
      const session = this.newSession();
      this.session = session;
      this.phase = 'connecting';
      let error: Error | undefined;
      let openedAtMs: number | undefined;
      try {
        await session.open();
        openedAtMs = this.now();
        this.phase = 'open';
        this.lost = undefined;
        if (isFirst) opened.resolve();
        isFirst = false;
        await session.ended;
      } catch (e) {
        error = e as Error;
      }
      if (error === undefined) break; // stopped: every lane committed, the group left
      await session.abandon();
      if (this.state !== 'running') {
        // A failure while stopping (the broker went away as we committed): what was not
        // committed is redone by the next owner; the stop itself went as asked.
        this.options.logger.warn({ err: error }, 'stopped without committing everything: the next owner of those partitions redoes the rest');
        break;
      }
      // A topic gone after the processor ran (deleted to be created again, an operator's slip) is
      // waited for; at the first start it is a setting to fix.
      const topicGone = !isFirst && error instanceof StreamError && error.cause instanceof TopicSetupError;
      // Before the first connection ever consumed, any failure is reported and ends the run: an
      // unreachable broker or a refused login at start is a setting to fix, said in one line.
      if (isFirst || (!isRetriable(error) && !topicGone)) {
        this.failure = error instanceof StreamError ? error : new StreamError(error.message, { cause: error });
        this.options.logger.error({ err: error }, 'stopping after a fatal error');
        if (isFirst) opened.reject(error); // as it came: the CLI explains Kafka's own errors
        break;
      }
      // A connection that consumed for a while starts the backoff again.
      if (openedAtMs !== undefined && this.now() - openedAtMs > 60_000) attempt = 0;
      const waitMs = Math.min(this.options.reconnectMaxMs ?? 10_000, (this.options.reconnectInitialMs ?? 500) * 2 ** attempt++);
      this.lost = { error, retryAtMs: this.now() + waitMs };
      this.phase = 'reconnecting';
      this.options.metrics?.countReconnect(error.name);
      this.options.logger.warn({ err: error, retryInMs: waitMs, attempt }, 'lost the connection to Kafka: reconnecting');
      await this.sleep(waitMs);
    }
    this.session = undefined;
    this.state = 'stopped';
    if (isFirst) opened.resolve();
    if (this.failure) this.settle.reject(this.failure);
    else this.settle.resolve();
  }

  private newSession(): StreamSession {
    return new StreamSession({
      config: this.options.config,
      source: this.sourceConfig,
      sink: this.sinkConfig,
      client: this.options.client,
      logger: this.options.logger,
      metrics: this.options.metrics,
      now: this.now,
      commitIntervalMs: this.options.commitIntervalMs ?? 500,
      maxBacklog: this.options.maxBacklog ?? MAX_BACKLOG,
      decoder: this.decoder,
      publishDecodeCounts: () => this.publishDecodeCounts(),
    });
  }

  /** Waits `ms`, or less when stop() wakes it. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).finally(() => (this.wake = undefined));
  }

  private publishDecodeCounts(): void {
    const m = this.options.metrics;
    if (m === undefined) return;
    const events = this.counters.eventsByEventId();
    const errors = this.counters.errorsByReason();
    m.countEvents(delta(events, this.published.events));
    m.countDecodeErrors(delta(errors, this.published.errors));
    this.published = { events, errors };
  }

  /**
   * Readiness: 200 only once this instance has its assignment and has restored it, and while
   * the group coordinator answers. (Liveness is the metrics server answering at all: /livez.)
   */
  health(): Health {
    if (this.failure) return { ok: false, detail: `failed: ${this.failure.message}` };
    if (this.state !== 'running') return { ok: false, detail: this.state === 'new' ? 'not started' : this.state };
    if (this.phase === 'reconnecting' && this.lost !== undefined) {
      const secs = Math.max(0, Math.ceil((this.lost.retryAtMs - this.now()) / 1000));
      return { ok: false, detail: `Kafka unreachable, reconnecting in ${secs} s: ${this.lost.error.message}` };
    }
    const source = this.session?.source;
    if (this.phase === 'connecting' || source === undefined) {
      return { ok: false, detail: this.lost ? `reconnecting to Kafka after: ${this.lost.error.message}` : 'connecting to Kafka' };
    }
    if (!source.ready) {
      const restoring = source.restoring;
      return { ok: false, detail: restoring > 0 ? `restoring ${restoring} partitions` : 'joining the consumer group' };
    }
    const age = source.contactAgeMs;
    if (age !== undefined && age > this.staleContactMs) {
      return { ok: false, detail: `no answer from the Kafka group coordinator for ${Math.round(age / 1000)} s` };
    }
    return { ok: true, detail: `consuming ${source.partitions} partitions of ${this.sourceConfig.topic}` };
  }

  /**
   * Graceful stop: fetch nothing more, let the items in progress finish, commit alerts,
   * snapshots and offsets of every lane, leave the group, disconnect. Safe at any moment: while
   * connecting (it finishes the step in progress and closes), while joining the group (the
   * member leaves once the join is over, so the next member is not kept waiting), while
   * restoring (the restore is abandoned), and while waiting to reconnect (at once).
   */
  async stop(): Promise<void> {
    if (this.state === 'new') {
      this.state = 'stopped';
      this.settle.resolve();
      return;
    }
    if (this.state !== 'running') return this.done.catch(() => {});
    this.state = 'stopping';
    this.wake?.();
    this.session?.stop();
    return this.done.catch(() => {});
  }
}

function delta(now: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(now)) out[k] = v - (before[k] ?? 0);
  return out;
}
