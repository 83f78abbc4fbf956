// One simulated Windows host: its processes and logons, and a queue of planned events in
// event time. step() renders the next planned event; boots, sessions, churn and anomalies
// only push plans (boot.ts, churn.ts, anomalies.ts).

import { ByteWriter, enc } from './bytes.js';
import { CALL_TRACES, CREATE_KEY, DLLS, DNS, REMOTES, image, type ImageSpec } from './catalog.js';
import { needsBootSeen, needsCreationSeen, needsExitsLogged, needsParentCreationSeen, type Label, type LabelThresholds, type RuleId } from './labels.js';
import { Logon, Proc, Role, formatLogonId, logonGuid } from './model.js';
import type { PlanQueue, Queued } from './plan-queue.js';
import { Prng } from './prng.js';
import { XmlRenderer, type RenderHost } from './render.js';
import { plain, type Fields, type HostConfigFilter } from './sysmon-filter.js';
import { isoMs, xmlText } from './text.js';

export const enum Kind {
  Arrival,
  Create,
  Exit,
  Load,
  Net,
  Dns,
  File,
  RegSet,
  RegObject,
  Access,
  Reboot,
  Inject,
  Decoy,
  Logon,
  Logoff,
}

const NONE = new Uint8Array(0);

/** A planned event (or a control step such as a churn arrival or a reboot). Pooled: see plan(). */
export class Plan implements Queued<Plan> {
  seq = 0;
  next: Plan | null = null;
  /** The host that planned it, and that host's plan generation then (a reboot voids older plans). */
  host: HostSim | null = null;
  gen = 0;
  /** Label this event proves when written: rule and subject process. */
  rule: RuleId | null = null;
  subject: Proc | null = null;
  /** A second rule the same event legitimately proves (rare: a renamed smss is also an unexpected child). */
  alsoRule: RuleId | null = null;
  alsoSubject: Proc | null = null;
  /** A third rule, about alsoSubject (a second lsass with a wrong parent, late in the boot). */
  thirdRule: RuleId | null = null;
  /** May be written out of order (ordinary churn only). */
  delayable = false;
  constructor(
    public t: number,
    public kind: Kind,
    public proc: Proc | null,
    public other: Proc | null,
    public n: number,
    public s: Uint8Array,
    public s2: Uint8Array,
  ) {}
}

// Plans wait in a host's queue for seconds to hours of event time, long enough to be promoted
// out of V8's young generation; reusing them keeps old-space garbage (and mark-compact time) low.
const POOL: Plan[] = [];

/** A plan from the pool (or a new one). */
export function makePlan(t: number, kind: Kind, proc: Proc | null = null, other: Proc | null = null, n = 0, s: Uint8Array = NONE, s2: Uint8Array = NONE): Plan {
  const p = POOL.pop();
  if (p === undefined) return new Plan(t, kind, proc, other, n, s, s2);
  p.t = t;
  p.kind = kind;
  p.proc = proc;
  p.other = other;
  p.n = n;
  p.s = s;
  p.s2 = s2;
  p.rule = null;
  p.subject = null;
  p.alsoRule = null;
  p.alsoSubject = null;
  p.thirdRule = null;
  p.delayable = false;
  return p;
}

function recycle(p: Plan): void {
  if (POOL.length < 65_536) {
    p.host = null;
    p.proc = null;
    p.other = null;
    p.subject = null;
    p.alsoSubject = null;
    POOL.push(p);
  }
}

/** Per-host traits, drawn once from the host's PRNG. */
export interface HostTraits {
  /** Sysmon configuration logs process exits (EventID 5). */
  exitsLogged: boolean;
  /** The forwarder drops ProcessId from EventID 1 and 5. */
  noPid: boolean;
  /** LogonId written zero-padded ('0x00000000000003e7'). */
  paddedLogonId: boolean;
  /** Language of account names: SYSTEM is 'NT-AUTORITÄT\SYSTEM' on German hosts. */
  locale: 'en' | 'de' | 'fr';
  /** Stream starts with the host already up: the master's creation is never seen. */
  running: boolean;
  /** Some events carry the Computer name upper-cased. */
  caseVariant: boolean;
  /** Server (RDP sessions, no console user) or workstation. */
  server: boolean;
}

const SYSTEM_NAMES = { en: 'NT AUTHORITY\\SYSTEM', de: 'NT-AUTORITÄT\\SYSTEM', fr: 'AUTORITE NT\\Système' };
const LOCAL_SERVICE_NAMES = { en: 'NT AUTHORITY\\LOCAL SERVICE', de: 'NT-AUTORITÄT\\Lokaler Dienst', fr: 'AUTORITE NT\\SERVICE LOCAL' };
const NETWORK_SERVICE_NAMES = { en: 'NT AUTHORITY\\NETWORK SERVICE', de: 'NT-AUTORITÄT\\Netzwerkdienst', fr: 'AUTORITE NT\\SERVICE RÉSEAU' };

export interface HostOptions {
  index: number;
  name: string;
  seed: number;
  start: number;
  end: number;
  /** Mean ms between churn arrivals. */
  arrivalMeanMs: number;
  traits: HostTraits;
  thresholds: LabelThresholds;
  /** The fleet's queue, where the host's plans wait. */
  queue: PlanQueue<Plan>;
  /** The host's Sysmon configuration (generate --sysmon-config); null: exits as traits.exitsLogged says, everything else. */
  sysmon: HostConfigFilter | null;
}

/** A child smss whose exit deadline the labels must judge (docs/rules.md, smss.child-no-exit). */
interface ExitWatch {
  proc: Proc;
  deadline: number;
  exitAt: number;
  /** Its creation was written. */
  logged: boolean;
  /** The host's configuration logs its exit: the deadline is judged from exits. */
  armed: boolean;
  /** First written event in which it acted after its deadline: it lived on, whatever the exit logging. */
  livedOnAt: number;
}

/** A second master started while an earlier one had no exit: the first act of the old epoch decides. */
interface InstanceWatch {
  master: Proc;
  deadline: number;
  /** Both masters' creations were written: a processor can judge it. */
  visible: boolean;
}

/** What rendering a plan did: nothing happened, it happened but the host's configuration dropped it, or it was written. */
const NOTHING = 0;
const DROPPED = 1;
const WRITTEN = 2;

export class HostSim implements RenderHost {
  /** Position in the fleet. */
  readonly index: number;

  // RenderHost
  sys: Uint8Array;
  sysUtc: Uint8Array;
  readonly ipBytes: Uint8Array;
  readonly nameBytes: Uint8Array;
  recordId: number;
  noPid: boolean;
  lagMs = 5;

  readonly name: string;
  readonly machine: string;
  /** '{machine-': how this host's ProcessGuids start. */
  readonly guidHead: Uint8Array;
  readonly rng: Prng;
  readonly traits: HostTraits;
  readonly start: number;
  readonly end: number;
  readonly ip: string;
  readonly nameX: string;
  readonly userName: string;
  readonly userSid: string;
  readonly thresholds: LabelThresholds;
  arrivalMeanMs: number;

  private readonly queue: PlanQueue<Plan>;
  /** Plans of an older generation were voided by a reboot: they are dropped when their time comes. */
  private gen = 0;
  private counter: number;
  /** sys / sysUtc with the Computer name as written and upper-cased (some hosts alternate). */
  private sysNormal: Uint8Array[] = [];
  private sysUpper: Uint8Array[] = [];

  epoch = 0;
  /** Live processes (created or pre-existing, not exited), for choosing actors of churn. */
  readonly live: Proc[] = [];
  readonly livePids = new Set<number>();
  master: Proc | null = null;
  systemProc: Proc | null = null;
  sysmonUpAt = 0;
  /** Session numbers handed out to logons. */
  nextSession = 2;
  /** An anomaly is planned on this host: keep its events in order, no reboots. */
  anomalous = false;

  readonly system: Logon;
  readonly localService: Logon;
  readonly networkService: Logon;
  userLogon: Logon | null = null;

  /** Per-user registry values and files, built on first use (churn.ts). */
  userRegs: Array<[Uint8Array, Uint8Array]> | null = null;
  userFiles: Uint8Array[] | null = null;

  readonly labels: Label[] = [];
  private readonly exitWatches: ExitWatch[] = [];
  instanceWatch: InstanceWatch | null = null;
  readonly sysmon: HostConfigFilter | null;

  private readonly renderer: XmlRenderer;

  constructor(o: HostOptions, renderer: XmlRenderer) {
    this.index = o.index;
    this.queue = o.queue;
    this.name = o.name;
    this.rng = new Prng(o.seed, o.index + 1);
    this.traits = o.traits;
    this.start = o.start;
    this.end = o.end;
    this.thresholds = o.thresholds;
    this.sysmon = o.sysmon;
    this.arrivalMeanMs = o.arrivalMeanMs;
    this.renderer = renderer;
    this.machine = mix32(o.index ^ o.seed).toString(16).padStart(8, '0');
    this.guidHead = enc(`{${this.machine}-`);
    this.noPid = o.traits.noPid;
    this.recordId = 1000 + this.rng.int(5_000_000);
    this.counter = 0x2c00 + this.rng.int(0x4000);
    this.ip = `10.${20 + ((o.index >> 16) & 0x3f)}.${(o.index >> 8) & 255}.${o.index & 255}`;
    this.nameX = xmlText(o.name);
    this.ipBytes = enc(this.ip);
    this.nameBytes = enc(this.nameX);
    this.setSysmonPid(2752);
    this.sys = this.sysNormal[0];
    this.sysUtc = this.sysNormal[1];
    const n = String(o.index).padStart(5, '0');
    this.userName = `CORP\\u${n}`;
    this.userSid = `S-1-5-21-3623811015-3361044348-30300820-${1100 + o.index}`;
    const padded = o.traits.paddedLogonId;
    const loc = o.traits.locale;
    this.system = this.logon(SYSTEM_NAMES[loc], 0x3e7, 0, 'System', o.start - 86_400_000, padded);
    this.localService = this.logon(LOCAL_SERVICE_NAMES[loc], 0x3e5, 0, 'System', o.start - 86_400_000, padded);
    this.networkService = this.logon(NETWORK_SERVICE_NAMES[loc], 0x3e4, 0, 'System', o.start - 86_400_000, padded);
  }

  /** The Sysmon service of this boot: its PID (and a thread) go into every event's Execution element. */
  setSysmonPid(pid: number): void {
    const block = (computer: string, utc: boolean): Uint8Array =>
      enc(
        `</EventRecordID><Correlation/><Execution ProcessID='${pid}' ThreadID='${pid + 824}'/><Channel>Microsoft-Windows-Sysmon/Operational</Channel>` +
          `<Computer>${computer}</Computer><Security UserID='S-1-5-18'/></System><EventData><Data Name='RuleName'>-</Data>` +
          (utc ? "<Data Name='UtcTime'>" : ''),
      );
    const upper = xmlText(this.name.toUpperCase());
    this.sysNormal = [block(this.nameX, false), block(this.nameX, true)];
    this.sysUpper = [block(upper, false), block(upper, true)];
    this.sys = this.sysNormal[0];
    this.sysUtc = this.sysNormal[1];
  }

  logon(user: string, id: number, session: number, integrity: string, at: number, padded = this.traits.paddedLogonId): Logon {
    return new Logon(xmlText(user), logonGuid(this.machine, at, id), formatLogonId(id, padded), session, integrity, id);
  }

  /** A new process object (not yet created in the output: plan its Create). */
  proc(specKey: string | ImageSpec, parent: Proc | null, logon: Logon, at: number, opts: { pid?: number; image?: string; cmdline?: string; role?: Role } = {}): Proc {
    const spec = typeof specKey === 'string' ? image(specKey) : specKey;
    const pid = opts.pid ?? this.freePid();
    // A catalog command line (picked, or given) is copied from its bytes encoded once.
    let cmdBytes: Uint8Array;
    if (opts.cmdline === undefined) cmdBytes = spec.cmdlineBytes[spec.cmdlines.length === 1 ? 0 : this.rng.int(spec.cmdlines.length)];
    else {
      const i = spec.cmdlines.indexOf(opts.cmdline);
      cmdBytes = i >= 0 ? spec.cmdlineBytes[i] : enc(opts.cmdline);
    }
    const epoch = parent === null || parent.role === Role.System ? this.epoch : parent.epoch;
    const sec = Math.floor(at / 1000) >>> 0;
    const p = new Proc(this.guidHead, sec, this.counter++, pid, spec, opts.image ?? spec.image, cmdBytes, logon, parent, epoch, opts.role ?? Role.Other);
    p.start = at;
    return p;
  }

  /**
   * PIDs are drawn from 4 * [260, pidTop]. pidTop doubles once half of those are live, as
   * Windows' PID table grows: a host with thousands of live processes (a high --host-eps) used to
   * search a full range for ever. Ordinary hosts never reach it, so their events do not change.
   */
  private pidTop = 6000;

  freePid(): number {
    if (this.livePids.size * 2 > this.pidTop - 260) this.pidTop *= 2;
    for (;;) {
      const pid = 4 * this.rng.range(260, this.pidTop);
      if (!this.livePids.has(pid)) return pid;
    }
  }

  /** A process that exists before the stream starts (its EventID 1 is never written). */
  preexisting(p: Proc): Proc {
    p.created = true;
    this.addLive(p);
    return p;
  }

  addLive(p: Proc): void {
    if (p.liveIndex >= 0) return;
    p.liveIndex = this.live.length;
    this.live.push(p);
    this.livePids.add(p.pid);
  }

  removeLive(p: Proc): void {
    const i = p.liveIndex;
    if (i < 0) return;
    const last = this.live.pop() as Proc;
    if (last !== p) {
      this.live[i] = last;
      last.liveIndex = i;
    }
    p.liveIndex = -1;
    this.livePids.delete(p.pid);
  }

  plan(p: Plan): Plan {
    p.host = this;
    p.gen = this.gen;
    this.queue.push(p);
    return p;
  }

  /** Plan the creation of p (and its exit after lifeMs, unless lifeMs is Infinity). */
  planCreate(p: Proc, lifeMs = Infinity): Plan {
    const c = this.plan(makePlan(p.start, Kind.Create, p));
    if (lifeMs !== Infinity) this.plan(makePlan(p.start + Math.max(1, Math.round(lifeMs)), Kind.Exit, p));
    return c;
  }

  /** Void every plan made so far (the machine went down). */
  clearPlans(): void {
    this.gen++;
  }

  /**
   * Render p, this host's plan that is due, into w. Control plans (arrivals, reboots, injections)
   * run their hook and write nothing; the caller loops. Returns whether an event was written.
   * p goes back to the pool.
   */
  step(hooks: HostHooks, w: ByteWriter, p: Plan): boolean {
    if (p.gen !== this.gen) {
      recycle(p);
      return false;
    }
    const t = p.t;
    switch (p.kind) {
      case Kind.Arrival:
      case Kind.Reboot:
      case Kind.Inject:
      case Kind.Decoy:
      case Kind.Logon:
      case Kind.Logoff:
        hooks.control(this, p);
        recycle(p);
        return false;
      default:
        break;
    }
    this.lagMs = t < this.sysmonUpAt ? this.sysmonUpAt - t + 1200 : 2;
    if (this.traits.caseVariant) {
      const v = (this.recordId & 7) === 0 ? this.sysUpper : this.sysNormal;
      this.sys = v[0];
      this.sysUtc = v[1];
    }
    const out = this.render(w, p, t);
    this.lastTime = t;
    this.lastDelayable = p.delayable;
    this.lastRead = p.kind === Kind.Create || p.kind === Kind.Exit || p.kind === Kind.RegSet || p.kind === Kind.RegObject || p.kind === Kind.Access;
    if (out !== NOTHING && p.rule !== null && p.subject !== null) {
      // Visible when written, and, for autochk under a child smss, when that child's creation was too
      // (else its parent is known only from Parent* fields, and an unseen parent passes for the master).
      const visible = out === WRITTEN && (p.subject.role !== Role.ChildSmss || p.subject.logged);
      this.label(p.rule, p.subject, t, visible);
      if (p.alsoRule !== null && p.alsoSubject !== null) this.label(p.alsoRule, p.alsoSubject, t, visible);
      if (p.thirdRule !== null) this.label(p.thirdRule, p.alsoSubject ?? p.subject, t, visible);
    }
    recycle(p);
    return out === WRITTEN;
  }

  private label(rule: RuleId, subject: Proc, t: number, visible: boolean): void {
    const l: Label = { host: this.name, rule, processGuid: subject.guid, time: isoMs(t) };
    if (this.sysmon !== null) l.sysmonConfig = this.sysmon.label;
    // Checks placed against the boot need its master's creation logged (else they are not judged);
    // an exit is judged only of a process known from its creation; a check against the parent's
    // session only of a parent known from its creation; instances of processes that may exit
    // only where their exits are logged.
    const parent = subject.parent;
    if (
      !visible ||
      (needsBootSeen(rule) && this.master?.logged !== true) ||
      (needsCreationSeen(rule) && !subject.logged) ||
      (needsParentCreationSeen(rule, parent !== null && parent.role === Role.ChildSmss) && parent?.logged !== true) ||
      (needsExitsLogged(rule) && !this.logs(5, () => this.procFields(subject)))
    )
      l.invisible = true;
    this.labels.push(l);
  }

  /** Whether the host's Sysmon configuration logs the event; `fields` only when the answer depends on them. */
  private logs(eventId: number, fields: () => Fields): boolean {
    if (this.sysmon === null) return eventId !== 5 || this.traits.exitsLogged;
    return this.sysmon.logs(eventId, fields);
  }

  private procFields(p: Proc): Fields {
    return { ProcessGuid: p.guid, ProcessId: String(p.pid), Image: plain(p.image), User: plain(p.logon.user) };
  }

  private createFields(p: Proc): Fields {
    const par = p.parent;
    const t = p.spec.text;
    return {
      ...this.procFields(p),
      FileVersion: t.version,
      Description: t.description,
      Product: t.product,
      Company: t.company,
      OriginalFileName: t.original,
      CommandLine: plain(p.cmdBytes),
      CurrentDirectory: t.cwd,
      LogonGuid: p.logon.logonGuid,
      LogonId: p.logon.logonId,
      TerminalSessionId: String(p.logon.session),
      IntegrityLevel: p.logon.integrity,
      ParentProcessGuid: par === null ? '{00000000-0000-0000-0000-000000000000}' : par.guid,
      ParentProcessId: par === null ? '0' : String(par.pid),
      ParentImage: par === null ? '?' : plain(par.image),
      ParentCommandLine: par === null || par.role === Role.System ? '?' : plain(par.cmdBytes),
      ParentUser: par === null ? '' : plain(par.logon.user),
    };
  }

  /** Time and delayability of the event step() last wrote (the plan itself goes back to the pool). */
  lastTime = 0;
  lastDelayable = false;
  /** The last event is one the rules read (EventID 1, 5, 12, 13): only those move a host's watermark (docs/rules.md). */
  lastRead = false;

  private render(w: ByteWriter, p: Plan, t: number): number {
    const r = this.renderer;
    const proc = p.proc as Proc;
    switch (p.kind) {
      case Kind.Create: {
        if (proc.parent !== null && proc.parent.exited) return NOTHING; // parent gone (its exit came first)
        proc.created = true;
        this.addLive(proc);
        const logged = this.logs(1, () => this.createFields(proc));
        proc.logged = logged;
        this.noteAct(proc.parent, t, logged);
        this.noteCreate(proc, t);
        if (!logged) return DROPPED;
        r.processCreate(w, this, t, proc);
        return WRITTEN;
      }
      case Kind.Exit: {
        if (proc.exited || !proc.created) return NOTHING;
        proc.exited = true;
        this.removeLive(proc);
        if (proc.role === Role.ChildSmss) this.noteChildExit(proc, t);
        const logged = this.logs(5, () => this.procFields(proc));
        this.noteAct(proc, t, logged);
        if (!logged) return DROPPED;
        r.processExit(w, this, t, proc);
        return WRITTEN;
      }
      default:
        break;
    }
    if (!proc.created || proc.exited) return NOTHING;
    switch (p.kind) {
      case Kind.Load:
        if (!this.logs(7, () => ({ ...this.procFields(proc), ImageLoaded: DLLS[p.n].path, Signed: 'true', Signature: DLLS[p.n].signature, SignatureStatus: 'Valid' }))) return DROPPED;
        r.imageLoad(w, this, t, proc, p.n);
        return WRITTEN;
      case Kind.Net: {
        const [ip, name, port, portName] = REMOTES[p.n];
        const fields = (): Fields => ({
          ...this.procFields(proc),
          Protocol: 'tcp',
          Initiated: 'true',
          SourceIp: this.ip,
          SourceHostname: this.name,
          DestinationIp: ip,
          DestinationHostname: name,
          DestinationPort: String(port),
          DestinationPortName: portName,
        });
        if (!this.logs(3, fields)) return DROPPED;
        r.network(w, this, t, proc, p.n, 49152 + (this.recordId % 16000));
        return WRITTEN;
      }
      case Kind.Dns:
        if (!this.logs(22, () => ({ ...this.procFields(proc), QueryName: plain(DNS[p.n][0]), QueryStatus: '0', QueryResults: plain(DNS[p.n][1]) }))) return DROPPED;
        r.dns(w, this, t, proc, p.n);
        return WRITTEN;
      case Kind.File:
        if (!this.logs(11, () => ({ ...this.procFields(proc), TargetFilename: plain(p.s) }))) return DROPPED;
        r.fileCreate(w, this, t, proc, p.s, t - p.n);
        return WRITTEN;
      case Kind.RegSet: {
        const logged = this.logs(13, () => ({ ...this.procFields(proc), EventType: 'SetValue', TargetObject: plain(p.s), Details: plain(p.s2) }));
        this.noteAct(proc, t, logged);
        if (!logged) return DROPPED;
        r.registrySet(w, this, t, proc, p.s, p.s2);
        return WRITTEN;
      }
      case Kind.RegObject: {
        // Whether CreateKey counts as an old boot "acting" is not pinned down by docs/rules.md:
        // while a second-master check is open, old-boot processes write no CreateKey.
        if (p.s2 === CREATE_KEY && this.instanceWatch !== null && proc.epoch < this.instanceWatch.master.epoch) return NOTHING;
        const logged = this.logs(12, () => ({ ...this.procFields(proc), EventType: plain(p.s2), TargetObject: plain(p.s) }));
        this.noteAct(proc, t, logged);
        if (!logged) return DROPPED;
        r.registryObject(w, this, t, proc, p.s2, p.s);
        return WRITTEN;
      }
      case Kind.Access: {
        const target = p.other as Proc;
        if (!target.created || target.exited) return NOTHING;
        const fields = (): Fields => ({
          SourceProcessGUID: proc.guid,
          SourceProcessId: String(proc.pid),
          SourceImage: plain(proc.image),
          TargetProcessGUID: target.guid,
          TargetProcessId: String(target.pid),
          TargetImage: plain(target.image),
          GrantedAccess: plain(p.s),
          CallTrace: plain(CALL_TRACES[p.n]),
          SourceUser: plain(proc.logon.user),
          TargetUser: plain(target.logon.user),
        });
        const logged = this.logs(10, fields);
        this.noteAct(proc, t, logged);
        if (!logged) return DROPPED;
        r.processAccess(w, this, t, proc, 1000 + (this.recordId % 8000) * 4, target, p.s, p.n);
        return WRITTEN;
      }
      default:
        return NOTHING;
    }
  }

  /**
   * A process acted (created a process, exited, wrote the registry, opened a process): a child
   * smss past its deadline lived on; a process of an older boot epoch answers the second-master
   * check. `written`: the event was logged, so a processor saw the act.
   */
  private noteAct(actor: Proc | null, t: number, written: boolean): void {
    if (actor === null) return;
    if (actor.role === Role.ChildSmss && written) this.noteChildAct(actor, t);
    const w = this.instanceWatch;
    if (w === null || actor.role === Role.System) return;
    if (actor.epoch >= w.master.epoch) return;
    // A processor judges the check from the acts it sees, of processes it knows from their creation.
    if (w.visible && !(written && actor.logged)) return;
    this.instanceWatch = null;
    if (t >= w.master.start && t < w.deadline) this.label('smss.instances', w.master, t, w.visible);
  }

  private noteCreate(p: Proc, t: number): void {
    if (p.role === Role.ChildSmss) {
      const armed = this.sysmon === null ? this.traits.exitsLogged : this.sysmon.logs(5, () => this.procFields(p));
      this.exitWatches.push({ proc: p, deadline: t + this.thresholds.childExitSecs * 1000, exitAt: Infinity, logged: p.logged, armed, livedOnAt: Infinity });
    } else if (p.role === Role.Master) {
      const old = this.master;
      if (old !== null && !old.exited && old !== p && old.created && this.thresholds.maxLive === 1 && (this.sysmon !== null || this.traits.exitsLogged)) {
        this.instanceWatch = { master: p, deadline: p.start + this.thresholds.rebootCheckSecs * 1000, visible: p.logged && old.logged };
      }
    }
  }

  private noteChildAct(p: Proc, t: number): void {
    for (const w of this.exitWatches) if (w.proc === p && t > w.deadline && w.livedOnAt === Infinity) w.livedOnAt = t;
  }

  private noteChildExit(p: Proc, t: number): void {
    for (const w of this.exitWatches) if (w.proc === p) w.exitAt = t;
  }

  /**
   * Labels that depend on how far the host's data reaches: a child smss deadline fires only
   * when the host's latest event time has passed it (docs/rules.md, end of replay).
   */
  finalLabels(lastEventTime: number): Label[] {
    const out = this.labels.slice();
    for (const w of this.exitWatches) {
      if (w.exitAt <= w.deadline) continue;
      const reached = lastEventTime >= w.deadline;
      if (!reached && w.livedOnAt === Infinity) continue;
      // Judged from the exits where the configuration logs them, else proven by an act after the deadline.
      const visible = w.logged && ((w.armed && reached) || w.livedOnAt !== Infinity);
      const l: Label = { host: this.name, rule: 'smss.child-no-exit', processGuid: w.proc.guid, time: isoMs(w.deadline) };
      if (this.sysmon !== null) l.sysmonConfig = this.sysmon.label;
      if (!visible) l.invisible = true;
      out.push(l);
    }
    return out;
  }
}

/** What the host delegates: churn arrivals, reboots, anomaly and decoy injections. */
export interface HostHooks {
  control(host: HostSim, plan: Plan): void;
}

/** A bijective 32-bit mix: distinct host indexes give distinct machine ids. */
export function mix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}
