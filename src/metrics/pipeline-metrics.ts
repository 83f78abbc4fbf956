// Prometheus metrics of a running pipeline. Stages count into plain numbers per event and hand
// the totals over once per batch (STYLE.md: no label lookups per event on the hot path).

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class PipelineMetrics {
  readonly registry = new Registry();
  private readonly events = new Counter({
    name: 'proctree_events_total',
    help: 'Sysmon events read, by EventID',
    labelNames: ['event_id'],
    registers: [this.registry],
  });
  private readonly decodeErrors = new Counter({
    name: 'proctree_decode_errors_total',
    help: 'Input records that could not be decoded, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  private readonly deadLetters = new Counter({
    name: 'proctree_dead_letters_total',
    help: 'Messages written to the dead-letter topic',
    registers: [this.registry],
  });
  private readonly alerts = new Counter({
    name: 'proctree_alerts_total',
    help: 'Alerts raised, by rule',
    labelNames: ['rule'],
    registers: [this.registry],
  });
  private readonly lag = new Gauge({
    name: 'proctree_consumer_lag',
    help: 'Messages between the last one processed and the end of the partition',
    labelNames: ['topic', 'partition'],
    registers: [this.registry],
  });
  private readonly batchSeconds = new Histogram({
    name: 'proctree_batch_duration_seconds',
    help: 'Time from receiving a batch to its alerts acknowledged and offsets committed',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly pauses = new Counter({
    name: 'proctree_backpressure_pauses_total',
    help: 'Times a partition was paused because its fetched batches were waiting to be processed',
    registers: [this.registry],
  });
  private readonly reconnects = new Counter({
    name: 'proctree_kafka_reconnects_total',
    help: 'Times the processor lost its connection to Kafka and started a new one, by the error that ended it',
    labelNames: ['error'],
    registers: [this.registry],
  });
  private readonly liveProcesses = new Gauge({
    name: 'proctree_live_processes',
    help: 'Processes held in the process trees (live or kept for their descendants)',
    registers: [this.registry],
  });
  private readonly hosts = new Gauge({
    name: 'proctree_hosts',
    help: 'Hosts with a process tree in this instance',
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'proctree_' });
  }

  countEvents(byEventId: Record<string, number>): void {
    for (const [id, n] of Object.entries(byEventId)) if (n > 0) this.events.inc({ event_id: id }, n);
  }

  countDecodeErrors(byReason: Record<string, number>): void {
    for (const [reason, n] of Object.entries(byReason)) if (n > 0) this.decodeErrors.inc({ reason }, n);
  }

  countDeadLetters(n: number): void {
    if (n > 0) this.deadLetters.inc(n);
  }

  countAlerts(rules: Iterable<string>): void {
    const byRule = new Map<string, number>();
    for (const rule of rules) byRule.set(rule, (byRule.get(rule) ?? 0) + 1);
    for (const [rule, n] of byRule) this.alerts.inc({ rule }, n);
  }

  setLag(topic: string, partition: number, messages: number): void {
    this.lag.set({ topic, partition: String(partition) }, Math.max(0, messages));
  }

  /** A partition moved away: its lag is someone else's to report. */
  forgetPartition(topic: string, partition: number): void {
    this.lag.remove({ topic, partition: String(partition) });
  }

  observeBatch(seconds: number): void {
    this.batchSeconds.observe(seconds);
  }

  countBackpressurePause(): void {
    this.pauses.inc();
  }

  /** A connection was lost after it had consumed; `error` is the error's name (a few kinds, not the message). */
  countReconnect(error: string): void {
    this.reconnects.inc({ error });
  }

  setTreeSize(liveProcesses: number, hosts: number): void {
    this.liveProcesses.set(liveProcesses);
    this.hosts.set(hosts);
  }
}
