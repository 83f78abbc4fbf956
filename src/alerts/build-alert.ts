// Turns a rule's verdict (subject process, time, evidence) into an alert enriched from the
// process tree: parent, ancestry to the root, children. Alerts are rare, so clarity wins here.

import { createHash } from 'node:crypto';
import type { ProcNode } from '../index/process-node.js';
import type { Alert, AncestorView, ChildView, Evidence, ProcessView, RuleMeta } from './alert.js';

const MAX_ANCESTRY = 64; // a cycle in hostile data must not hang enrichment

export function isoTime(ms: number): string | null {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

function pidOf(n: ProcNode): number | null {
  return n.pid >= 0 ? n.pid : null;
}

export function processView(n: ProcNode): ProcessView {
  return {
    guid: n.guid,
    pid: pidOf(n),
    image: n.image,
    commandLine: n.commandLine,
    user: n.user,
    logonId: n.logonId,
    sessionId: n.sessionId >= 0 ? n.sessionId : null,
    start: isoTime(n.start),
    end: isoTime(n.end),
  };
}

function ancestry(n: ProcNode): AncestorView[] {
  const out: AncestorView[] = [];
  let p = n.parent;
  while (p !== null && out.length < MAX_ANCESTRY) {
    out.push({ guid: p.guid, pid: pidOf(p), image: p.image });
    if (p.parent === null && p.parentGuid !== '') {
      // The parent's own parent is known by guid only (evicted or never seen).
      out.push({ guid: p.parentGuid, pid: p.parentPid >= 0 ? p.parentPid : null, image: '' });
      break;
    }
    p = p.parent;
  }
  if (n.parent === null && n.parentGuid !== '') out.push({ guid: n.parentGuid, pid: n.parentPid >= 0 ? n.parentPid : null, image: '' });
  return out;
}

function children(n: ProcNode): ChildView[] {
  if (n.children === null) return [];
  return n.children
    .map((c) => ({ guid: c.guid, pid: pidOf(c), image: c.image, start: isoTime(c.start) }))
    .sort((a, b) => (a.start ?? '').localeCompare(b.start ?? '') || a.guid.localeCompare(b.guid));
}

export function evidenceOf(eventId: number, recordId: number, time: number): Evidence {
  return { eventId, recordId, time: isoTime(time) ?? '' };
}

/** Stable id: the same rule, host, subject and evidence give the same id in every run. */
export function alertId(rule: string, hostKey: string, subjectGuid: string, time: string, evidence: readonly Evidence[]): string {
  const h = createHash('sha256');
  h.update(`${rule}\n${hostKey}\n${subjectGuid}\n${time}`);
  for (const e of evidence) h.update(`\n${e.eventId}:${e.recordId}:${e.time}`);
  return h.digest('hex').slice(0, 32);
}

export interface Verdict {
  meta: RuleMeta;
  title: string;
  host: string;
  hostKey: string;
  subject: ProcNode;
  time: number;
  evidence: Evidence[];
  details: Record<string, unknown>;
}

export function buildAlert(v: Verdict): Alert {
  const time = isoTime(v.time) ?? '';
  const parent = v.subject.parent;
  return {
    id: alertId(v.meta.id, v.hostKey, v.subject.guid, time, v.evidence),
    rule: v.meta.id,
    severity: v.meta.severity,
    title: v.title,
    host: v.host,
    time,
    process: processView(v.subject),
    parent: parent === null ? null : processView(parent),
    ancestry: ancestry(v.subject),
    children: children(v.subject),
    evidence: v.evidence,
    attack: v.meta.attack,
    details: v.details,
    detectedAt: new Date().toISOString(),
  };
}
