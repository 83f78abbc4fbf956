// Per-host process trees built from EventID 1 and 5, with boot epochs, event-time watermarks and
// bounded memory. O(1) work per event except at a reboot (closing an epoch walks that host once).

import type { SysmonEvent } from '../decode/event.js';
import { ownString } from '../decode/intern.js';
import type { IndexConfig } from './config.js';
import { HostState } from './host-state.js';
import { ProcNode } from './process-node.js';

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

const SYSTEM_PID = 4;

export function isSystemParent(ev: SysmonEvent): boolean {
  return ev.parentProcessId === SYSTEM_PID || ev.parentImage === 'System' || ev.parentImage.toLowerCase() === 'system';
}

export function isSmssNode(n: ProcNode): boolean {
  return n.imageName === 'smss.exe' || (n.originalFileName !== '' && n.originalFileName.toLowerCase() === 'smss.exe');
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

  constructor(
    private readonly config: IndexConfig,
    rebootCheckSecs: number,
  ) {
    this.latenessMs = config.allowed_lateness_secs * 1000;
    this.retentionMs = config.retention_secs * 1000;
    this.timeJumpMs = config.time_jump_secs * 1000;
    this.rebootCheckMs = rebootCheckSecs * 1000;
  }

  host(ev: SysmonEvent): HostState {
    let h = this.hosts.get(ev.hostKey);
    if (h === undefined) {
      h = new HostState(ev.hostKey, ev.host);
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
      case 5:
        h.exitsArmed = true;
        h.exitEpochs.add(h.epoch);
        a.node = h.nodes.get(ev.processGuid) ?? null;
        if (a.node !== null && a.node.alive) this.exit(h, a.node, ev.time);
        break;
      default:
        a.node = ev.processGuid === '' ? null : (h.nodes.get(ev.processGuid) ?? null);
    }
    if (h.rebootCheck !== null && ev.time >= h.rebootCheck.master.start) this.checkOldEpochActor(h, ev, a);
    this.evictDue(h);
    return a;
  }

  private create(h: HostState, ev: SysmonEvent, a: Applied): void {
    let node = h.nodes.get(ev.processGuid);
    if (node !== undefined && !node.placeholder) {
      a.duplicate = true;
      a.node = node;
      a.parent = node.parent;
      return;
    }
    if (node === undefined) {
      node = new ProcNode(ownString(ev.processGuid));
      node.epoch = h.epoch;
      this.insert(h, node);
    }
    node.placeholder = false;
    node.pid = ev.processId;
    node.setImage(ev.image);
    node.originalFileName = ev.originalFileName;
    node.commandLine = ownString(ev.commandLine);
    node.user = ev.user;
    node.logonId = ev.logonId;
    node.sessionId = ev.terminalSessionId;
    node.start = ev.time;
    node.recordId = ev.recordId;
    node.parentPid = ev.parentProcessId;

    let parent: ProcNode | null = null;
    if (ev.parentProcessGuid !== '') {
      parent = h.nodes.get(ev.parentProcessGuid) ?? null;
      if (parent === null) {
        parent = new ProcNode(ownString(ev.parentProcessGuid));
        parent.epoch = h.epoch;
        parent.pid = ev.parentProcessId;
        parent.setImage(ev.parentImage);
        parent.commandLine = ownString(ev.parentCommandLine);
        parent.user = ev.parentUser;
        this.insert(h, parent);
      }
      node.parentGuid = parent.guid; // shares the parent's key string
      if (node.parent !== parent) {
        if (node.parent !== null) detach(node);
        attach(parent, node);
      }
    }
    a.node = node;
    a.parent = parent;

    if (isSmssNode(node) && isSystemParent(ev)) {
      node.master = true;
      this.newMaster(h, node);
    }
  }

  /** A master smss starts a new boot epoch; if the old one still has live processes, check whether it rebooted. */
  private newMaster(h: HostState, master: ProcNode): void {
    const oldLive = h.liveCount - 1 - (master.parent !== null && master.parent.alive && master.parent.epoch === h.epoch ? 1 : 0);
    let oldMaster: ProcNode | null = null;
    for (const m of h.masters) if (m.alive && m !== master) oldMaster = m;
    h.epoch++;
    master.epoch = h.epoch;
    if (master.parent !== null) master.parent.epoch = h.epoch; // System of the new boot
    h.masters = [master];
    if (oldLive > 0 || oldMaster !== null) {
      h.rebootCheck = { master, oldMaster };
      h.timers.push(master.start + this.rebootCheckMs, REBOOT_TIMER, master);
    }
  }

  private checkOldEpochActor(h: HostState, ev: SysmonEvent, a: Applied): void {
    const check = h.rebootCheck!;
    let actor: ProcNode | null = null;
    if (ev.eventId === 1) actor = a.parent;
    else actor = a.node;
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
    h.rebootCheck = null;
    for (const n of h.nodes.values()) {
      if (n.epoch < master.epoch && n.alive) {
        n.closedAtReboot = true;
        this.exit(h, n, master.start);
      }
    }
  }

  private exit(h: HostState, node: ProcNode, time: number): void {
    node.end = time;
    h.liveCount--;
    h.evictQueue.push(node);
  }

  private insert(h: HostState, node: ProcNode): void {
    h.nodes.set(node.guid, node);
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
      if (cur.children !== null && cur.children.length > 0) {
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
    h.nodes.delete(n.guid);
    n.evicted = true;
    if (n.alive) h.liveCount--;
    if (n.parent !== null) detach(n);
    if (n.children !== null) {
      for (const c of n.children) {
        c.parent = null;
        c.childIndex = -1;
      }
      n.children = null;
    }
  }

  /** Over the per-host cap: drop the oldest node, sparing live masters (they are the boot's anchor). */
  private evictOldest(h: HostState): void {
    for (let tries = 0; tries < 8; tries++) {
      const first = h.nodes.values().next();
      if (first.done === true) return;
      const n = first.value;
      if (n.alive && h.masters.includes(n)) {
        h.nodes.delete(n.guid);
        h.nodes.set(n.guid, n);
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

function attach(parent: ProcNode, child: ProcNode): void {
  if (parent.children === null) parent.children = [];
  child.parent = parent;
  child.childIndex = parent.children.length;
  parent.children.push(child);
}

function detach(child: ProcNode): void {
  const p = child.parent!;
  const list = p.children!;
  const last = list.pop()!;
  if (last !== child) {
    list[child.childIndex] = last;
    last.childIndex = child.childIndex;
  }
  child.parent = null;
  child.childIndex = -1;
}
