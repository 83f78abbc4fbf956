import { describe, expect, it } from 'vitest';
import { DecodeCounters } from '../decode/counters.js';
import type { RunStats } from '../engine/run-stats.js';
import { mergeStats } from './merge-stats.js';

function part(k: number, rules: Record<string, number>): RunStats {
  return {
    files: 0,
    bytes: 0,
    seconds: 0,
    events: 10 * k,
    eventsPerSecond: 0,
    megabytesPerSecond: 0,
    eventsByEventId: k === 1 ? { '13': 2, '1': 8 } : { '1': 20 },
    skipped: { otherEventIds: k, notSysmon: 2 * k },
    decodeErrors: { total: k, byReason: { 'truncated-event': k } },
    alerts: { total: k, byRule: rules },
    hosts: 3 * k,
    hostsWithoutExits: k,
    hostsLearned: 3 * k,
    unjudgedDeadlines: 4 * k,
    notJudged: [],
    lateEvents: 5 * k,
    liveProcesses: 6 * k,
    decoder: { fastPath: 7 * k, fallback: k },
  };
}

describe('mergeStats', () => {
  it('adds up every counter of the workers and the reader framing errors, with the run figures of the whole run', () => {
    const framing = new DecodeCounters();
    framing.countError('garbage-between-events');
    const s = mergeStats([part(1, { 'b.rule': 1, 'a.rule': 0 }), part(2, { 'b.rule': 0, 'a.rule': 2 })], 4, 1e6, 2, framing);
    expect(s).toEqual({
      files: 4,
      bytes: 1e6,
      seconds: 2,
      events: 30,
      eventsPerSecond: 15,
      megabytesPerSecond: 0.5,
      eventsByEventId: { '1': 28, '13': 2 },
      skipped: { otherEventIds: 3, notSysmon: 6 },
      decodeErrors: { total: 4, byReason: { 'garbage-between-events': 1, 'truncated-event': 3 } },
      alerts: { total: 3, byRule: { 'b.rule': 1, 'a.rule': 2 } },
      hosts: 9,
      hostsWithoutExits: 3,
      hostsLearned: 9,
      unjudgedDeadlines: 12,
      notJudged: [],
      lateEvents: 15,
      liveProcesses: 18,
      decoder: { fastPath: 21, fallback: 3 },
    });
    // Keys in the order of one thread's summary (what --stats writes).
    expect(Object.keys(s)).toEqual(Object.keys(part(1, {})));
    expect(Object.keys(s.eventsByEventId)).toEqual(['1', '13']);
    expect(Object.keys(s.alerts.byRule)).toEqual(['b.rule', 'a.rule']);
  });

  it('sums a counter it does not name', () => {
    const a = { ...part(1, {}), decoder: { fastPath: 1, fallback: 0, newCounter: 2 } } as RunStats;
    const b = { ...part(2, {}), decoder: { fastPath: 1, fallback: 0, newCounter: 5 } } as RunStats;
    expect((mergeStats([a, b], 1, 1, 1, new DecodeCounters()).decoder as Record<string, number>).newCounter).toBe(7);
  });
});
