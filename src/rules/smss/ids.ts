// The smss rule ids, apart from the pipeline schema (config.ts) so that rule code and the CLI's
// command list can name them without loading zod.

export const SMSS_RULE_IDS = [
  'smss.path',
  'smss.parent',
  'smss.user',
  'smss.child-no-exit',
  'smss.instances',
  'smss.unexpected-child',
  'smss.subsystems-registry',
] as const;
export type SmssRuleId = (typeof SMSS_RULE_IDS)[number];
