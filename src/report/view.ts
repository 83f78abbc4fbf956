// Pure helpers of the report viewer (filtering, the alert timeline's bins, time axes and
// formatting), kept apart from the DOM code so that Node tests can check them.

import type { Alert, Severity } from '../alerts/alert.js';
import { msOf } from './model.js';

export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

/** '' means any. */
export interface AlertFilter {
  host: string;
  rule: string;
  severity: string;
  text: string;
}

export const NO_FILTER: AlertFilter = { host: '', rule: '', severity: '', text: '' };

const haystacks = new WeakMap<Alert, string>();

function haystack(a: Alert): string {
  let s = haystacks.get(a);
  if (s === undefined) {
    s = [a.id, a.rule, a.title, a.host, a.process.image, a.process.commandLine, a.process.user, a.parent?.image ?? '', ...a.attack].join('\n').toLowerCase();
    haystacks.set(a, s);
  }
  return s;
}

export function matchesFilter(a: Alert, f: AlertFilter): boolean {
  if (f.host !== '' && a.host.toLowerCase() !== f.host.toLowerCase()) return false;
  if (f.rule !== '' && a.rule !== f.rule) return false;
  if (f.severity !== '' && a.severity !== f.severity) return false;
  if (f.text !== '' && !haystack(a).includes(f.text.toLowerCase())) return false;
  return true;
}

export interface TimelineBin {
  from: number;
  to: number;
  bySeverity: Record<Severity, number>;
  total: number;
}

/**
 * `bins` equal slices of [from, to] counting `alerts` by severity. The range comes from all
 * alerts, so the axis stays put while the filters change what is counted.
 */
export function timelineBins(alerts: readonly Alert[], from: number, to: number, bins: number): TimelineBin[] {
  const width = Math.max(to - from, 1) / bins;
  const out: TimelineBin[] = [];
  for (let i = 0; i < bins; i++) out.push({ from: from + i * width, to: from + (i + 1) * width, bySeverity: { critical: 0, high: 0, medium: 0, low: 0 }, total: 0 });
  for (const a of alerts) {
    const t = msOf(a.time);
    if (t === null) continue;
    const i = Math.min(bins - 1, Math.max(0, Math.floor((t - from) / width)));
    const b = out[i];
    if (b.bySeverity[a.severity] === undefined) continue;
    b.bySeverity[a.severity]++;
    b.total++;
  }
  return out;
}

/** Earliest and latest alert time; null without any. */
export function timeRange(alerts: readonly Alert[]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of alerts) {
    const t = msOf(a.time);
    if (t === null) continue;
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  return Number.isFinite(lo) ? [lo, hi] : null;
}

const STEPS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1800e3, 3600e3, 7200e3, 21600e3, 43200e3, 86400e3];

/** Tick positions (ms from the axis start) for a span, at most about `maxTicks` of them. */
export function axisTicks(spanMs: number, maxTicks = 8): number[] {
  let step = STEPS_MS[STEPS_MS.length - 1];
  for (const s of STEPS_MS) {
    if (spanMs / s <= maxTicks) {
      step = s;
      break;
    }
  }
  while (spanMs / step > maxTicks) step *= 2;
  const out: number[] = [];
  for (let t = 0; t <= spanMs + 1e-9; t += step) out.push(t);
  return out;
}

/** '+1.5 s', '+2 min', '+3 h': offsets on a chain's time axis. */
export function formatOffset(ms: number): string {
  if (ms === 0) return '0';
  if (ms < 1000) return `+${Math.round(ms)} ms`;
  if (ms < 60e3) return `+${trim(ms / 1e3)} s`;
  if (ms < 3600e3) return `+${trim(ms / 60e3)} min`;
  if (ms < 86400e3) return `+${trim(ms / 3600e3)} h`;
  return `+${trim(ms / 86400e3)} d`;
}

/** A duration in words: '65 ms', '1.2 s', '4 min'. */
export function formatDuration(ms: number): string {
  return ms === 0 ? '0 ms' : formatOffset(ms).replace(/^\+/, '');
}

function trim(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/** Event time as '2024-03-04 07:02:03.000Z'; '—' when unknown. */
export function formatTime(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  return new Date(ms).toISOString().replace('T', ' ');
}

const ATTACK_ID = /^T\d{4}(?:\.\d{3})?$/;

/** MITRE ATT&CK page of a technique id; null for anything that is not one. */
export function attackUrl(id: string): string | null {
  if (!ATTACK_ID.test(id)) return null;
  return `https://attack.mitre.org/techniques/${id.replace('.', '/')}/`;
}
