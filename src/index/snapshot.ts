// One host's index state as plain JSON and back: the live tree, exited nodes still retained,
// pending timers, watermark, boot-epoch bookkeeping and what the host has shown it logs. Kafka
// writes these to a compacted state topic so that a restarted or newly assigned instance
// continues where the last one stopped (DESIGN.md: a process tree holds events far older than
// any committed offset). The host's Sysmon configuration is not in it: it comes from the
// pipeline, by host name, when the host is restored.

import { guidKey } from './guid-key.js';
import { HostState } from './host-state.js';
import { ProcNode } from './process-node.js';
import type { ProcessIndex } from './process-index.js';

export const HOST_SNAPSHOT_VERSION = 3;

/** ProcNode fields in a fixed order; parent and children are rebuilt from `parent` guids. */
type NodeTuple = [
  guid: string,
  pid: number,
  image: string,
  originalFileName: string,
  commandLine: string,
  user: string,
  logonId: string,
  sessionId: number,
  start: number | null,
  end: number | null,
  recordId: number,
  parentGuid: string,
  parentPid: number,
  /** Guid of the linked parent node (null when unlinked, e.g. evicted or never seen). */
  linkedParent: string | null,
  flags: number,
  epoch: number,
  alerted: number,
];

const F_PLACEHOLDER = 1;
const F_MASTER = 2;
const F_CLOSED_AT_REBOOT = 4;
const F_EVICTABLE = 8;
const F_EVICTED = 16;
/** exitWatch in two bits (WATCH_PENDING, WATCH_UNJUDGED). */
const F_EXIT_WATCH_SHIFT = 5;
const F_EXIT_WATCH = 3 << F_EXIT_WATCH_SHIFT;

export interface HostSnapshot {
  v: number;
  key: string;
  name: string;
  maxTime: number | null;
  maxTimeEver: number | null;
  rewinds: number;
  watermark: number | null;
  exitsArmed: boolean;
  /** [epoch, image-class bits] pairs. */
  exitClasses: [number, number][];
  seen: number;
  epoch: number;
  liveCount: number;
  lateEvents: number;
  unjudged: number;
  /** In the index's insertion order (the per-host cap evicts the oldest first). */
  nodes: NodeTuple[];
  /** Nodes no longer in the index that timers, the evict queue or masters still point at. */
  detached: NodeTuple[];
  /** In firing order. */
  timers: { due: number; rule: string; node: string }[];
  evictQueue: string[];
  masters: string[];
  rebootCheck: { master: string; oldMaster: string | null; since: number } | null;
  /** [pid, guid] of the live process holding each PID, in the map's order. */
  pids: [number, string][];
}

export class SnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotError';
  }
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

function nodeTuple(n: ProcNode): NodeTuple {
  const flags =
    (n.placeholder ? F_PLACEHOLDER : 0) |
    (n.master ? F_MASTER : 0) |
    (n.closedAtReboot ? F_CLOSED_AT_REBOOT : 0) |
    (n.evictable ? F_EVICTABLE : 0) |
    (n.evicted ? F_EVICTED : 0) |
    (n.exitWatch << F_EXIT_WATCH_SHIFT);
  return [
    n.guid,
    n.pid,
    n.image,
    n.originalFileName,
    n.commandLine,
    n.user,
    n.logonId,
    n.sessionId,
    finiteOrNull(n.start),
    finiteOrNull(n.end),
    n.recordId,
    n.parentGuid,
    n.parentPid,
    n.parent?.guid ?? null,
    flags,
    n.epoch,
    n.alerted,
  ];
}

export function snapshotHost(h: HostState): HostSnapshot {
  const detached = new Map<string, ProcNode>();
  const ref = (n: ProcNode): string => {
    const guid = n.guid;
    if (!h.nodes.holds(n)) detached.set(guid, n);
    return guid;
  };
  const timers = h.timers.list().map((t) => ({ due: t.due, rule: t.rule, node: ref(t.node) }));
  const evictQueue = h.evictQueue.slice(h.evictHead).map(ref);
  const masters = h.masters.map(ref);
  const rebootCheck =
    h.rebootCheck === null
      ? null
      : { master: ref(h.rebootCheck.master), oldMaster: h.rebootCheck.oldMaster === null ? null : ref(h.rebootCheck.oldMaster), since: h.rebootCheck.since };
  const pids: [number, string][] = [];
  for (const [pid, n] of h.pids.entries()) pids.push([pid, ref(n)]);
  const nodes: NodeTuple[] = [];
  for (const n of h.nodes.values()) nodes.push(nodeTuple(n));
  return {
    v: HOST_SNAPSHOT_VERSION,
    key: h.key,
    name: h.name,
    maxTime: finiteOrNull(h.maxTime),
    maxTimeEver: finiteOrNull(h.maxTimeEver),
    rewinds: h.rewinds,
    watermark: finiteOrNull(h.watermark),
    exitsArmed: h.exitsArmed,
    exitClasses: [...h.exitClasses],
    seen: h.seen,
    epoch: h.epoch,
    liveCount: h.liveCount,
    lateEvents: h.lateEvents,
    unjudged: h.unjudged,
    nodes,
    detached: [...detached.values()].map(nodeTuple),
    timers,
    evictQueue,
    masters,
    rebootCheck,
    pids,
  };
}

function nodeFrom(t: NodeTuple): ProcNode {
  const n = new ProcNode(guidKey(t[0]));
  n.pid = t[1];
  n.setImageFacts(t[2], t[3]);
  n.commandLine = t[4];
  n.setLogon(t[5], t[6], t[7]);
  n.start = t[8] ?? NaN;
  n.end = t[9] ?? NaN;
  n.recordId = t[10];
  n.parentKey = guidKey(t[11]);
  n.parentPid = t[12];
  n.placeholder = (t[14] & F_PLACEHOLDER) !== 0;
  n.master = (t[14] & F_MASTER) !== 0;
  n.closedAtReboot = (t[14] & F_CLOSED_AT_REBOOT) !== 0;
  n.evictable = (t[14] & F_EVICTABLE) !== 0;
  n.evicted = (t[14] & F_EVICTED) !== 0;
  n.exitWatch = (t[14] & F_EXIT_WATCH) >> F_EXIT_WATCH_SHIFT;
  n.epoch = t[15];
  n.alerted = t[16];
  return n;
}

/** Rebuilds a host from its snapshot and puts it in the index, replacing what the index had for it. */
export function restoreHost(index: ProcessIndex, s: HostSnapshot): HostState {
  if (s.v !== HOST_SNAPSHOT_VERSION) {
    throw new SnapshotError(
      `host snapshot of ${s.key} has version ${s.v}, this build reads ${HOST_SNAPSHOT_VERSION}: ` +
        'run the version that wrote it, or start from an empty state topic',
    );
  }
  const h = new HostState(s.key, s.name, index.sysmonFor(s.name));
  const byGuid = new Map<string, ProcNode>();
  for (const t of s.nodes) {
    const n = nodeFrom(t);
    h.nodes.add(n);
    byGuid.set(t[0], n);
  }
  for (const t of s.detached) byGuid.set(t[0], nodeFrom(t));
  // Children in snapshot order: the same order the live tree had them in.
  for (const t of s.nodes) {
    if (t[13] === null) continue;
    const child = byGuid.get(t[0])!;
    const parent = h.nodes.get(t[13]);
    if (parent === undefined) throw new SnapshotError(`host snapshot of ${s.key}: ${t[0]} names missing parent ${t[13]}`);
    child.parent = parent;
    parent.addChild(child);
  }
  const node = (guid: string): ProcNode => {
    const n = byGuid.get(guid);
    if (n === undefined) throw new SnapshotError(`host snapshot of ${s.key} refers to unknown process ${guid}`);
    return n;
  };
  h.maxTime = s.maxTime ?? -Infinity;
  h.maxTimeEver = s.maxTimeEver ?? -Infinity;
  h.rewinds = s.rewinds;
  h.watermark = s.watermark ?? -Infinity;
  h.exitsArmed = s.exitsArmed;
  for (const [epoch, classes] of s.exitClasses) h.exitClasses.set(epoch, classes);
  h.seen = s.seen;
  h.epoch = s.epoch;
  h.liveCount = s.liveCount;
  h.lateEvents = s.lateEvents;
  h.unjudged = s.unjudged;
  for (const t of s.timers) h.timers.push(t.due, t.rule, node(t.node));
  h.evictQueue = s.evictQueue.map(node);
  h.evictHead = 0;
  h.masters = s.masters.map(node);
  h.rebootCheck =
    s.rebootCheck === null
      ? null
      : { master: node(s.rebootCheck.master), oldMaster: s.rebootCheck.oldMaster === null ? null : node(s.rebootCheck.oldMaster), since: s.rebootCheck.since };
  for (const [pid, guid] of s.pids) h.pids.set(pid, node(guid));
  index.hosts.set(h.key, h);
  return h;
}
