// smss.user: an smss.exe not running as SYSTEM (judged by LogonId 0x3e7 or SID S-1-5-18, never by the localised name).

import type { SysmonEvent } from '../../decode/event.js';
import type { Applied } from '../../index/process-index.js';
import type { SmssRulesConfig } from './config.js';
import type { RuleMeta } from '../../alerts/alert.js';
import type { Rule, RuleContext } from '../rule.js';
import { isSmssNode, isSystemAccount } from './classify.js';
import { claim, creationEvidence, raise, ruleBit } from './verdict.js';
import { SEEN } from '../../index/host-state.js';

const META: RuleMeta = { id: 'smss.user', severity: 'high', attack: ['T1036', 'T1078'] };

export function smssUserRule(_cfg: SmssRulesConfig): Rule {
  const bit = ruleBit('smss.user');
  return {
    id: META.id,
    judges: { seen: SEEN.smssCreation, missing: 'no smss.exe creation was logged' },
    onEvent(ev: SysmonEvent, a: Applied, ctx: RuleContext): void {
      if (ev.eventId !== 1 || a.duplicate || a.node === null || !isSmssNode(a.node)) return;
      if (isSystemAccount(ev.logonId, ev.user) !== false || !claim(a.node, bit)) return;
      raise(ctx, META, a.host, a.node, ev.time, `smss.exe running as ${ev.user || ev.logonId}, not SYSTEM`, [creationEvidence(a.node)], {
        user: ev.user,
        logonId: ev.logonId,
      });
    },
  };
}
