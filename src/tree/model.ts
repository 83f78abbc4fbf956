// A host's process tree as plain data, taken from the index (src/index/): what `proctree tree`
// prints and what its --json writes. Roots are the processes whose parent the index does not
// hold; children run in start order.

import type { HostState } from '../index/host-state.js';
import type { ProcessFacts } from '../index/process-facts.js';
import type { ProcNode } from '../index/process-node.js';

/** Times in ms of event time; `end` is also set by the reboot that closed the process's boot. */
export interface TreeNode extends ProcessFacts {
  /** Ended because its boot ended (a new master smss and no sign of the old boot), not by an EventID 5. */
  goneAtReboot: boolean;
  /** Part of a parent loop in the data (only possible with forged GUIDs): shown as a root. */
  inCycle: boolean;
  children: TreeNode[];
}

function toNode(n: ProcNode): TreeNode {
  return {
    guid: n.guid,
    pid: n.pid >= 0 ? n.pid : null,
    image: n.image,
    commandLine: n.commandLine,
    user: n.user,
    sessionId: n.sessionId >= 0 ? n.sessionId : null,
    start: Number.isFinite(n.start) ? n.start : null,
    end: Number.isFinite(n.end) ? n.end : null,
    placeholder: n.placeholder,
    goneAtReboot: n.closedAtReboot,
    inCycle: false,
    children: [],
  };
}

export function byStart(a: TreeNode, b: TreeNode): number {
  return (a.start ?? -Infinity) - (b.start ?? -Infinity) || (a.pid ?? -1) - (b.pid ?? -1) || a.guid.localeCompare(b.guid);
}

/** The host's forest; with `rootGuid`, only that process and its descendants (null if unknown). */
export function hostForest(host: HostState, rootGuid?: string): TreeNode[] | null {
  const made = new Map<ProcNode, TreeNode>();
  const build = (top: ProcNode): TreeNode => {
    const root = toNode(top);
    made.set(top, root);
    const stack: ProcNode[] = [top];
    while (stack.length > 0) {
      const p = stack.pop()!;
      const pv = made.get(p)!;
      for (const c of p.children ?? []) {
        if (made.has(c)) continue;
        const cv = toNode(c);
        made.set(c, cv);
        pv.children.push(cv);
        stack.push(c);
      }
      pv.children.sort(byStart);
    }
    return root;
  };
  if (rootGuid !== undefined) {
    const want = normaliseGuid(rootGuid);
    for (const n of host.nodes.values()) if (normaliseGuid(n.guid) === want) return [build(n)];
    return null;
  }
  const roots: TreeNode[] = [];
  for (const n of host.nodes.values()) if (n.parent === null) roots.push(build(n));
  // Nodes not reached from a root sit on a parent loop: show each loop from one of its members.
  for (const n of host.nodes.values()) {
    if (made.has(n)) continue;
    const r = build(n);
    r.inCycle = true;
    roots.push(r);
  }
  return roots.sort(byStart);
}

/** '{ABC-...}', 'abc-...' and '{abc-...}' name the same process. */
export function normaliseGuid(g: string): string {
  return g.trim().replace(/^\{|\}$/g, '').toLowerCase();
}

export function countNodes(roots: readonly TreeNode[]): { total: number; exited: number } {
  let total = 0;
  let exited = 0;
  const stack = [...roots];
  while (stack.length > 0) {
    const n = stack.pop()!;
    total++;
    if (n.end !== null) exited++;
    stack.push(...n.children);
  }
  return { total, exited };
}
