// The rule kinds this build knows, by id. Pipeline YAML picks which run (rules.smss.enabled);
// no rule registers itself by being imported.

import type { SmssRuleId, SmssRulesConfig } from './smss/config.js';
import type { Rule } from './rule.js';
import { smssChildNoExitRule } from './smss/child-no-exit.js';
import { smssInstancesRule } from './smss/instances.js';
import { smssParentRule } from './smss/parent.js';
import { smssPathRule } from './smss/path.js';
import { smssSubsystemsRegistryRule } from './smss/subsystems-registry.js';
import { smssUnexpectedChildRule } from './smss/unexpected-child.js';
import { smssUserRule } from './smss/user.js';

export const SMSS_RULES: Record<SmssRuleId, (cfg: SmssRulesConfig) => Rule> = {
  'smss.path': smssPathRule,
  'smss.parent': smssParentRule,
  'smss.user': smssUserRule,
  'smss.child-no-exit': smssChildNoExitRule,
  'smss.instances': smssInstancesRule,
  'smss.unexpected-child': smssUnexpectedChildRule,
  'smss.subsystems-registry': smssSubsystemsRegistryRule,
};

/** The enabled rules, in the catalogue's order (so alert order does not depend on YAML order). */
export function buildSmssRules(cfg: SmssRulesConfig): Rule[] {
  const enabled = new Set(cfg.enabled);
  return (Object.keys(SMSS_RULES) as SmssRuleId[]).filter((id) => enabled.has(id)).map((id) => SMSS_RULES[id](cfg));
}
