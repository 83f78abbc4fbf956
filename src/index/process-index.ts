// Per-host process trees built from EventID 1 and 5, with boot epochs, event-time watermarks and
// bounded memory. O(1) work per event except at a reboot (closing an epoch walks that host once).
// Besides the trees, what each host has shown it logs (HostState.seen, exitClasses): most hosts
// run a Sysmon configuration nobody told us about, and a rule may only judge what it can see.

import type { SysmonEvent } from '../decode/event.js';
import type { HostLogging } from './host-logging.js';
import type { IndexConfig } from './config.js';
import { HostState, SEEN } from './host-state.js';
import { IMAGE_CLASS, ProcNode, imageClass, imageFileName } from './process-node.js';
import { commandLineOf } from './shared-facts.js';

export const REBOOT_TIMER = 'index.reboot-check';

/** What applying one event did; one object reused for every event to keep the hot path allocation-free. */
export class Applied {
  host!: HostState;
  /** The event's process (EventID 1: created; 5: exited; registry: the writer if known). */
  node: ProcNode | null = null;
  /** EventID 1: the creator. */
  parent: ProcNode | null = null;
  /** EventID 1 for a process already created (a redelivered or duplicated event). */
  duplicate = false;
  /** A process of an earlier boot epoch that acted after a new master started. */
  oldEpochActor: ProcNode | null = null;
  /** The reboot check that actor answered. */
  answeredCheck: { master: ProcNode; oldMaster: ProcNode | null } | null = null;
}

/** The process an event shows acting: EventID 1's creator, otherwise the event's own process (an access's source). */
export function actorOf(ev: SysmonEvent, a: Applied): ProcNode | null {
  return ev.eventId === 1 ? a.parent : a.node;
}

const SYSTEM_PID = 4;

export function isSystemParent(ev: SysmonEvent): boolean {
  return ev.parentProcessId === SYSTEM_PID || ev.parentImage === 'System' || ev.parentImage.toLowerCase() === 'system';
}

export function isSmssNode(n: ProcNode): boolean {
  return n.isSmss;
}

export class ProcessIndex {
  readonly hosts = new Map<string, HostState>();
  private readonly applied = new Applied();
  private readonly latenessMs: number;
  private readonly retentionMs: number;
  private readonly rebootCheckMs: number;
  private readonly timeJumpMs: number;
  /** Nodes removed by the per-host cap before their time (memory pressure). */
  forcedEvictions = 0;
  evictions = 0;
  /** Live processes closed because a creation of the same boot reused their PID. */
  pidReuses = 0;

  constructor(
    private readonly config: IndexConfig,
    rebootCheckSecs: number,
    /** The Sysmon configuration a host runs, by host name (pipeline `sysmon.configs`); null: none known. */
    readonly sysmonFor: (hostName: string) => HostLogging | null = () => null,
  ) {
    this.latenessMs = config.allowed_lateness_secs * 1000;
    this.retentionMs = config.retention_secs * 1000;
    this.timeJumpMs = config.time_jump_secs * 1000;
    this.rebootCheckMs = rebootCheckSecs * 1000;
    // Zero until the first eviction or PID reuse: changed here once, so that V8 does not compile
    // them as constants into apply() and recompile it when they first change (host-state.ts).
    this.forcedEvictions = this.evictions = this.pidReuses = -1;
    this.forcedEvictions = this.evictions = this.pidReuses = 0;
  }

  host(ev: SysmonEvent): HostState {
    let h = this.hosts.get(ev.hostKey);
    if (h === undefined) {
      h = new HostState(ev.hostKey, ev.host, this.sysmonFor(ev.host));
      this.hosts.set(ev.hostKey, h);
    }
    return h;
  }

  /** Apply one event to its host's tree and advance the host's watermark. */
  apply(ev: SysmonEvent): Applied {
    const a = this.applied;
    const h = this.host(ev);
    a.host = h;
    a.node = null;
    a.parent = null;
    a.duplicate = false;
    a.oldEpochActor = null;
    a.answeredCheck = null;
    if (ev.time > h.maxTime) {
      h.maxTime = ev.time;
      h.watermark = ev.time - this.latenessMs;
      if (ev.time > h.maxTimeEver) h.maxTimeEver = ev.time;
    } else if (ev.time < h.maxTime - this.timeJumpMs) {
      // An older capture of this host: its own time runs from here.
      h.rewinds++;
      h.maxTime = ev.time;
      h.watermark = ev.time - this.latenessMs;
    } else if (ev.time < h.watermark) {
      h.lateEvents++;
    }
    switch (ev.eventId) {
      case 1:
        this.create(h, ev, a);
        break;
      case 5: {
        h.exitsArmed = true;
        const seen = h.exitClasses.get(h.epoch) ?? 0;
        const c = imageClass(ev.image);
        if ((seen & c) === 0) h.exitClasses.set(h.epoch, seen | c);
        a.node = h.nodes.process(ev) ?? null;
        if (a.node !== null && a.node.alive) this.exit(h, a.node, ev.time);
        break;
      }
      default:
        if (ev.eventId !== 10) h.seen |= SEEN.registryEvent;
        a.node = !ev.hasProcessGuid() ? null : (h.nodes.process(ev) ?? null);
    }
    if (h.rebootCheck !== null && ev.time >= h.rebootCheck.since) this.checkOldEpochActor(h, ev, a);
    this.evictDue(h);
    return a;
  }

  private create(h: HostState, ev: SysmonEvent, a: Applied): void {
    let node = h.nodes.process(ev);
    if (node !== undefined && !node.placeholder) {
      a.duplicate = true;
      a.node = node;
      a.parent = node.parent;
      return;
    }
    if (node === undefined) {
      node = h.nodes.newNode();
      node.epoch = h.epoch;
      this.insert(h, node);
    }
    node.placeholder = false;
    node.pid = ev.processId;
    node.setImageFacts(ev.image, ev.originalFileName);
    node.commandLine = commandLineOf(ev.commandLine);
    node.setLogon(ev.user, ev.logonId, ev.terminalSessionId);
    node.start = ev.time;
    node.recordId = ev.recordId;

    let parent: ProcNode | null = null;
    let insertedParent = false;
    if (ev.hasParentProcessGuid()) {
      parent = h.nodes.parent(ev) ?? null;
      if (parent === null) {
        insertedParent = true;
        parent = h.nodes.newNode();
        parent.epoch = h.epoch;
        parent.pid = ev.parentProcessId;
        parent.setImage(ev.parentImage);
        parent.commandLine = commandLineOf(ev.parentCommandLine);
        parent.setLogon(ev.parentUser, '', -1);
        this.insert(h, parent);
      }
      // Linking sets the node's parent key too: read from the parent itself.
      if (node.parent !== parent) {
        if (node.parent !== null) detach(node);
        attach(parent, node, ev.parentProcessId);
      } else node.parentPid = ev.parentProcessId;
    } else node.parentPid = ev.parentProcessId;
    a.node = node;
    a.parent = parent;

    if (parent !== null ? isSmssNode(parent) : ev.parentImage !== '' && imageFileName(ev.parentImage) === 'smss.exe') h.seen |= SEEN.creationBySmss;
    if (isSmssNode(node)) {
      h.seen |= SEEN.smssCreation;
      if (isSystemParent(ev)) {
        node.master = true;
        h.seen |= SEEN.masterCreation;
        this.newMaster(h, node, node.start, true, 1);
      } else if (parent !== null && isSmssNode(parent)) {
        h.seen |= SEEN.childSmssCreation;
        this.childSmss(h, parent, node, ev.time);
      }
    }
    // After the boot is known: a PID is reused only within one boot.
    this.claimPid(h, node, ev.time);
    if (insertedParent) this.claimPid(h, parent!, ev.time);
  }

  /**
   * A child smss was created by `parent`. Its own function, called at every boot from the first:
   * the test below first meets a placeholder master long after create() is optimised, and in
   * create() itself that first visit threw away and recompiled the replay's hottest function.
   */
  private childSmss(h: HostState, parent: ProcNode, child: ProcNode, time: number): void {
    // A master runs from System32; a placeholder smss elsewhere is smss.path's, not a boot.
    if (parent.placeholder && !parent.master && imageClass(parent.image) === IMAGE_CLASS.system32) this.unseenMaster(h, parent, child, time);
  }

  /**
   * A child smss whose master was never logged (configurations that drop the master's creation,
   * or a capture that starts after boot): the placeholder its Parent* fields give is the master.
   * The first one a boot epoch meets is that boot's own; one that is not the epoch's master
   * starts a new boot, recognised from its first child.
   */
  private unseenMaster(h: HostState, master: ProcNode, child: ProcNode, time: number): void {
    master.master = true;
    let current = false;
    for (const m of h.masters) if (m.alive && m.epoch === h.epoch) current = true;
    if (!current) {
      h.masters.push(master);
      return;
    }
    // The master itself and its first child are the new boot's.
    this.newMaster(h, master, time, false, 2);
    child.epoch = h.epoch;
  }

  /**
   * A master smss starts a new boot epoch; if the old one still has live processes, check whether
   * it rebooted. `judgeInstances`: the master's creation was logged, so a live earlier master
   * makes the check an smss.instances question; `fresh` nodes of the new boot are already counted
   * live (the master, and its System or its first child).
   */
  private newMaster(h: HostState, master: ProcNode, since: number, judgeInstances: boolean, fresh: number): void {
    const oldLive = h.liveCount - fresh - (judgeInstances && master.parent !== null && master.parent.alive && master.parent.epoch === h.epoch ? 1 : 0);
    let oldMaster: ProcNode | null = null;
    if (judgeInstances) for (const m of h.masters) if (m.alive && m !== master) oldMaster = m;
    h.epoch++;
    master.epoch = h.epoch;
    if (master.parent !== null) master.parent.epoch = h.epoch; // System of the new boot
    h.masters = [master];
    if (oldLive > 0 || oldMaster !== null) {
      h.rebootCheck = { master, oldMaster, since };
      h.timers.push(since + this.rebootCheckMs, REBOOT_TIMER, master);
    }
  }

  /**
   * `n` holds its PID from now on. A live holder of the same PID in the same boot has ended:
   * Windows never gives a live process's PID to another. This is also what closes processes on
   * hosts that log no exits, so their trees stay the size of what is alive. PIDs up to 4 (Idle,
   * System) are one per boot and never change hands.
   */
  private claimPid(h: HostState, n: ProcNode, time: number): void {
    const pid = n.pid;
    if (pid <= SYSTEM_PID) return;
    const old = h.pids.get(pid);
    if (old !== undefined && old !== n && old.alive && old.epoch === n.epoch) {
      if (old.start > time) {
        // An older creation arriving late: it ended before the process now holding its PID began.
        if (n.alive) this.exit(h, n, old.start);
        this.pidReuses++;
        return;
      }
      // `n` takes over the PID's slot below: no delete and insert again of the same PID.
      if (n.alive) this.retire(h, old, time);
      else this.exit(h, old, time);
      this.pidReuses++;
    }
    if (n.alive) h.pids.set(pid, n);
  }

  private checkOldEpochActor(h: HostState, ev: SysmonEvent, a: Applied): void {
    const check = h.rebootCheck!;
    const actor = actorOf(ev, a);
    if (actor === null || actor.epoch >= check.master.epoch || actor.closedAtReboot) return;
    a.oldEpochActor = actor;
    a.answeredCheck = check;
    // The old boot is alive: both masters stay, and the old epoch is not closed.
    h.rebootCheck = null;
    if (check.oldMaster !== null) h.masters.push(check.oldMaster);
  }

  /** The reboot check's deadline passed with no old-epoch process acting: the host rebooted. */
  closeEpoch(h: HostState, master: ProcNode): void {
    if (h.rebootCheck === null || h.rebootCheck.master !== master) return;
    const since = h.rebootCheck.since;
    h.rebootCheck = null;
    for (const n of h.nodes.values()) {
      if (n.epoch < master.epoch && n.alive) {
        n.closedAtReboot = true;
        this.exit(h, n, since);
      }
    }
  }

  private exit(h: HostState, node: ProcNode, time: number): void {
    this.retire(h, node, time);
    if (h.pids.get(node.pid) === node) h.pids.delete(node.pid);
  }

  /** exit() but for the PID table, where the caller puts another node under `node`'s PID. */
  private retire(h: HostState, node: ProcNode, time: number): void {
    node.end = time;
    h.liveCount--;
    h.evictQueue.push(node);
  }

  /** Adds a node whose GUID the last lookup of `h.nodes` did not find. */
  private insert(h: HostState, node: ProcNode): void {
    h.nodes.addMissed(node);
    h.liveCount++;
    if (h.nodes.size > this.config.max_nodes_per_host) this.evictOldest(h);
  }

  /** Exited nodes past retention leave the index, children before parents. */
  private evictDue(h: HostState): void {
    const q = h.evictQueue;
    while (h.evictHead < q.length) {
      const n = q[h.evictHead];
      if (n.end + this.retentionMs > h.maxTime) break;
      h.evictHead++;
      if (!n.evicted) this.tryEvict(h, n);
    }
    if (h.evictHead > 1024 && h.evictHead * 2 > q.length) {
      h.evictQueue = q.slice(h.evictHead);
      h.evictHead = 0;
    }
  }

  private tryEvict(h: HostState, n: ProcNode): void {
    let cur: ProcNode | null = n;
    while (cur !== null) {
      if (cur.hasChildren) {
        cur.evictable = true;
        return;
      }
      const parent: ProcNode | null = cur.parent;
      this.remove(h, cur);
      this.evictions++;
      cur = parent !== null && parent.evictable ? parent : null;
    }
  }

  private remove(h: HostState, n: ProcNode): void {
    h.nodes.delete(n);
    n.evicted = true;
    if (n.alive) h.liveCount--;
    if (h.pids.get(n.pid) === n) h.pids.delete(n.pid);
    if (n.parent !== null) detach(n);
    n.dropChildren();
  }

  /** Over the per-host cap: drop the oldest node, sparing live masters (they are the boot's anchor). */
  private evictOldest(h: HostState): void {
    for (let tries = 0; tries < 8; tries++) {
      const n = h.nodes.first();
      if (n === undefined) return;
      if (n.alive && h.masters.includes(n)) {
        h.nodes.moveLast(n);
        continue;
      }
      this.remove(h, n);
      this.forcedEvictions++;
      return;
    }
  }

  /** Live processes across all hosts. */
  get liveProcesses(): number {
    let n = 0;
    for (const h of this.hosts.values()) n += h.liveCount;
    return n;
  }

  get nodeCount(): number {
    let n = 0;
    for (const h of this.hosts.values()) n += h.nodes.size;
    return n;
  }
}

function attach(parent: ProcNode, child: ProcNode, ppid: number): void {
  child.linkParent(parent, ppid);
  parent.addChild(child);
}

function detach(child: ProcNode): void {
  child.parent!.removeChild(child);
  child.parent = null;
}
