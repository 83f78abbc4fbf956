// The end-of-run summary: what --stats writes as JSON and what the CLI prints on stderr.

import type { DecodeCounters } from '../decode/counters.js';
import type { Engine } from './engine.js';

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
  /** Hosts that sent no EventID 5: exit-based rules could not judge them. */
  hostsWithoutExits: number;
  unjudgedDeadlines: number;
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
  let unjudged = 0;
  let late = 0;
  for (const h of engine.index.hosts.values()) {
    if (!h.exitsArmed) hostsWithoutExits++;
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
      byRule: Object.fromEntries(engine.rules.map((r) => [r.id, engine.alertsByRule.get(r.id) ?? 0])),
    },
    hosts: engine.index.hosts.size,
    hostsWithoutExits,
    unjudgedDeadlines: unjudged,
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
  const rules = Object.entries(s.alerts.byRule).map(([r, n]) => `${r}:${n}`).join(' ');
  lines.push(`  alerts: ${s.alerts.total} (${rules})`);
  lines.push(`  hosts: ${s.hosts}, live processes at end: ${s.liveProcesses}, late events: ${s.lateEvents}`);
  if (s.hostsWithoutExits > 0) {
    lines.push(`  ${s.hostsWithoutExits} host(s) sent no EventID 5: smss.child-no-exit could not judge them (${s.unjudgedDeadlines} deadline(s) unjudged)`);
  }
  return lines.join('\n');
}
