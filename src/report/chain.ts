// Each host's session-start chains, one per master smss (a boot, or a second master where there
// should be one): System -> master smss -> one child smss per session -> csrss + wininit /
// winlogon (and autochk, or whatever else smss started). Pure: the browser lays the rows out on
// a time axis; tests check the grouping.

import { indexProcs } from './alert-tree.js';
import { CHAIN_IMAGES, baseName, type ProcRecord } from './model.js';

export type ChainKind = 'system' | 'master' | 'session' | 'csrss' | 'wininit' | 'winlogon' | 'autochk' | 'other';

export interface ChainRow {
  guid: string;
  pid: number | null;
  image: string;
  sessionId: number | null;
  start: number | null;
  end: number | null;
  depth: number;
  kind: ChainKind;
  /** Known only from a child's Parent* fields. */
  placeholder: boolean;
}

export interface BootChain {
  /** Earliest start among the rows (ms); null if no row has one. */
  start: number | null;
  /** Latest start or exit among the rows. */
  end: number | null;
  master: ChainRow | null;
  rows: ChainRow[];
  /** Chain processes whose smss was not recorded, gathered in one group. */
  orphan: boolean;
}

function kindOf(r: ProcRecord, depth: number): ChainKind {
  const name = baseName(r.image);
  if (name === 'smss.exe') return depth <= 1 ? 'master' : 'session';
  if (name === 'csrss.exe' || name === 'wininit.exe' || name === 'winlogon.exe' || name === 'autochk.exe') return name.slice(0, -4) as ChainKind;
  if (r.pid === 4 || r.image.toLowerCase() === 'system') return 'system';
  return 'other';
}

function row(r: ProcRecord, depth: number, kind = kindOf(r, depth)): ChainRow {
  return { guid: r.guid, pid: r.pid, image: r.image, sessionId: r.sessionId, start: r.start, end: r.end, depth, kind, placeholder: r.placeholder };
}

function byStart(a: ProcRecord, b: ProcRecord): number {
  return (a.start ?? Infinity) - (b.start ?? Infinity) || (a.pid ?? 0) - (b.pid ?? 0) || a.guid.localeCompare(b.guid);
}

function span(rows: readonly ChainRow[]): [number | null, number | null] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of rows) {
    if (r.kind === 'system') continue;
    for (const t of [r.start, r.end]) {
      if (t === null) continue;
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
  }
  return Number.isFinite(lo) ? [lo, hi] : [null, null];
}

export function sessionChains(procs: readonly ProcRecord[]): BootChain[] {
  const { byGuid, byParent } = indexProcs(procs);
  const isSmss = (r: ProcRecord | undefined): boolean => r !== undefined && baseName(r.image) === 'smss.exe';
  const used = new Set<string>();
  const boots: BootChain[] = [];
  const roots = procs.filter((r) => isSmss(r) && !isSmss(byGuid.get(r.parentGuid))).sort(byStart);
  for (const master of roots) {
    const rows: ChainRow[] = [];
    const sys = byGuid.get(master.parentGuid);
    if (sys !== undefined) rows.push(row(sys, 0, 'system'));
    const masterRow = row(master, 1, 'master');
    rows.push(masterRow);
    used.add(master.guid);
    for (const child of (byParent.get(master.guid) ?? []).slice().sort(byStart)) {
      rows.push(row(child, 2));
      used.add(child.guid);
      if (!isSmss(child)) continue;
      for (const grandchild of (byParent.get(child.guid) ?? []).slice().sort(byStart)) {
        rows.push(row(grandchild, 3));
        used.add(grandchild.guid);
      }
    }
    const [start, end] = span(rows);
    boots.push({ start, end, master: masterRow, rows, orphan: false });
  }
  const orphans = procs.filter((r) => !used.has(r.guid) && !r.placeholder && CHAIN_IMAGES.has(baseName(r.image)) && !isSmss(r)).sort(byStart);
  if (orphans.length > 0) {
    const rows = orphans.map((r) => row(r, 0));
    const [start, end] = span(rows);
    boots.push({ start, end, master: null, rows, orphan: true });
  }
  return boots;
}
