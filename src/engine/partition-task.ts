// The engine stage for one partition of a partitioned log (a Kafka input partition), without
// any I/O: judge a batch of decoded messages, and hand back alerts, the problems to dead-letter
// and (when asked) host snapshots. Each assigned partition gets its own task, engine and hosts
// (as a Kafka Streams task), so a partition that moves takes exactly its hosts' state with it.
// It knows offsets, so that a restart redoes state without publishing results twice.

import type { Alert } from '../alerts/alert.js';
import type { Decoded, RecordProblem } from '../decode/records.js';
import type { HostState } from '../index/host-state.js';
import { restoreHost, snapshotHost, type HostSnapshot } from '../index/snapshot.js';
import { Engine, type EngineConfig } from './engine.js';

/** One batch of a partition: the messages' offsets and what decode made of them. */
export interface PartitionBatch {
  /** Offset of each message, in order (decoded.recordOf and problems index into this). */
  offsets: readonly number[];
  decoded: Decoded;
  /** Offset the log will give its next message (for the lag). */
  highWatermark: number;
}

export interface BatchResult {
  alerts: Alert[];
  /** Problems of messages not published before: they go to the dead-letter topic. */
  rejected: RecordProblem[];
}

/** What a state-topic record holds: one host's snapshot and the input position it covers. */
export interface StateRecord {
  topic: string;
  partition: number;
  /** Every message of this partition before this offset is reflected in `host`. */
  offset: number;
  host: HostSnapshot;
}

/**
 * How far a partition's alerts and dead letters are published. Snapshots (and with them the
 * committed offset) move less often than alerts do, so a restart redoes the messages between the
 * committed offset and this one to rebuild their state, without publishing their alerts again.
 */
export interface EmittedRecord {
  topic: string;
  partition: number;
  /** Alerts and dead letters of every message before this offset are published. */
  emitted: number;
}

/**
 * Key of a partition's EmittedRecord in the state topic: not a host name (they hold no "~"), and
 * one per input topic, since several input topics may share a state topic.
 */
export function emittedKey(topic: string): string {
  return `~emitted:${topic}`;
}

export class PartitionTask {
  readonly engine: Engine;
  /**
   * Hosts changed since their last snapshot, with the offset of the first message that changed
   * them: in insertion order, so oldest change first, which is where the committed offset must stay.
   */
  private readonly dirty = new Map<string, number>();
  /** Hosts changed by a wall-clock timer, which a re-read could not redo: snapshotted at the next commit. */
  private readonly wanted = new Set<string>();
  /** Fractional hosts owed by takeSnapshots' share, carried to the next call. */
  private credit = 0;
  /** Per host, the offset its restored snapshot covers: older redeliveries are not applied twice. */
  private readonly covered = new Map<string, number>();
  /** Wall-clock ms of each host's last event (or of its restore), for the idle timeout. */
  private readonly lastActivity = new Map<string, number>();
  /** Next offset to process; -1 until the first batch. */
  position = -1;
  /** Messages behind the end of the partition after the last batch. */
  lag = 0;
  /** Results of messages before this offset are already published (restored EmittedRecord): redo their state only. */
  private muteBefore = -1;
  /** Scratch for the alerts of redone messages, which are dropped. */
  private readonly muted: Alert[] = [];

  constructor(
    readonly topic: string,
    readonly partition: number,
    config: EngineConfig,
  ) {
    this.engine = new Engine(config);
  }

  /** Puts restored hosts in place, and how far results were published; call before the first batch. */
  restore(records: Iterable<StateRecord>, emitted: number, nowMs: number): number {
    this.muteBefore = emitted;
    let n = 0;
    for (const r of records) {
      const h = restoreHost(this.engine.index, r.host);
      this.covered.set(h.key, r.offset);
      this.lastActivity.set(h.key, nowMs);
      n++;
    }
    return n;
  }

  /** Judges a batch; messages before the task's position (redelivered after a rebalance) must not be passed again. */
  process(batch: PartitionBatch, nowMs: number): BatchResult {
    const { offsets, decoded } = batch;
    const rejected: RecordProblem[] = [];
    for (const p of decoded.problems) if (offsets[p.record] >= this.muteBefore) rejected.push(p);
    const all = decoded.events;
    // Restored hosts skip what their snapshot holds; without any, the decoded events go as they are.
    const filtering = this.covered.size > 0;
    const events = filtering ? [] : all;
    /** Events (a prefix of `events`) whose alerts were published before the restart that redoes them. */
    let redone = 0;
    for (let i = 0; i < all.length; i++) {
      const r = all[i];
      const offset = offsets[decoded.recordOf[i]];
      if (filtering) {
        const upTo = this.covered.get(r.hostKey);
        if (upTo !== undefined) {
          if (offset < upTo) continue; // already in the restored snapshot
          this.covered.delete(r.hostKey);
        }
        events.push(r);
      }
      if (offset < this.muteBefore) redone++;
      if (!this.dirty.has(r.hostKey)) this.dirty.set(r.hostKey, offset);
      this.lastActivity.set(r.hostKey, nowMs);
    }
    const alerts: Alert[] = [];
    if (redone > 0) {
      // The engine is deterministic per event: the redone prefix raises what was published then.
      this.engine.process(events.slice(0, redone), this.muted);
      this.muted.length = 0;
      this.engine.process(events.slice(redone), alerts);
    } else {
      this.engine.process(events, alerts);
    }
    if (offsets.length > 0) this.position = Math.max(this.position, offsets[offsets.length - 1] + 1);
    this.lag = Math.max(0, batch.highWatermark - this.position);
    return { alerts, rejected };
  }

  /**
   * Live hosts quiet for idleMs of wall clock: their watermark moves on by the wall-clock time
   * since their last event, so pending deadlines (child smss exits) can fire without new events.
   * Only while the partition is caught up: behind, the host's events may simply be queued.
   */
  advanceIdle(nowMs: number, idleMs: number): Alert[] {
    const alerts: Alert[] = [];
    if (idleMs <= 0 || this.lag > 0) return alerts;
    for (const h of this.engine.index.hosts.values()) {
      if (h.timers.size === 0) continue;
      const quietMs = nowMs - (this.lastActivity.get(h.key) ?? nowMs);
      if (quietMs < idleMs || h.maxTime + quietMs <= h.watermark) continue;
      const timersBefore = h.timers.size;
      this.engine.advanceHost(h, h.maxTime + quietMs, alerts);
      // Worth a snapshot only when a timer fired; a moved watermark alone is redone after a restore.
      if (h.timers.size !== timersBefore) this.wanted.add(h.key);
    }
    return alerts;
  }

  get hasDirtyHosts(): boolean {
    return this.dirty.size > 0 || this.wanted.size > 0;
  }

  /**
   * Offset the group may commit: every message before it is in a snapshot (its host's oldest
   * unsnapshotted change is not before it). -1 before the first batch: until then the committed
   * offset is where this task started, and restored hosts carry their own covered offsets.
   */
  get committableOffset(): number {
    if (this.position < 0) return -1;
    for (const first of this.dirty.values()) return Math.min(first, this.position);
    return this.position;
  }

  /**
   * Snapshots, covering every message before the current position, of the hosts changed by the
   * idle timeout and of `share` of the changed hosts, oldest change first (1: all of them).
   * Called every commit with commit/snapshot interval, it spreads a snapshot of every changed
   * host over the snapshot interval instead of stalling one commit with all of them.
   */
  takeSnapshots(share = 1): StateRecord[] {
    const out: StateRecord[] = [];
    this.credit += this.dirty.size * share;
    let n = share >= 1 ? this.dirty.size : Math.floor(this.credit);
    this.credit -= n;
    const take = (key: string): void => {
      const h: HostState | undefined = this.engine.index.hosts.get(key);
      // A host with no message yet (restored, changed by the idle timeout) still covers what its restore did.
      const offset = this.position >= 0 ? this.position : (this.covered.get(key) ?? 0);
      if (h !== undefined) out.push({ topic: this.topic, partition: this.partition, offset, host: snapshotHost(h) });
    };
    for (const key of this.wanted) {
      take(key);
      if (this.dirty.delete(key)) n--;
    }
    this.wanted.clear();
    for (const key of this.dirty.keys()) {
      if (n-- <= 0) break;
      take(key);
      this.dirty.delete(key);
    }
    if (this.dirty.size === 0) this.credit = 0;
    return out;
  }

  get liveProcesses(): number {
    return this.engine.index.liveProcesses;
  }

  get hostCount(): number {
    return this.engine.index.hosts.size;
  }
}
