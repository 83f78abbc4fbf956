// Labels: the alerts a correct processor must raise on generated data (docs/rules.md), one JSON
// object per line: {"host","rule","processGuid","time"}.

import type { EngineConfig } from '../engine/engine.js';
import type { SmssRulesConfig } from '../rules/smss/config.js';
import { SMSS_RULE_IDS, type SmssRuleId } from '../rules/smss/ids.js';

/** The rules labels name: the pipeline's rule ids (docs/rules.md). */
export const RULES = SMSS_RULE_IDS;
/** An smss rule, or a check of a core process baseline (core.<process>.<check>). */
export type RuleId = SmssRuleId | `core.${string}`;

/**
 * Baseline checks placed against the boot (instances per boot, start within N s of it): the
 * processor judges them only once it has seen the boot's master smss created.
 */
export function needsBootSeen(rule: RuleId): boolean {
  return rule.startsWith('core.') && (rule.endsWith('.instances') || rule.endsWith('.start'));
}

/**
 * Baseline checks raised on an exit (a boot-long process's lifetime): the processor judges one
 * only of a process it knows from its creation.
 */
export function needsCreationSeen(rule: RuleId): boolean {
  return rule.startsWith('core.') && rule.endsWith('.lifetime');
}

/**
 * Checks of csrss and winlogon judged from the parent's own creation: the session expected to be
 * the parent's, and (when the parent is a child smss) the parent check, which places a session
 * smss by its session. Where the configuration drops that smss's creation, the processor knows it
 * only from the Parent* fields: a smss.exe, no session, so it passes as the right one.
 */
export function needsParentCreationSeen(rule: RuleId, parentIsChildSmss: boolean): boolean {
  return (rule === 'core.csrss.session' || rule === 'core.winlogon.session') || (parentIsChildSmss && (rule === 'core.csrss.parent' || rule === 'core.winlogon.parent'));
}

/**
 * Instances per session of csrss and winlogon, which may exit (a logoff): the processor counts
 * live ones only where the host logs their exits (else one that ended looks alive).
 */
export function needsExitsLogged(rule: RuleId): boolean {
  return rule === 'core.csrss.instances' || rule === 'core.winlogon.instances';
}

export interface Label {
  host: string;
  rule: RuleId;
  processGuid: string;
  /** ISO 8601 with ms, the same form as an alert's time. */
  time: string;
  /** The host's Sysmon configuration (generate --sysmon-config). */
  sysmonConfig?: string;
  /** The configuration dropped the anomaly's evidence: no processor can raise it (score counts these apart from misses). */
  invisible?: boolean;
}

/** A line of the labels file naming a host's Sysmon configuration (generate --sysmon-config): score attributes every alert by it. */
export interface HostConfigLine {
  host: string;
  sysmonConfig: string;
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

export function labelThresholds(config: EngineConfig): LabelThresholds {
  const s = config.rules.smss;
  return { childExitSecs: s.child_exit_secs, allowedLatenessSecs: config.index.allowed_lateness_secs, rebootCheckSecs: s.reboot_check_secs, maxLive: s.max_live };
}

export function labelLine(l: Label): string {
  const extra = l.sysmonConfig === undefined ? {} : l.invisible === true ? { sysmonConfig: l.sysmonConfig, invisible: true } : { sysmonConfig: l.sysmonConfig };
  return JSON.stringify({ host: l.host, rule: l.rule, processGuid: l.processGuid, time: l.time, ...extra });
}

/** Stable order for label files: by time, then host, rule, guid. */
export function compareLabels(a: Label, b: Label): number {
  return a.time < b.time ? -1 : a.time > b.time ? 1 : a.host < b.host ? -1 : a.host > b.host ? 1 : a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : a.processGuid < b.processGuid ? -1 : a.processGuid > b.processGuid ? 1 : 0;
}

/**
 * rules.smss keys the generated data itself assumes at their defaults: it is a stock Windows
 * install (C:\Windows, the stock session manager children and Subsystems values). Labels cannot
 * follow other values of these, so the CLI warns when a pipeline sets them.
 */
export const ASSUMED_DEFAULT_KEYS = ['system_root', 'allowed_children', 'master_only_children', 'baseline_values'] as const;

/** The assumed keys whose value in `smss` differs from `defaults`. */
export function differingAssumedKeys(smss: SmssRulesConfig, defaults: SmssRulesConfig): string[] {
  return ASSUMED_DEFAULT_KEYS.filter((k) => JSON.stringify(smss[k]) !== JSON.stringify(defaults[k]));
}

/** Labels of the rules the pipeline runs: a disabled rule raises nothing. */
export function enabledLabels(labels: readonly Label[], enabled: readonly RuleId[]): Label[] {
  const on = new Set(enabled);
  return labels.filter((l) => on.has(l.rule));
}
