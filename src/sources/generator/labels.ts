// Labels: the alerts a correct processor must raise on generated data (docs/rules.md), one JSON
// object per line: {"host","rule","processGuid","time"}.

import { SMSS_RULE_IDS, type SmssRuleId } from '../../pipeline/config.js';

/** The rules labels name: the pipeline's rule ids (docs/rules.md). */
export const RULES = SMSS_RULE_IDS;
export type RuleId = SmssRuleId;

export interface Label {
  host: string;
  rule: RuleId;
  processGuid: string;
  /** ISO 8601 with ms, the same form as an alert's time. */
  time: string;
}

/** Thresholds the labels depend on: the `rules.smss` keys of the pipeline YAML. */
export interface LabelThresholds {
  childExitSecs: number;
  allowedLatenessSecs: number;
  rebootCheckSecs: number;
  maxLive: number;
}

export const DEFAULT_THRESHOLDS: LabelThresholds = Object.freeze({
  childExitSecs: 30,
  allowedLatenessSecs: 10,
  rebootCheckSecs: 120,
  maxLive: 1,
});

export function labelLine(l: Label): string {
  return JSON.stringify({ host: l.host, rule: l.rule, processGuid: l.processGuid, time: l.time });
}

/** Stable order for label files: by time, then host, rule, guid. */
export function compareLabels(a: Label, b: Label): number {
  return a.time < b.time ? -1 : a.time > b.time ? 1 : a.host < b.host ? -1 : a.host > b.host ? 1 : a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : a.processGuid < b.processGuid ? -1 : a.processGuid > b.processGuid ? 1 : 0;
}
