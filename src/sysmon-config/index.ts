// Reading Sysmon configurations and deciding what they let through (issue 12). One job per module:
// parse.ts / read.ts (XML -> model, with lines), conditions.ts and filter.ts (Sysmon's filtering),
// needs.ts (what each smss rule needs logged), baseline-needs.ts (what each core.* baseline rule
// needs), coverage.ts / remedy.ts / format.ts (the `proctree coverage` report and its fix),
// registry.ts (configurations by name).

export { SysmonConfigError, type ConfigProblem } from './errors.js';
export { SYSMON_EVENT_TAGS, UNFILTERABLE_EVENT_IDS, eventTag, eventTagForId, type SysmonEventTag } from './events.js';
export { CONDITIONS, type Combine, type Condition, type EventElement, type FieldCondition, type OnMatch, type RuleNode, type SysmonConfig } from './model.js';
export { parseSysmonConfig } from './parse.js';
export { decodeConfigBytes, readSysmonConfig, readSysmonConfigText } from './read.js';
export { compileCondition } from './conditions.js';
export { SysmonConfigFilter, type Decision, type DecisionBy } from './filter.js';
export { COVERAGE_RULE_IDS, EVENT_NEEDS, RULE_NEEDS, needsOf, type CoverageRuleId, type EventNeed, type IncludeCondition } from './needs.js';
export { baselineRuleNeeds, type BaselineRuleId, type BaselineRuleNeeds } from './baseline-needs.js';
export { coverageOf, type CoverageReport, type CoverageStatus, type RuleCoverage } from './coverage.js';
export { applyFix, planFix, type Fix } from './remedy.js';
export { coverageJson, formatCoverageText } from './format.js';
export { FleetSysmonConfigs, HostSysmonConfig, hostPattern, type ExitingProcess, type FleetSysmonEntry } from './fleet.js';
export { sysmonSchema, type SysmonPipelineConfig } from './config.js';
export { BUILTIN_SYSMON_CONFIGS, SHARED_SYSMON_CONFIG_FILES, SYSMON_CONFIG_NAMES, loadSysmonConfig, sharedSysmonConfigDir, type ResolvedSysmonConfig } from './registry.js';
