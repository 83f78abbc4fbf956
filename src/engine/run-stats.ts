// The end-of-run summary: what --stats writes as JSON and what the CLI prints on stderr.

import type { DecodeCounters } from '../decode/counters.js';
import type { Engine } from './engine.js';
import { formatNotJudged, notJudged, type NotJudged } from './not-judged.js';

export interface RunStats {
  files: number;
  bytes: number;
  seconds: number;
  events: number;
  eventsPerSecond: number;
  megabytesPerSecond: number;
  eventsByEventId: Record<string, number>;
  skipped: { otherEventIds: number; notSysmon: number };
  decodeErrors: { total: number; byReason: Record<string, number> };
  alerts: { total: number; byRule: Record<string, number> };
  hosts: number;
  /** Hosts that sent no EventID 5 at all. */
  hostsWithoutExits: number;
  /** Hosts no configured Sysmon configuration names: judged by what they have shown they log. */
  hostsLearned: number;
  /** Child smss exit deadlines that could not be judged (their exits are not logged), and nothing proved since. */
  unjudgedDeadlines: number;
  /** Per rule, what it could not judge and why: its silence there is no verdict. */
  notJudged: NotJudged[];
  lateEvents: number;
  liveProcesses: number;
  decoder: { fastPath: number; fallback: number };
}

/** The run's size and rates, rounded as the summary shows them. */
export function runFigures(files: number, bytes: number, seconds: number, events: number): Pick<RunStats, 'files' | 'bytes' | 'seconds' | 'events' | 'eventsPerSecond' | 'megabytesPerSecond'> {
  const secs = Math.max(seconds, 1e-6);
  return {
    files,
    bytes,
    seconds: Math.round(seconds * 1000) / 1000,
    events,
    eventsPerSecond: Math.round(events / secs),
    megabytesPerSecond: Math.round((bytes / 1e6 / secs) * 10) / 10,
  };
}

export function collectStats(engine: Engine, counters: DecodeCounters, files: number, bytes: number, seconds: number): RunStats {
  let hostsWithoutExits = 0;
  let hostsLearned = 0;
  let unjudged = 0;
  let late = 0;
  for (const h of engine.index.hosts.values()) {
    if (!h.exitsArmed) hostsWithoutExits++;
    if (h.sysmon === null) hostsLearned++;
    unjudged += h.unjudged;
    late += h.lateEvents;
  }
  return {
    ...runFigures(files, bytes, seconds, counters.sysmonEvents),
    eventsByEventId: counters.eventsByEventId(),
    skipped: { otherEventIds: counters.skippedOtherIds, notSysmon: counters.notSysmon },
    decodeErrors: { total: counters.errorCount, byReason: counters.errorsByReason() },
    alerts: {
      total: engine.alertCount,
      byRule: Object.fromEntries(engine.rules.flatMap((r) => r.alertIds ?? [r.id]).map((id) => [id, engine.alertsByRule.get(id) ?? 0])),
    },
    hosts: engine.index.hosts.size,
    hostsWithoutExits,
    hostsLearned,
    unjudgedDeadlines: unjudged,
    notJudged: notJudged(engine.rules, engine.index.hosts.values()),
    lateEvents: late,
    liveProcesses: engine.index.liveProcesses,
    decoder: { fastPath: counters.fastPath, fallback: counters.fallbackPath },
  };
}

/** Human-readable summary for stderr. */
export function formatSummary(s: RunStats): string {
  const lines: string[] = [];
  const ids = Object.entries(s.eventsByEventId).map(([id, n]) => `${id}:${n}`).join(' ');
  lines.push(`sysmon-proctree: ${s.events} Sysmon events from ${s.files} file(s), ${(s.bytes / 1e6).toFixed(1)} MB in ${s.seconds.toFixed(2)} s (${s.eventsPerSecond} events/s)`);
  lines.push(`  events by EventID: ${ids || 'none'}`);
  lines.push(`  skipped: ${s.skipped.otherEventIds} Sysmon events no rule reads, ${s.skipped.notSysmon} non-Sysmon events`);
  const reasons = Object.entries(s.decodeErrors.byReason).map(([r, n]) => `${r}:${n}`).join(' ');
  lines.push(`  decode errors: ${s.decodeErrors.total}${reasons ? ` (${reasons})` : ''}`);
  // Rules that raised nothing are left out of the line (--stats keeps every rule's count).
  const rules = Object.entries(s.alerts.byRule).filter(([, n]) => n > 0).map(([r, n]) => `${r}:${n}`).join(' ');
  lines.push(`  alerts: ${s.alerts.total}${rules === '' ? '' : ` (${rules})`} from ${Object.keys(s.alerts.byRule).length} rules`);
  lines.push(`  hosts: ${s.hosts}, live processes at end: ${s.liveProcesses}, late events: ${s.lateEvents}`);
  if (s.notJudged.length > 0) {
    lines.push('  not judged (a rule is silent there because it cannot see, not because all is well):');
    for (const n of s.notJudged) lines.push(`    ${formatNotJudged(n)}`);
  }
  return lines.join('\n');
}
