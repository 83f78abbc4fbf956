// The baseline checks and rule ids, apart from the pipeline schema (config.ts) so that rule code
// can use them without loading zod.

import type { BaselineConfig } from './config.js';

export const CHECKS = ['path', 'parent', 'user', 'session', 'instances', 'lifetime', 'children', 'start'] as const;
export type CheckName = (typeof CHECKS)[number];

/** The rule ids the baselines run: core.<process>.<check> for each check configured. */
export function baselineRuleIds(cfg: readonly BaselineConfig[]): `core.${string}`[] {
  return cfg.flatMap((b) => CHECKS.filter((c) => b[c] !== undefined).map((c): `core.${string}` => `core.${b.process}.${c}`));
}
