// The Kafka source: a consumer-group member whose assigned partitions are lanes of the pipeline.
// Each lane emits, in order: `restored` (the partition's hosts read back from the state topic),
// then `batch`es of messages and idle `tick`s, then `end` (the partition was revoked, or the
// source stops). A lane emits its next item only once the pipeline acknowledged the one before
// (ack), so one partition's work never interleaves; up to `maxBacklog` fetched batches wait in a
// lane before its partition is paused (backpressure from the source, as the file source's gate).

import type { Logger } from 'pino';
import { Subject, type Observable } from 'rxjs';
import { emittedKey, type StateRecord } from '../../engine/partition-task.js';
import type { Assignment, InBatch, InMessage, KafkaClient, KafkaClientError, KafkaConsumer, PartitionOffset, TopicPartition } from '../../kafka/client.js';
import type { KafkaSourceConfig } from './config.js';
import { parseStateRecord } from './state-records.js';

/**
 * `lane` names one ownership of a partition: a partition revoked and assigned again gets a new
 * lane, so the old one's end and the new one's restore never mix.
 */
export type LaneItem = { lane: number; partition: number } & (
  | { kind: 'restored'; records: StateRecord[]; emitted: number }
  /** `release`: the client's InBatch.release, called once the batch is acknowledged or dropped. */
  | { kind: 'batch'; messages: InMessage[]; highWatermark: number; release?: () => void }
  | { kind: 'tick' }
  /** `final`: the source stops (commit everything); otherwise the partition moved away (drop what is not committed). */
  | { kind: 'end'; final: boolean }
);

export interface KafkaSourceOptions {
  config: KafkaSourceConfig;
  client: KafkaClient;
  logger: Logger;
  /** Wall clock (ms), for logs of restore times. */
  now: () => number;
  /** Fetched batches a partition may have waiting (with the one in progress) before it is paused. */
  maxBacklog: number;
  /** How often quiet lanes get a tick (idle timeout, commit interval). */
  tickMs: number;
  /** Before newly assigned lanes are restored: fences their partitions' previous owner (the sink's transactional producers). */
  fence(lanes: { lane: number; partition: number }[]): Promise<void>;
  /** Called each time a partition is paused because its lane is full. */
  onPause?: () => void;
  onRevoke?: (partition: number) => void;
}

/** Where one partition is: what waits, what is out, how far it was read. */
let lastLaneId = 0;

class Lane {
  readonly id = ++lastLaneId;
  /** What waits; a fetched batch becomes a `batch` item at its turn (its messages are built then). */
  readonly queue: (LaneItem | { kind: 'fetched'; batch: InBatch })[] = [];
  /** An item was emitted and not acknowledged yet. */
  busy = false;
  restored = false;
  ended = false;
  /** Batches queued or in progress. */
  backlog = 0;
  /** Paused by backpressure (not by a restore or a stop). */
  held = false;
  /** Offset after the last message handed on: a redelivery after a rebalance is dropped. */
  nextOffset = -1;

  constructor(readonly partition: number) {}
}

export class KafkaSource {
  private readonly subject = new Subject<LaneItem>();
  /** Every lane's items, one lane's in order; completes after the last `end` is acknowledged. */
  readonly items: Observable<LaneItem> = this.subject.asObservable();
  /** The current lane of each assigned partition. */
  private readonly lanes = new Map<number, Lane>();
  /** Every lane not ended and acknowledged yet, by id. */
  private readonly open = new Map<number, Lane>();
  private consumer: KafkaConsumer | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  /** A first assignment arrived (possibly empty: a group can have more members than partitions). */
  private assigned = false;
  /** Wall clock (ms) of the group coordinator's last answer (a join or a heartbeat). */
  private lastContactMs: number | undefined;
  /** Aborts the restores in progress when the source stops. */
  private readonly restores = new AbortController();
  private readonly topic: string;

  constructor(private readonly options: KafkaSourceOptions) {
    this.topic = options.config.topic;
  }

  /** Joins the group; resolves once the consumer runs (assignments follow). */
  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'running';
    const s = this.options.config;
    const consumer = this.options.client.consumer({
      groupId: s.group_id,
      topics: [s.topic],
      fromBeginning: true,
      readCommitted: true,
      sessionTimeoutMs: s.session_timeout_secs * 1000,
      maxBytesPerPartition: s.max_batch_bytes,
      // While one partition waits for its sends or its transaction, another one's batch uses the CPU.
      partitionsConcurrently: 4,
    });
    this.consumer = consumer;
    this.options.logger.info({ group: s.group_id, topic: s.topic }, 'joining the consumer group');
    await consumer.run({
      onBatch: (batch) => this.onBatch(batch),
      onAssignment: (a) => this.onAssignment(a),
      onCrash: (err) => this.fail(err),
      onContact: () => (this.lastContactMs = this.options.now()),
    });
    if (this.state !== 'running') return;
    this.ticker = setInterval(() => this.tick(), this.options.tickMs);
    this.ticker.unref();
  }

  /** Ready: the group gave this member its partitions and every one is restored. */
  get ready(): boolean {
    if (this.state !== 'running' || !this.assigned) return false;
    for (const l of this.lanes.values()) if (!l.restored) return false;
    return true;
  }

  get restoring(): number {
    let n = 0;
    for (const l of this.lanes.values()) if (!l.restored) n++;
    return n;
  }

  get partitions(): number {
    return this.lanes.size;
  }

  /** How long ago the group coordinator last answered (ms); undefined before the first join. */
  get contactAgeMs(): number | undefined {
    return this.lastContactMs === undefined ? undefined : this.options.now() - this.lastContactMs;
  }

  /** The pipeline is through with the lane's last item: emit its next one. */
  ack(item: LaneItem): void {
    const lane = this.open.get(item.lane);
    if (lane === undefined) return;
    lane.busy = false;
    // Nothing reads the messages' bytes after the pipeline is through with them (sends and dead letters are acknowledged).
    if (item.kind === 'batch') this.settled(lane, item.release);
    if (item.kind === 'end') {
      this.open.delete(lane.id);
      if (this.lanes.get(lane.partition) === lane) this.lanes.delete(lane.partition);
      this.completeIfDone();
      return;
    }
    this.emitNext(lane);
  }

  /** A batch is done with (acknowledged, dropped, or nothing in it to hand on): its memory goes back, its partition may be fetched again. */
  private settled(lane: Lane, release: (() => void) | undefined): void {
    release?.();
    lane.backlog--;
    if (lane.held && lane.backlog === 0) {
      lane.held = false;
      if (this.state === 'running' && !lane.ended) this.consumer?.resume([this.tp(lane.partition)]);
    }
  }

  /** At-least-once: the group's committed offsets (exactly-once commits them in the sink's transaction). */
  commitOffsets(offsets: PartitionOffset[]): Promise<void> {
    return this.consumer!.commit(offsets);
  }

  /**
   * Graceful stop: fetch nothing more, drop what waits, let the item in progress finish, then
   * each lane ends with a final `end` (commit everything); `items` completes after the last. A
   * restore in progress is abandoned: its lane ends with nothing to commit.
   */
  stop(): void {
    if (this.state !== 'running' && this.state !== 'new') return;
    this.state = 'stopping';
    clearInterval(this.ticker);
    this.restores.abort();
    this.consumer?.pause([...this.lanes.keys()].map((p) => this.tp(p)));
    for (const lane of this.open.values()) {
      this.drop(lane);
      // A lane still restoring ends once its restore gave up (see assign).
      if (lane.restored) this.end(lane, true);
    }
    this.completeIfDone();
  }

  /**
   * Leaves the group and closes the connections; after stop(), or on a failure. Safe while the
   * consumer is still joining (it leaves once joined) or restoring (the restore is abandoned).
   */
  async close(): Promise<void> {
    clearInterval(this.ticker);
    if (this.state === 'running' || this.state === 'new') this.state = 'stopping';
    this.restores.abort();
    await this.consumer?.close();
  }

  /** The consumer crashed or a restore failed: `items` errors (the pipeline decides whether to reconnect). */
  private fail(err: Error | KafkaClientError): void {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    this.state = 'stopped';
    clearInterval(this.ticker);
    this.restores.abort();
    this.subject.error(err);
  }

  private completeIfDone(): void {
    if (this.state === 'stopping' && this.open.size === 0) {
      this.state = 'stopped';
      this.subject.complete();
    }
  }

  private tp(partition: number): TopicPartition {
    return { topic: this.topic, partition };
  }

  private onAssignment(a: Assignment): void {
    if (this.state !== 'running') return;
    const mine = new Set(a.partitions.filter((p) => p.topic === this.topic).map((p) => p.partition));
    for (const lane of [...this.lanes.values()]) {
      if (a.memberChanged || !mine.has(lane.partition)) this.revoke(lane);
    }
    const added = [...mine].filter((p) => !this.lanes.has(p));
    this.assigned = true;
    this.options.logger.info({ partitions: [...mine].sort((x, y) => x - y), added }, 'partitions assigned');
    if (added.length > 0) this.assign(added);
  }

  /** New partitions: fence their previous owner, restore their hosts, then let their batches through. */
  private assign(partitions: number[]): void {
    const lanes = partitions.map((p) => {
      const lane = new Lane(p);
      this.lanes.set(p, lane);
      this.open.set(lane.id, lane);
      return lane;
    });
    // Paused until restored: a batch must never meet an empty tree that the state topic could fill.
    this.consumer!.pause(partitions.map((p) => this.tp(p)));
    this.restore(lanes, this.restores.signal).then(
      (restored) => {
        for (const lane of lanes) {
          lane.restored = true;
          // Revoked while restoring, its queue holds only its end (which releases the fenced producer).
          if (!lane.ended) {
            const r = restored.get(lane.partition)!;
            lane.queue.unshift({ kind: 'restored', lane: lane.id, partition: lane.partition, records: r.records, emitted: r.emitted });
            if (this.state === 'stopping') this.end(lane, true);
          }
          this.emitNext(lane);
        }
        const live = lanes.filter((l) => !l.ended);
        if (this.state === 'running') this.consumer!.resume(live.map((l) => this.tp(l.partition)));
      },
      (err: Error) => {
        if (this.restores.signal.aborted) {
          // Stopping: the lanes end with nothing to commit (their hosts were never restored).
          for (const lane of lanes) {
            lane.restored = true;
            if (!lane.ended) this.end(lane, true);
            this.emitNext(lane);
          }
          return;
        }
        const failure = new Error(`restoring partitions ${partitions.join(', ')} failed: ${err.message}`, { cause: err });
        this.fail(Object.assign(failure, { retriable: (err as { retriable?: boolean }).retriable ?? false }));
      },
    );
  }

  private async restore(lanes: Lane[], signal: AbortSignal): Promise<Map<number, { records: StateRecord[]; emitted: number }>> {
    const started = this.options.now();
    const s = this.options.config;
    const partitions = lanes.map((l) => l.partition);
    this.options.logger.info({ partitions }, 'restoring host state');
    // Exactly-once: creating a partition's transactional producer fences its previous owner and
    // aborts its open transaction, so the state read next is final.
    await this.options.fence(lanes.map((l) => ({ lane: l.id, partition: l.partition })));
    signal.throwIfAborted();
    const latest = new Map<number, Map<string, StateRecord>>(partitions.map((p) => [p, new Map()]));
    const emitted = new Map<number, number>();
    const ownMarker = emittedKey(s.topic);
    await this.options.client.readPartitions(s.state_topic, partitions, (batch) => {
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
    }, signal);
    const out = new Map<number, { records: StateRecord[]; emitted: number }>();
    let hosts = 0;
    for (const p of partitions) {
      const records = [...latest.get(p)!.values()];
      hosts += records.length;
      out.set(p, { records, emitted: emitted.get(p) ?? -1 });
    }
    this.options.logger.info({ partitions, hosts, ms: this.options.now() - started }, 'restored host state');
    return out;
  }

  /** A partition moved away: what waits is dropped, and the lane ends (its uncommitted work is redone by the new owner). */
  private revoke(lane: Lane): void {
    this.options.onRevoke?.(lane.partition);
    this.lanes.delete(lane.partition);
    this.drop(lane);
    // Still restoring, the end waits in the queue until the restore is done.
    this.end(lane, false);
  }

  private drop(lane: Lane): void {
    for (let i = lane.queue.length - 1; i >= 0; i--) {
      const item = lane.queue[i];
      if (item.kind === 'fetched' || item.kind === 'tick') {
        lane.queue.splice(i, 1);
        if (item.kind === 'fetched') this.settled(lane, () => item.batch.release?.());
      }
    }
  }

  private end(lane: Lane, final: boolean): void {
    if (lane.ended) return;
    lane.ended = true;
    lane.queue.push({ kind: 'end', lane: lane.id, partition: lane.partition, final });
    this.emitNext(lane);
  }

  private emitNext(lane: Lane): void {
    while (!lane.busy && lane.restored && lane.queue.length > 0) {
      const next = lane.queue.shift()!;
      const item = next.kind === 'fetched' ? this.handOn(lane, next.batch) : next;
      if (item === undefined) continue;
      lane.busy = true;
      this.subject.next(item);
    }
  }

  /** A fetched batch at its turn, less what was handed on already; undefined when nothing is left. */
  private handOn(lane: Lane, batch: InBatch): LaneItem | undefined {
    let messages = batch.messages;
    // Redelivered after a rebalance (the consumer restarts from the committed offset) but
    // already handed on: the open transaction or the acked sends hold its results.
    if (messages.length > 0 && messages[0].offset < lane.nextOffset) messages = messages.filter((m) => m.offset >= lane.nextOffset);
    if (messages.length === 0) {
      this.settled(lane, () => batch.release?.());
      return undefined;
    }
    lane.nextOffset = messages[messages.length - 1].offset + 1;
    return { kind: 'batch', lane: lane.id, partition: lane.partition, messages, highWatermark: batch.highWatermark, release: batch.release?.bind(batch) };
  }

  /**
   * Queues the batch on its lane and returns, so that the client fetches the next one while the
   * pipeline works (it fetches a partition again only after this returns). A lane holding
   * maxBacklog batches pauses its partition until it has worked them off.
   */
  private async onBatch(batch: InBatch): Promise<void> {
    const lane = this.lanes.get(batch.partition);
    if (lane === undefined || lane.ended || this.state !== 'running' || batch.topic !== this.topic) {
      batch.release?.();
      return;
    }
    lane.backlog++;
    if (lane.backlog >= this.options.maxBacklog && !lane.held) {
      lane.held = true;
      this.consumer!.pause([this.tp(lane.partition)]);
      this.options.onPause?.();
    }
    lane.queue.push({ kind: 'fetched', batch });
    this.emitNext(lane);
  }

  /** Quiet lanes get a tick: the idle timeout and the commit interval work without batches. */
  private tick(): void {
    if (this.state !== 'running') return;
    for (const lane of this.lanes.values()) {
      if (!lane.restored || lane.ended || lane.busy || lane.queue.length > 0) continue;
      lane.queue.push({ kind: 'tick', lane: lane.id, partition: lane.partition });
      this.emitNext(lane);
    }
  }
}
