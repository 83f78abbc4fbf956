// A fleet of simulated hosts merged into one stream in event-time order (a few ordinary events
// deliberately late), with the labels of the anomalies it contains. Synchronous and pull-based:
// fill() writes up to n events into a sink, so callers pace, batch and await I/O around it.

import type { ByteWriter } from './bytes.js';
import { ANOMALY_KINDS, DECOY_KINDS, NEEDS_EXITS, type DecoyKind } from './anomalies.js';
import { CORE_NEEDS_EXITS, anomalyKinds, decoyKinds, injectAnyAnomaly, injectAnyDecoy, type CoreDecoyKind } from './core-anomalies.js';
import { planBoot, planRdpSession, planUserLogon, seedRunning } from './boot.js';
import { EVENTS_PER_ARRIVAL, handleArrival } from './churn.js';
import { HostSim, Kind, makePlan, type HostHooks, type HostTraits, type Plan } from './host.js';
import { DEFAULT_FLEET, type FleetOptions } from './fleet-options.js';
import { compareLabels, type HostConfigLine, type Label, type RuleId } from './labels.js';
import { PlanQueue } from './plan-queue.js';
import { Prng } from './prng.js';
import { XmlRenderer } from './render.js';
import { HostConfigFilter, configOfHost } from './sysmon-filter.js';
import { xmlText } from './text.js';

export { DEFAULT_FLEET, type FleetOptions } from './fleet-options.js';

/** Where generated events go: each is rendered into `writer` after reserve(), then committed. */
export interface RecordSink {
  readonly writer: ByteWriter;
  /** Make room in writer for one more event. */
  reserve(): void;
  /** The event at writer.buf[start, writer.off) is complete. */
  commit(host: string, time: number, start: number): void;
}

/** What was planned on each host, for summaries and tests. */
export interface HostPlan {
  name: string;
  traits: HostTraits;
  anomaly: RuleId | null;
  decoy: DecoyKind | CoreDecoyKind | null;
  /** The host's Sysmon configuration (generate --sysmon-config), by the name labels carry. */
  sysmonConfig: string | null;
}

/** Anomalies need the child-exit deadline and the reboot check to fit before the end. */
const MIN_TAIL_MS = 90_000;

export class Fleet implements HostHooks {
  readonly opts: FleetOptions;
  readonly plans: HostPlan[] = [];
  private readonly hosts: HostSim[] = [];
  private readonly queue: PlanQueue<Plan>;
  private readonly lastTime: Float64Array;
  private readonly rng: Prng;
  private readonly end: number;
  /** Anomaly and decoy kinds dealt round-robin: the smss rules', plus the core baselines' when asked for. */
  private readonly anomalyKinds: readonly RuleId[];
  private readonly decoyKinds: readonly (DecoyKind | CoreDecoyKind)[];
  private held: { host: HostSim; bytes: Buffer; t: number; read: boolean; release: number } | null = null;
  /** Events written so far. */
  written = 0;
  /** Event time of the latest written event. */
  eventTime = 0;
  done = false;

  constructor(options: Partial<FleetOptions> = {}) {
    const o: FleetOptions = { ...DEFAULT_FLEET, ...options };
    this.opts = o;
    this.rng = new Prng(o.seed, 0);
    this.end = o.start + o.durationSecs * 1000;
    this.queue = new PlanQueue<Plan>(o.start);
    this.lastTime = new Float64Array(o.hosts).fill(-Infinity);
    const renderer = new XmlRenderer();
    const arrivalMeanMs = (1000 * EVENTS_PER_ARRIVAL) / Math.max(o.hostEventsPerSec, 1e-6);
    this.anomalyKinds = anomalyKinds(ANOMALY_KINDS, o.coreAnomalies === true);
    this.decoyKinds = decoyKinds(DECOY_KINDS, o.coreAnomalies === true);
    const needExits = this.anomalyKinds.filter((k) => NEEDS_EXITS.has(k) || CORE_NEEDS_EXITS.has(k));
    // One compiled filter per configuration, shared by its hosts.
    const filters = o.sysmonConfigs.map((c) => new HostConfigFilter(c.config));
    const configured = filters.length > 0;
    let anomalies = 0;
    let decoys = 0;
    for (let i = 0; i < o.hosts; i++) {
      const tr = new Prng(o.seed ^ 0x5bd1e995, i + 1);
      const server = tr.chance(0.2);
      const traits: HostTraits = {
        exitsLogged: !tr.chance(o.noExitFraction),
        noPid: tr.chance(0.03),
        paddedLogonId: tr.chance(0.5),
        locale: tr.chance(0.04) ? 'de' : tr.chance(0.03) ? 'fr' : 'en',
        running: tr.chance(0.4),
        caseVariant: tr.chance(0.05),
        server,
      };
      let anomaly: RuleId | null = null;
      let decoy: DecoyKind | CoreDecoyKind | null = null;
      if (tr.float() < o.anomalyFraction) {
        // Round-robin over kinds so that every rule gets anomalies even on small fleets.
        anomaly = this.anomalyKinds[anomalies++ % this.anomalyKinds.length];
        traits.running = false; // the master's creation is seen: no doubt about what is legitimate
        // Without configurations, hosts log exits where the anomaly needs them; with them, the
        // configuration decides, and the labels say what it hides.
        if (needExits.includes(anomaly) && !configured) traits.exitsLogged = true;
      } else if (tr.float() < o.decoyFraction) {
        decoy = this.decoyKinds[decoys++ % this.decoyKinds.length];
        // Decoys that are judged only from exits on a booted host: a processor must see them and stay quiet.
        if ((decoy === 'child-exit-at-threshold' || decoy === 'session-number-reuse') && !configured) traits.exitsLogged = true;
        if (decoy === 'localised-system') traits.locale = tr.chance(0.5) ? 'de' : 'fr';
        if (decoy === 'rdp-unseen-master') traits.running = true;
        if (decoy === 'reboot' || decoy === 'smss-path-spelling' || decoy === 'child-exit-at-threshold' || decoy === 'session-number-reuse') traits.running = false;
      }
      const name = `${server ? 'SRV' : 'WS'}${String(i).padStart(5, '0')}.corp.example.com`;
      const sysmon = configured ? filters[configOfHost(o.sysmonConfigs, i, o.seed)] : null;
      const h = new HostSim({ index: i, name, seed: o.seed, start: o.start, end: this.end, arrivalMeanMs, traits, thresholds: o.thresholds, queue: this.queue, sysmon }, renderer);
      h.anomalous = anomaly !== null;
      this.plans.push({ name, traits, anomaly, decoy, sysmonConfig: sysmon?.label ?? null });
      this.setUp(h, tr, anomaly, decoy);
      this.hosts.push(h);
    }
  }

  private setUp(h: HostSim, tr: Prng, anomaly: RuleId | null, decoy: DecoyKind | CoreDecoyKind | null): void {
    const dur = this.end - h.start;
    let bootAt = h.start;
    if (h.traits.running) seedRunning(h);
    else {
      bootAt = h.start + tr.int(Math.min(120_000, dur / 20));
      planBoot(h, bootAt, decoy === 'smss-path-spelling' ? smssSpelling(tr) : undefined);
    }
    const from = bootAt + 60_000;
    const to = this.end - Math.max(MIN_TAIL_MS, (this.opts.thresholds.childExitSecs + this.opts.thresholds.allowedLatenessSecs) * 1000 + 60_000);
    const at = (): number => from + tr.int(Math.max(1, to - from));
    if (anomaly !== null && to > from) h.plan(makePlan(at(), Kind.Inject, null, null, this.anomalyKinds.indexOf(anomaly)));
    if (decoy !== null && to > from) {
      if (decoy === 'reboot') h.plan(makePlan(at(), Kind.Reboot, null));
      else h.plan(makePlan(at(), Kind.Decoy, null, null, this.decoyKinds.indexOf(decoy)));
    }
    // RDP logons: servers every half hour or so, workstations rarely.
    const rdpMean = h.traits.server ? 1_800_000 : 14_400_000;
    const first = Math.max(from, h.start) + Math.round(tr.exp(rdpMean));
    if (first < this.end) h.plan(makePlan(first, Kind.Logon, null, null, 2));
  }

  /** HostHooks: control plans. */
  control(h: HostSim, p: Plan): void {
    switch (p.kind) {
      case Kind.Arrival:
        handleArrival(h, p);
        return;
      case Kind.Logon:
        if (p.n === 1 && p.other !== null) planUserLogon(h, p.t, p.other, 1, false);
        else {
          planRdpSession(h, p.t);
          const rdpMean = h.traits.server ? 1_800_000 : 14_400_000;
          const next = p.t + 60_000 + Math.round(h.rng.exp(rdpMean));
          if (next < this.end) h.plan(makePlan(next, Kind.Logon, null, null, 2));
        }
        return;
      case Kind.Inject:
        injectAnyAnomaly(h, this.anomalyKinds[p.n], p.t);
        return;
      case Kind.Decoy:
        injectAnyDecoy(h, this.decoyKinds[p.n], p.t);
        return;
      case Kind.Reboot:
        this.reboot(h, p);
        return;
      default:
        return;
    }
  }

  /** The machine goes down: plans are void, processes gone without exits; it boots again later. */
  private reboot(h: HostSim, p: Plan): void {
    for (const x of h.live) {
      // A session start in progress would leave a child smss without its exit: wait for it.
      if (x.role === 2 /* Role.ChildSmss */ && !x.exited) {
        h.plan(makePlan(p.t + 5000, Kind.Reboot, null));
        return;
      }
    }
    h.clearPlans();
    for (const x of h.live) {
      x.exited = true;
      x.liveIndex = -1;
    }
    h.live.length = 0;
    h.livePids.clear();
    if (h.master !== null) h.master.exited = true;
    h.userLogon = null;
    h.nextSession = 2;
    const up = p.t + 40_000 + h.rng.int(80_000);
    if (up < this.end) planBoot(h, up);
  }

  /**
   * Write up to n events into sink. Returns how many were written; `done` turns true at the
   * end of the duration (or when maxEvents is reached).
   */
  fill(sink: RecordSink, n: number, maxEvents = Infinity): number {
    const queue = this.queue;
    const end = this.end;
    const late = this.opts.lateFraction;
    const rng = this.rng;
    let count = 0;
    while (count < n) {
      if (this.written >= maxEvents) {
        this.done = true;
        break;
      }
      const p = queue.peek();
      if (p === undefined || p.t > end) {
        this.flushHeld(sink);
        this.done = true;
        break;
      }
      const held = this.held;
      if (held !== null && p.t >= held.release) {
        this.flushHeld(sink);
        count++;
        continue;
      }
      queue.pop();
      const h = p.host as HostSim;
      sink.reserve();
      const w = sink.writer;
      const start = w.off;
      if (!h.step(this, w, p)) continue;
      const t = h.lastTime;
      if (held === null && late > 0 && h.lastDelayable && !h.anomalous && rng.float() < late) {
        this.held = { host: h, bytes: Buffer.from(w.buf.subarray(start, w.off)), t, read: h.lastRead, release: t + 100 + rng.int(2400) };
        w.off = start;
        continue;
      }
      sink.commit(h.name, t, start);
      this.noteWritten(h, t, h.lastRead);
      count++;
    }
    return count;
  }

  private flushHeld(sink: RecordSink): void {
    const held = this.held;
    if (held === null) return;
    this.held = null;
    sink.reserve();
    const w = sink.writer;
    const start = w.off;
    w.bytes(held.bytes);
    sink.commit(held.host.name, held.t, start);
    this.noteWritten(held.host, held.t, held.read);
  }

  /** read: an EventID the rules read; only those move the host's watermark, which decides which deadlines fire. */
  private noteWritten(h: HostSim, t: number, read: boolean): void {
    this.written++;
    if (t > this.eventTime) this.eventTime = t;
    const i = h.index;
    if (read && t > this.lastTime[i]) this.lastTime[i] = t;
  }

  /** Labels of everything written so far (call after the last fill), sorted. A child-no-exit deadline counts when the host's latest read event has reached it. */
  labels(): Label[] {
    const out: Label[] = [];
    for (const h of this.hosts) {
      const last = this.lastTime[h.index];
      if (last === -Infinity) continue;
      for (const l of h.finalLabels(last)) out.push(l);
    }
    return out.sort(compareLabels);
  }

  /** Each host's Sysmon configuration (generate --sysmon-config; empty without): the labels file's host lines. */
  hostConfigs(): HostConfigLine[] {
    return this.plans.filter((p) => p.sysmonConfig !== null).map((p) => ({ host: p.name, sysmonConfig: p.sysmonConfig as string }));
  }

  /** Event time at which the stream ends (start + duration). */
  get endTime(): number {
    return this.end;
  }
}

/** Legitimate spellings of the expected smss path that the rules must normalise. */
function smssSpelling(r: Prng): string {
  const forms = ['\\SystemRoot\\System32\\smss.exe', 'C:\\windows\\system32\\SMSS.EXE', '\\Device\\HarddiskVolume2\\Windows\\System32\\smss.exe', '\\??\\C:\\Windows\\System32\\smss.exe'];
  return xmlText(r.pick(forms));
}
