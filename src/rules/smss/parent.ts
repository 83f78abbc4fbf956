// smss.parent: an smss.exe whose parent is neither System (PID 4) nor a legitimate master smss.

import type { SysmonEvent } from '../../decode/event.js';
import { imageFileName } from '../../index/process-node.js';
import { isSystemParent, type Applied } from '../../index/process-index.js';
import type { SmssRulesConfig } from './config.js';
import type { RuleMeta } from '../../alerts/alert.js';
import type { Rule, RuleContext } from '../rule.js';
import { isSmssNode, SmssPaths } from './classify.js';
import { claim, creationEvidence, raise, ruleBit } from './verdict.js';
import { SEEN } from '../../index/host-state.js';

const META: RuleMeta = { id: 'smss.parent', severity: 'high', attack: ['T1036', 'T1134.004'] };

export function smssParentRule(cfg: SmssRulesConfig): Rule {
  const paths = new SmssPaths(cfg.system_root);
  const bit = ruleBit('smss.parent');
  return {
    id: META.id,
    judges: { seen: SEEN.smssCreation, missing: 'no smss.exe creation was logged' },
    onEvent(ev: SysmonEvent, a: Applied, ctx: RuleContext): void {
      if (ev.eventId !== 1 || a.duplicate || a.node === null || !isSmssNode(a.node) || isSystemParent(ev)) return;
      const p = a.parent;
      const legit =
        p !== null
          ? paths.isLegitimateMaster(p)
          : imageFileName(ev.parentImage) === 'smss.exe' && paths.isExpected(ev.parentImage);
      if (legit || !claim(a.node, bit)) return;
      const parentImage = p !== null && p.image !== '' ? p.image : ev.parentImage;
      const why = p !== null && isSmssNode(p) ? (p.master || p.placeholder ? 'an smss.exe outside System32' : 'a child smss.exe instance') : parentImage || 'an unknown process';
      raise(ctx, META, a.host, a.node, ev.time, `smss.exe started by ${why}`, [creationEvidence(a.node)], {
        parentImage,
        parentPid: ev.parentProcessId >= 0 ? ev.parentProcessId : null,
      });
    },
  };
}
