// The run summary of a host-sharded replay: every worker's figures added up (each worker counts
// only the events it decoded, so nothing is counted twice).

import type { DecodeCounters } from '../decode/counters.js';
import { runFigures, type RunStats } from '../engine/run-stats.js';
import { mergeNotJudged } from '../engine/not-judged.js';

function addInto(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

function sorted(r: Record<string, number>, numeric: boolean): Record<string, number> {
  const keys = Object.keys(r).sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => a.localeCompare(b));
  return Object.fromEntries(keys.map((k) => [k, r[k]]));
}

/** `framing`: the errors the main thread's reader found between events. */
export function mergeStats(parts: readonly RunStats[], files: number, bytes: number, seconds: number, framing: DecodeCounters): RunStats {
  const byId: Record<string, number> = {};
  const byReason: Record<string, number> = framing.errorsByReason();
  const byRule: Record<string, number> = {};
  let events = 0;
  const s = { otherEventIds: 0, notSysmon: 0 };
  let errors = framing.errorCount;
  let alerts = 0;
  let hosts = 0;
  let hostsWithoutExits = 0;
  let hostsLearned = 0;
  let unjudged = 0;
  let late = 0;
  let live = 0;
  let fast = 0;
  let fallback = 0;
  for (const p of parts) {
    events += p.events;
    addInto(byId, p.eventsByEventId);
    addInto(byReason, p.decodeErrors.byReason);
    addInto(byRule, p.alerts.byRule);
    s.otherEventIds += p.skipped.otherEventIds;
    s.notSysmon += p.skipped.notSysmon;
    errors += p.decodeErrors.total;
    alerts += p.alerts.total;
    hosts += p.hosts;
    hostsWithoutExits += p.hostsWithoutExits;
    hostsLearned += p.hostsLearned;
    unjudged += p.unjudgedDeadlines;
    late += p.lateEvents;
    live += p.liveProcesses;
    fast += p.decoder.fastPath;
    fallback += p.decoder.fallback;
  }
  return {
    ...runFigures(files, bytes, seconds, events),
    eventsByEventId: sorted(byId, true),
    skipped: s,
    decodeErrors: { total: errors, byReason: sorted(byReason, false) },
    alerts: { total: alerts, byRule: parts.length > 0 ? Object.fromEntries(Object.keys(parts[0].alerts.byRule).map((k) => [k, byRule[k] ?? 0])) : {} },
    hosts,
    hostsWithoutExits,
    unjudgedDeadlines: unjudged,
    hostsLearned,
    // "n of N hosts had nothing to judge": N counts every part's learned hosts, also a part's that all had something.
    notJudged: mergeNotJudged(parts.map((p) => p.notJudged), parts.length > 0 ? Object.keys(parts[0].alerts.byRule) : []).map((n) => (n.outOf === undefined ? n : { ...n, outOf: hostsLearned })),
    lateEvents: late,
    liveProcesses: live,
    decoder: { fastPath: fast, fallback },
  };
}
