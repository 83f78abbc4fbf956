// The run summary of a host-sharded replay: every worker's figures added up (each worker counts
// only the events it decoded, so nothing is counted twice). Every number of RunStats is summed by
// one walk over the parts, so a counter added to RunStats is merged without a line here; only the
// figures that are not sums are named: the run's size and rates, key order, and notJudged.

import type { DecodeCounters } from '../decode/counters.js';
import { runFigures, type RunStats } from '../engine/run-stats.js';
import { mergeNotJudged } from '../engine/not-judged.js';

interface Counts {
  [key: string]: number | Counts | unknown;
}

/** Adds every number of `from` into `into`, into nested objects too; anything else keeps its first value. */
function addCounts(into: Counts, from: Counts): void {
  for (const [k, v] of Object.entries(from)) {
    if (!(k in into) && (typeof v !== 'object' || v === null || Array.isArray(v))) {
      into[k] = v;
    } else if (typeof v === 'number') {
      into[k] = (typeof into[k] === 'number' ? (into[k] as number) : 0) + v;
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const sub = into[k];
      const target: Counts = sub !== null && typeof sub === 'object' && !Array.isArray(sub) ? (sub as Counts) : {};
      into[k] = target;
      addCounts(target, v as Counts);
    }
  }
}

function sorted(r: Record<string, number>, numeric: boolean): Record<string, number> {
  const keys = Object.keys(r).sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => a.localeCompare(b));
  return Object.fromEntries(keys.map((k) => [k, r[k]]));
}

/** `framing`: the errors the main thread's reader found between events. */
export function mergeStats(parts: readonly RunStats[], files: number, bytes: number, seconds: number, framing: DecodeCounters): RunStats {
  const sum: Counts = {};
  for (const p of parts) addCounts(sum, p as unknown as Counts);
  addCounts(sum, { decodeErrors: { total: framing.errorCount, byReason: framing.errorsByReason() } });
  const s = sum as unknown as RunStats;
  // Rules in the order the engine lists them, as one thread's summary has them.
  const rules = parts.length > 0 ? Object.keys(parts[0].alerts.byRule) : [];
  return {
    ...s,
    ...runFigures(files, bytes, seconds, s.events ?? 0),
    eventsByEventId: sorted(s.eventsByEventId ?? {}, true),
    decodeErrors: { total: s.decodeErrors.total, byReason: sorted(s.decodeErrors.byReason, false) },
    alerts: { total: s.alerts?.total ?? 0, byRule: Object.fromEntries(rules.map((k) => [k, s.alerts.byRule[k] ?? 0])) },
    // "n of N hosts had nothing to judge": N counts every part's learned hosts, also a part's that all had something.
    notJudged: mergeNotJudged(parts.map((p) => p.notJudged), rules).map((n) => (n.outOf === undefined ? n : { ...n, outOf: s.hostsLearned })),
  };
}
