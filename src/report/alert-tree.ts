// The process tree around one alert, as the report draws it: ancestry from the root (System where
// known) down to the parent, then the subject beside its siblings, then the subject's children.
// Pure: built from the alert and the host's process records; the browser calls it when an alert
// is expanded, tests call it directly.

import type { Alert } from '../alerts/alert.js';
import { msOf, type ProcRecord } from './model.js';

export type NodeRole = 'ancestor' | 'parent' | 'subject' | 'sibling' | 'child';

export interface TreeNodeView {
  guid: string;
  pid: number | null;
  image: string;
  commandLine: string | null;
  user: string | null;
  sessionId: number | null;
  start: number | null;
  end: number | null;
  role: NodeRole;
  /** Nothing but a guid (and maybe a pid) is known about it. */
  unknown: boolean;
  children: TreeNodeView[];
}

export interface HostProcs {
  byGuid: Map<string, ProcRecord>;
  byParent: Map<string, ProcRecord[]>;
}

export function indexProcs(procs: readonly ProcRecord[]): HostProcs {
  const byGuid = new Map<string, ProcRecord>();
  const byParent = new Map<string, ProcRecord[]>();
  for (const p of procs) {
    byGuid.set(p.guid, p);
    if (p.parentGuid === '' || p.placeholder) continue;
    let list = byParent.get(p.parentGuid);
    if (list === undefined) byParent.set(p.parentGuid, (list = []));
    list.push(p);
  }
  return { byGuid, byParent };
}

function fromRecord(r: ProcRecord, role: NodeRole): TreeNodeView {
  return {
    guid: r.guid,
    pid: r.pid,
    image: r.image,
    commandLine: r.placeholder && r.commandLine === '' ? null : r.commandLine,
    user: r.placeholder && r.user === '' ? null : r.user,
    sessionId: r.sessionId,
    start: r.start,
    end: r.end,
    role,
    unknown: r.placeholder && r.image === '',
    children: [],
  };
}

function byStart(a: TreeNodeView, b: TreeNodeView): number {
  return (a.start ?? Infinity) - (b.start ?? Infinity) || (a.pid ?? 0) - (b.pid ?? 0) || a.guid.localeCompare(b.guid);
}

export function alertTree(alert: Alert, procs: HostProcs): TreeNodeView {
  const p = alert.process;
  const subject: TreeNodeView = {
    guid: p.guid,
    pid: p.pid,
    image: p.image,
    commandLine: p.commandLine,
    user: p.user,
    sessionId: p.sessionId,
    start: msOf(p.start),
    end: msOf(p.end),
    role: 'subject',
    unknown: false,
    children: [],
  };

  // Children: those the alert names, completed from the records (and later ones the collector saw).
  const kids = new Map<string, TreeNodeView>();
  for (const c of alert.children) {
    const rec = procs.byGuid.get(c.guid);
    kids.set(c.guid, rec !== undefined ? fromRecord(rec, 'child') : { ...unknownNode(c.guid, c.pid, c.image, 'child'), start: msOf(c.start) });
  }
  for (const rec of procs.byParent.get(p.guid) ?? []) if (!kids.has(rec.guid)) kids.set(rec.guid, fromRecord(rec, 'child'));
  subject.children = [...kids.values()].sort(byStart);

  // Ancestry runs parent first, root last; the alert's own parent view is the fullest.
  const chain: TreeNodeView[] = [];
  const seen = new Set<string>([p.guid]);
  alert.ancestry.forEach((a, i) => {
    if (a.guid !== '' && seen.has(a.guid)) return; // a cycle in hostile data
    seen.add(a.guid);
    const role: NodeRole = i === 0 ? 'parent' : 'ancestor';
    const rec = a.guid === '' ? undefined : procs.byGuid.get(a.guid);
    let node: TreeNodeView;
    if (i === 0 && alert.parent !== null && alert.parent.guid === a.guid) {
      const v = alert.parent;
      node = { guid: v.guid, pid: v.pid, image: v.image, commandLine: v.commandLine, user: v.user, sessionId: v.sessionId, start: msOf(v.start), end: msOf(v.end), role, unknown: false, children: [] };
      if (rec !== undefined && node.end === null) node.end = rec.end;
    } else if (rec !== undefined && !(rec.placeholder && rec.image === '' && a.image !== '')) {
      node = fromRecord(rec, role);
    } else {
      node = unknownNode(a.guid, a.pid, a.image, role);
    }
    chain.push(node);
  });

  if (chain.length === 0) return subject;
  const parent = chain[0];
  const siblings = (procs.byParent.get(parent.guid) ?? []).filter((r) => r.guid !== p.guid).map((r) => fromRecord(r, 'sibling'));
  parent.children = [subject, ...siblings].sort(byStart);
  for (let i = 1; i < chain.length; i++) chain[i].children = [chain[i - 1]];
  return chain[chain.length - 1];
}

function unknownNode(guid: string, pid: number | null, image: string, role: NodeRole): TreeNodeView {
  return { guid, pid, image, commandLine: null, user: null, sessionId: null, start: null, end: null, role, unknown: image === '', children: [] };
}

/** Depth-first walk (iterative: hostile data can make deep trees). */
export function walkTree(root: TreeNodeView, visit: (n: TreeNodeView, depth: number) => void): void {
  const stack: [TreeNodeView, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [n, d] = stack.pop()!;
    visit(n, d);
    for (let i = n.children.length - 1; i >= 0; i--) stack.push([n.children[i], d + 1]);
  }
}
