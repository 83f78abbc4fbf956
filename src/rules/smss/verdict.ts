// Helpers every smss rule uses to turn a finding into an alert exactly once.

import { buildAlert, evidenceOf } from '../../alerts/build-alert.js';
import type { Evidence, RuleMeta } from '../../alerts/alert.js';
import { SMSS_RULE_IDS, type SmssRuleId } from './ids.js';
import type { HostState } from '../../index/host-state.js';
import type { ProcNode } from '../../index/process-node.js';
import type { RuleContext } from '../rule.js';

/** Bit of a rule in ProcNode.alerted. */
export function ruleBit(id: SmssRuleId): number {
  return 1 << SMSS_RULE_IDS.indexOf(id);
}

/** True the first time a rule claims a node; false after (one alert per subject). */
export function claim(node: ProcNode, bit: number): boolean {
  if ((node.alerted & bit) !== 0) return false;
  node.alerted |= bit;
  return true;
}

export function creationEvidence(n: ProcNode): Evidence {
  return evidenceOf(1, n.recordId, n.start);
}

export function raise(
  ctx: RuleContext,
  meta: RuleMeta,
  host: HostState,
  subject: ProcNode,
  time: number,
  title: string,
  evidence: Evidence[],
  details: Record<string, unknown>,
): void {
  ctx.emit(buildAlert({ meta, title, host: host.name, hostKey: host.key, subject, time, evidence, details }));
}
