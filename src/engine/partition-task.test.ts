// A restarted partition redoes the messages between its last snapshot and how far its results
// were published: their state comes back, their alerts and dead letters are not published twice.

import { describe, expect, it } from 'vitest';
import { parsePipeline } from '../pipeline/config.js';
import { anomalyScenario, sysmonXml } from '../../test/helpers/scenario.js';
import { BatchDecoder } from '../decode/batch-decoder.js';
import { DecodeCounters } from '../decode/counters.js';
import type { PartitionBatch } from './partition-task.js';
import { PartitionTask, type StateRecord } from './partition-task.js';

/** A message of the partition: its offset and value. */
interface InMessage {
  offset: number;
  value: Buffer;
}

const config = parsePipeline({});

/** The scenario's hosts one after another in one partition, with an undecodable message every 25. */
function partitionMessages(): InMessage[] {
  const { byHost } = anomalyScenario({ pendingChildDeadline: true });
  const values: string[] = [];
  for (const events of byHost.values()) {
    for (const e of events) {
      if (values.length % 25 === 0) values.push('<Event><System>not sysmon');
      values.push(sysmonXml(e));
    }
  }
  return values.map((v, offset) => ({ offset, value: Buffer.from(v) }));
}

/** The decode stage's output for each batch of `size` messages, as the stream pipeline hands it over. */
function batches(messages: InMessage[], size: number): PartitionBatch[] {
  const decoder = new BatchDecoder(new DecodeCounters());
  const out: PartitionBatch[] = [];
  for (let i = 0; i < messages.length; i += size) {
    const slice = messages.slice(i, i + size);
    out.push({
      offsets: slice.map((m) => m.offset),
      decoded: decoder.decode({ kind: 'values', values: slice.map((m) => m.value) }),
      highWatermark: messages.length,
    });
  }
  return out;
}

/** Alert ids and dead-letter offsets of running `messages` through `task` in batches of `size`. */
function run(task: PartitionTask, messages: InMessage[], size: number): { alerts: string[]; rejected: number[] } {
  const alerts: string[] = [];
  const rejected: number[] = [];
  for (const b of batches(messages, size)) {
    const r = task.process(b, 0);
    alerts.push(...r.alerts.map((a) => a.id));
    rejected.push(...r.rejected.map((x) => b.offsets[x.record]));
  }
  return { alerts, rejected };
}

describe('PartitionTask restart', () => {
  const messages = partitionMessages();
  const whole = run(new PartitionTask('in', 0, config), messages, 7);

  it('has a scenario that alerts and rejects on both sides of the cuts used below', () => {
    expect(whole.alerts.length).toBe(7); // the pending child deadline needs the idle timeout
    expect(whole.rejected.length).toBeGreaterThanOrEqual(4);
  });

  for (const [snapAt, emittedAt] of [
    [0, 0.6], // crashed before any snapshot: everything is redone from the start
    [0.3, 0.6], // a snapshot, then alerts published past it
    [0.5, 0.5], // the snapshot covers everything published
  ] as const) {
    it(`publishes each alert and dead letter once (snapshot at ${snapAt}, published up to ${emittedAt})`, () => {
      const s = Math.floor(messages.length * snapAt);
      const e = Math.floor(messages.length * emittedAt);
      // First life: runs up to e; its snapshot is taken at s.
      const first = new PartitionTask('in', 0, config);
      const before = run(first, messages.slice(0, s), 5);
      const snapshots = s > 0 ? first.takeSnapshots() : [];
      const published = run(first, messages.slice(s, e), 5);

      // Second life: restores the snapshot, reads again from s (the committed offset), publishes the rest.
      const second = new PartitionTask('in', 0, config);
      second.restore(snapshots, e, 0);
      const after = run(second, messages.slice(s), 11);

      expect([...before.alerts, ...published.alerts, ...after.alerts]).toEqual(whole.alerts);
      expect([...before.rejected, ...published.rejected, ...after.rejected]).toEqual(whole.rejected);
      expect(after.rejected.every((o) => o >= e)).toBe(true);
    });
  }

  it('commits only offsets that spread snapshots cover, and a restart from there publishes each alert once', () => {
    const e = Math.floor(messages.length * 0.7);
    const first = new PartitionTask('in', 0, config);
    const state = new Map<string, StateRecord>(); // the compacted state topic
    let committed = -1;
    const published: string[] = [];
    for (const b of batches(messages.slice(0, e), 6)) {
      published.push(...first.process(b, 0).alerts.map((a) => a.id));
      // A commit: a third of the changed hosts are snapshotted, the offset moves to what they cover.
      for (const r of first.takeSnapshots(0.3)) state.set(r.host.key, r);
      expect(first.committableOffset).toBeGreaterThanOrEqual(committed);
      committed = first.committableOffset;
    }
    expect(committed).toBeGreaterThan(0);
    expect(committed).toBeLessThan(e); // some hosts still wait for their snapshot

    const second = new PartitionTask('in', 0, config);
    second.restore(state.values(), e, 0);
    const after = run(second, messages.slice(committed), 9);
    expect([...published, ...after.alerts]).toEqual(whole.alerts);
  });
});
