// Coverage of the smss rules, and of the core process baseline rules when given, by a Sysmon
// configuration: for each rule, which of the events it needs (needs.ts, baseline-needs.ts) the
// configuration logs, the line that decides each, and the fix that makes it
// log all of them (remedy.ts).

import type { BaselineRuleId, BaselineRuleNeeds } from './baseline-needs.js';
import { SysmonConfigFilter, type DecisionBy } from './filter.js';
import type { SysmonConfig } from './model.js';
import { COVERAGE_RULE_IDS, needsOf, type CoverageRuleId, type EventNeed } from './needs.js';
import { planFix, type Fix } from './remedy.js';

export type CoverageStatus = 'logs' | 'partial' | 'drops';

export interface NeedCoverage {
  readonly need: EventNeed;
  readonly logged: boolean;
  readonly line?: number;
  readonly reason: string;
  readonly by: DecisionBy;
}

export interface RuleCoverage {
  readonly rule: CoverageRuleId | BaselineRuleId;
  readonly status: CoverageStatus;
  readonly needs: readonly NeedCoverage[];
  /** What to change for this rule alone; undefined when it sees everything. */
  readonly fix?: Fix;
}

export interface CoverageReport {
  readonly config: SysmonConfig;
  readonly rules: readonly RuleCoverage[];
  /** One fix for every rule at once; undefined when nothing is missing. */
  readonly fix?: Fix;
}

export function statusOf(needs: readonly { logged: boolean }[]): CoverageStatus {
  const logged = needs.filter((n) => n.logged).length;
  return logged === needs.length ? 'logs' : logged === 0 ? 'drops' : 'partial';
}

/**
 * `text`, the configuration's text, lets removals quote the lines they delete. `baselines`
 * (baselineRuleNeeds of the pipeline's baselines) adds one row per core.<process>.<check> rule
 * after the smss rows.
 */
export function coverageOf(
  config: SysmonConfig,
  text?: string,
  rules: readonly CoverageRuleId[] = COVERAGE_RULE_IDS,
  baselines: readonly BaselineRuleNeeds[] = [],
): CoverageReport {
  const filter = new SysmonConfigFilter(config);
  const out: RuleCoverage[] = [];
  const missing = new Map<string, EventNeed>();
  const rows: { rule: CoverageRuleId | BaselineRuleId; needs: readonly EventNeed[] }[] = [...rules.map((rule) => ({ rule, needs: needsOf(rule) })), ...baselines];
  for (const { rule, needs: ruleNeeds } of rows) {
    const needs = ruleNeeds.map((need): NeedCoverage => {
      const d = filter.decide(need.eventId, need.probe);
      if (!d.logged) missing.set(need.id, need);
      return { need, logged: d.logged, line: d.line, reason: d.reason, by: d.by };
    });
    const status = statusOf(needs);
    const dropped = needs.filter((n) => !n.logged).map((n) => n.need);
    out.push({ rule, status, needs, fix: dropped.length > 0 ? planFix(config, dropped, text) : undefined });
  }
  return { config, rules: out, fix: missing.size > 0 ? planFix(config, [...missing.values()], text) : undefined };
}
