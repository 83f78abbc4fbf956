// The data an HTML report embeds: what the collector gathered during a run, as plain JSON. Shared
// by the Node side (collector, writer) and the browser bundle, so it imports nothing but types.

import type { Alert, Severity } from '../alerts/alert.js';
import type { ProcessFacts } from '../index/process-facts.js';

/** Bumped when the embedded JSON changes shape. */
export const REPORT_FORMAT = 1;

/** A process the collector recorded (session-start chain, or near an alert). */
export interface ProcRecord extends ProcessFacts {
  parentGuid: string;
  parentPid: number | null;
  parentImage: string;
}

export interface HostSection {
  name: string;
  /** Events of this host that reached the rules (EventIDs 1, 5, 12, 13, 14). */
  events: number;
  firstTime: number | null;
  lastTime: number | null;
  /** The host sent at least one EventID 5, so missing exits mean something. */
  sentExits: boolean;
  alerts: number;
  procs: ProcRecord[];
  /** Records dropped by the collector's per-host cap (oldest first). */
  procsDropped: number;
}

/** One line of "what could not be judged and why". */
export interface UnjudgedItem {
  what: string;
  why: string;
  count: number;
  /** Hosts concerned, where the collector knows them (capped). */
  hosts?: string[];
}

export interface RunSection {
  /** Sysmon events by EventID: from the run stats when given (every EventID), else what reached the rules. */
  eventsByEventId: Record<string, number>;
  events: number;
  files: number | null;
  bytes: number | null;
  seconds: number | null;
  decodeErrors: { total: number; byReason: Record<string, number> } | null;
  alertsByRule: Record<string, number>;
  alertsBySeverity: Partial<Record<Severity, number>>;
  alertsByHost: Record<string, number>;
  alertsTotal: number;
  /** null: no run statistics were given, so nothing can be said. */
  unjudged: UnjudgedItem[] | null;
}

export interface ReportData {
  format: typeof REPORT_FORMAT;
  title: string;
  /** Wall clock when the report was written (the only field that differs between runs). */
  generatedAt: string;
  inputs: string[];
  run: RunSection;
  hosts: HostSection[];
  /** In event-time order; at most the collector's maxAlerts. */
  alerts: Alert[];
  /** Alerts raised but left out of `alerts` by the cap. */
  alertsDropped: number;
}

/** Session-start chain images (lower case). */
export const CHAIN_IMAGES: ReadonlySet<string> = new Set(['smss.exe', 'csrss.exe', 'wininit.exe', 'winlogon.exe', 'autochk.exe']);

/** Lower-cased file name of a Windows path ('C:\\Windows\\System32\\smss.exe' -> 'smss.exe'). */
export function baseName(image: string): string {
  const cut = Math.max(image.lastIndexOf('\\'), image.lastIndexOf('/'));
  return image.slice(cut + 1).toLowerCase();
}

/** ISO time or null, for ms values that may be missing. */
export function msOf(iso: string | null | undefined): number | null {
  if (iso === null || iso === undefined || iso === '') return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
}
