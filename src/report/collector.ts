// Gathers what an HTML report shows while a replay runs, through the replay's onBatch hook: the
// alerts, counts per host, and the processes of each host's session-start chain (smss, csrss,
// wininit, winlogon, autochk, their parents and children) plus those created under an alert's
// subject or parent after the alert. Never every event: memory is bounded by the caps below.
// A plain class: tests drive it with hand-made events, no browser and no files.

import type { Alert, Severity } from '../alerts/alert.js';
import type { SysmonEvent } from '../decode/event.js';
import { ownString } from '../decode/intern.js';
import type { RunStats } from '../engine/run-stats.js';
import { describeNotJudged } from '../engine/not-judged.js';
import { CHAIN_IMAGES, REPORT_FORMAT, baseName, msOf, type HostSection, type ProcRecord, type ReportData, type RunSection, type UnjudgedItem } from './model.js';

export interface CollectorOptions {
  /** Alerts kept for the report; later ones are only counted (default 20,000). */
  maxAlerts?: number;
  /** Process records kept per host; the oldest go first (default 5,000). */
  maxProcsPerHost?: number;
}

export interface FinishOptions {
  /** The replay's end-of-run statistics: decode errors, every EventID, what could not be judged. */
  stats?: RunStats;
  inputs?: readonly string[];
  title?: string;
  /** Wall clock of the report (tests pass a fixed one). */
  now?: Date;
}

const HOSTS_LISTED = 50;
const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

class HostRecord {
  events = 0;
  firstTime = Infinity;
  lastTime = -Infinity;
  sentExits = false;
  alerts = 0;
  readonly procs = new Map<string, ProcRecord>();
  procsDropped = 0;
  /** Subjects and parents of this host's alerts: processes they start later are recorded too. */
  readonly watched = new Set<string>();

  constructor(readonly name: string) {}
}

function isChainImage(image: string): boolean {
  return image !== '' && CHAIN_IMAGES.has(baseName(image));
}

function isSystemParent(ev: SysmonEvent): boolean {
  return ev.parentProcessId === 4 || ev.parentImage.toLowerCase() === 'system';
}

export class ReportCollector {
  private readonly hosts = new Map<string, HostRecord>();
  private readonly alerts: Alert[] = [];
  private alertsDropped = 0;
  private alertsTotal = 0;
  private readonly byRule = new Map<string, number>();
  private readonly bySeverity = new Map<Severity, number>();
  private readonly byEventId = new Map<number, number>();
  private events = 0;
  private readonly maxAlerts: number;
  private readonly maxProcs: number;

  constructor(opts: CollectorOptions = {}) {
    this.maxAlerts = opts.maxAlerts ?? 20_000;
    this.maxProcs = opts.maxProcsPerHost ?? 5_000;
  }

  /** The replay hook: a batch's events after the engine ran, and the alerts they raised. */
  onBatch(events: readonly SysmonEvent[], alerts: readonly Alert[]): void {
    // Alerts first: what their subjects and parents start in this very batch is then kept too.
    for (const a of alerts) this.addAlert(a);
    for (let i = 0; i < events.length; i++) this.addEvent(events[i]);
  }

  private host(key: string, name: string): HostRecord {
    let h = this.hosts.get(key);
    if (h === undefined) {
      h = new HostRecord(ownString(name));
      this.hosts.set(key, h);
    }
    return h;
  }

  addAlert(a: Alert): void {
    this.alertsTotal++;
    this.byRule.set(a.rule, (this.byRule.get(a.rule) ?? 0) + 1);
    this.bySeverity.set(a.severity, (this.bySeverity.get(a.severity) ?? 0) + 1);
    const h = this.host(a.host.toLowerCase(), a.host);
    h.alerts++;
    if (a.process.guid !== '') h.watched.add(a.process.guid);
    if (a.parent !== null && a.parent.guid !== '') h.watched.add(a.parent.guid);
    if (this.alerts.length < this.maxAlerts) this.alerts.push(a);
    else this.alertsDropped++;
  }

  addEvent(ev: SysmonEvent): void {
    this.events++;
    this.byEventId.set(ev.eventId, (this.byEventId.get(ev.eventId) ?? 0) + 1);
    const h = this.host(ev.hostKey, ev.host);
    h.events++;
    if (ev.time < h.firstTime) h.firstTime = ev.time;
    if (ev.time > h.lastTime) h.lastTime = ev.time;
    if (ev.eventId === 1) this.creation(h, ev);
    else if (ev.eventId === 5) this.exit(h, ev);
  }

  private creation(h: HostRecord, ev: SysmonEvent): void {
    if (ev.processGuid === '') return;
    const chain = isChainImage(ev.image);
    const parentChain = isChainImage(ev.parentImage);
    // Not the descendants of everything kept: under winlogon that would be every process.
    const keep = chain || parentChain || isSystemParent(ev) || h.watched.has(ev.parentProcessGuid);
    if (!keep) return;
    let rec = h.procs.get(ev.processGuid);
    if (rec === undefined) {
      rec = blank(ownString(ev.processGuid));
      this.put(h, rec);
    } else if (!rec.placeholder) {
      return; // a duplicated creation
    }
    rec.placeholder = false;
    rec.pid = ev.processId >= 0 ? ev.processId : null;
    rec.image = ownString(ev.image);
    rec.commandLine = ownString(ev.commandLine);
    rec.user = ownString(ev.user);
    rec.sessionId = ev.terminalSessionId >= 0 ? ev.terminalSessionId : null;
    rec.start = ev.time;
    rec.parentGuid = ownString(ev.parentProcessGuid);
    rec.parentPid = ev.parentProcessId >= 0 ? ev.parentProcessId : null;
    rec.parentImage = ownString(ev.parentImage);
    // The parent of a chain process belongs to the chain (System, a master smss whose own
    // creation was not logged): keep what the child says about it.
    if ((chain || isSystemParent(ev)) && ev.parentProcessGuid !== '' && !h.procs.has(ev.parentProcessGuid)) {
      const p = blank(rec.parentGuid);
      p.pid = rec.parentPid;
      p.image = rec.parentImage;
      p.commandLine = ownString(ev.parentCommandLine);
      p.user = ownString(ev.parentUser);
      this.put(h, p);
    }
  }

  private exit(h: HostRecord, ev: SysmonEvent): void {
    h.sentExits = true;
    if (ev.processGuid === '') return;
    let rec = h.procs.get(ev.processGuid);
    if (rec === undefined) {
      if (!isChainImage(ev.image)) return;
      // The exit of a chain process whose creation was not logged.
      rec = blank(ownString(ev.processGuid));
      rec.pid = ev.processId >= 0 ? ev.processId : null;
      rec.image = ownString(ev.image);
      rec.user = ownString(ev.user);
      this.put(h, rec);
    }
    if (rec.end === null) rec.end = ev.time;
  }

  private put(h: HostRecord, rec: ProcRecord): void {
    h.procs.set(rec.guid, rec);
    if (h.procs.size > this.maxProcs) {
      const oldest = h.procs.keys().next().value as string;
      h.procs.delete(oldest);
      h.procsDropped++;
    }
  }

  /** Everything the report embeds. The collector can go on collecting afterwards. */
  finish(opts: FinishOptions = {}): ReportData {
    const stats = opts.stats;
    const hosts: HostSection[] = [...this.hosts.values()]
      .map((h) => ({
        name: h.name,
        events: h.events,
        firstTime: Number.isFinite(h.firstTime) ? h.firstTime : null,
        lastTime: Number.isFinite(h.lastTime) ? h.lastTime : null,
        sentExits: h.sentExits,
        alerts: h.alerts,
        procs: [...h.procs.values()].map((p) => ({ ...p })),
        procsDropped: h.procsDropped,
      }))
      .sort((a, b) => b.alerts - a.alerts || a.name.localeCompare(b.name));
    const alerts = [...this.alerts].sort(
      (a, b) => (msOf(a.time) ?? 0) - (msOf(b.time) ?? 0) || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.id.localeCompare(b.id),
    );
    const alertsByHost: Record<string, number> = {};
    for (const h of hosts) if (h.alerts > 0) alertsByHost[h.name] = h.alerts;
    const byRule: Record<string, number> = { ...(stats?.alerts.byRule ?? {}) };
    for (const [rule, n] of this.byRule) byRule[rule] = n;
    const bySeverity: RunSection['alertsBySeverity'] = {};
    for (const s of Object.keys(SEVERITY_ORDER) as Severity[]) if (this.bySeverity.has(s)) bySeverity[s] = this.bySeverity.get(s);
    const run: RunSection = {
      eventsByEventId: stats?.eventsByEventId ?? Object.fromEntries([...this.byEventId].sort((a, b) => a[0] - b[0]).map(([id, n]) => [String(id), n])),
      events: stats?.events ?? this.events,
      files: stats?.files ?? null,
      bytes: stats?.bytes ?? null,
      seconds: stats?.seconds ?? null,
      decodeErrors: stats === undefined ? null : stats.decodeErrors,
      alertsByRule: byRule,
      alertsBySeverity: bySeverity,
      alertsByHost,
      alertsTotal: this.alertsTotal,
      unjudged: stats === undefined ? null : this.unjudged(stats),
    };
    return {
      format: REPORT_FORMAT,
      title: opts.title ?? 'sysmon-proctree report',
      generatedAt: (opts.now ?? new Date()).toISOString(),
      inputs: [...(opts.inputs ?? [])],
      run,
      hosts,
      alerts,
      alertsDropped: this.alertsDropped,
    };
  }

  /** "What could not be judged and why", from the run statistics and the hosts the collector saw. */
  private unjudged(s: RunStats): UnjudgedItem[] {
    const items: UnjudgedItem[] = [];
    // Per rule, what it could not judge and why (the run summary's "not judged" lines).
    for (const n of s.notJudged ?? []) {
      items.push({ what: n.rule, why: describeNotJudged(n), count: n.count, hosts: n.hosts });
    }
    if (s.lateEvents > 0) {
      items.push({
        what: 'events that arrived late',
        why: `${s.lateEvents} event(s) came after their host's watermark (index.allowed_lateness_secs) had passed their time: deadlines may have been judged without them`,
        count: s.lateEvents,
      });
    }
    if (s.decodeErrors.total > 0) {
      const reasons = Object.entries(s.decodeErrors.byReason).map(([r, n]) => `${r}: ${n}`).join(', ');
      items.push({
        what: 'records that could not be decoded',
        why: `${s.decodeErrors.total} input record(s) were not Sysmon events the decoder could read (${reasons}); see replay --errors FILE`,
        count: s.decodeErrors.total,
      });
    }
    if (this.alertsDropped > 0) {
      items.push({
        what: 'alerts left out of this report',
        why: `${this.alertsDropped} alert(s) past the report's cap of ${this.maxAlerts} are counted above but not listed; the JSON lines output has them all`,
        count: this.alertsDropped,
      });
    }
    let dropped = 0;
    for (const h of this.hosts.values()) dropped += h.procsDropped;
    if (dropped > 0) {
      items.push({
        what: 'process records of the session-start chains',
        why: `${dropped} older record(s) were dropped by the per-host cap of ${this.maxProcs}: early boots of those hosts are incomplete`,
        count: dropped,
      });
    }
    return items;
  }
}

function blank(guid: string): ProcRecord {
  return { guid, pid: null, image: '', commandLine: '', user: '', sessionId: null, start: null, end: null, parentGuid: '', parentPid: null, parentImage: '', placeholder: true };
}
