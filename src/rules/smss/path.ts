// smss.path: an smss.exe running from anywhere but %SystemRoot%\System32 (masquerading).

import type { SysmonEvent } from '../../decode/event.js';
import type { Applied } from '../../index/process-index.js';
import type { ProcNode } from '../../index/process-node.js';
import type { SmssRulesConfig } from './config.js';
import type { RuleMeta } from '../../alerts/alert.js';
import type { Rule, RuleContext } from '../rule.js';
import { isSmssNode, SmssPaths } from './classify.js';
import { claim, creationEvidence, raise, ruleBit } from './verdict.js';
import { evidenceOf } from '../../alerts/build-alert.js';
import { SEEN, type HostState } from '../../index/host-state.js';

const META: RuleMeta = { id: 'smss.path', severity: 'high', attack: ['T1036.005'] };

export function smssPathRule(cfg: SmssRulesConfig): Rule {
  const paths = new SmssPaths(cfg.system_root);
  const bit = ruleBit('smss.path');
  const check = (n: ProcNode, host: HostState, ctx: RuleContext, time: number, ev: SysmonEvent, asParent: boolean): void => {
    if (!isSmssNode(n) || n.image === '' || paths.isExpected(n.image) || !claim(n, bit)) return;
    raise(ctx, META, host, n, time, `smss.exe running from an unexpected path: ${n.image}`,
      asParent ? [evidenceOf(ev.eventId, ev.recordId, ev.time)] : [creationEvidence(n)],
      { expectedPath: paths.expectedPath, seenAs: asParent ? 'parent of another process' : 'process creation' });
  };
  return {
    id: META.id,
    judges: { seen: SEEN.smssCreation, missing: 'no smss.exe creation was logged' },
    onEvent(ev: SysmonEvent, a: Applied, ctx: RuleContext): void {
      if (ev.eventId !== 1 || a.duplicate || a.node === null) return;
      check(a.node, a.host, ctx, ev.time, ev, false);
      // A masquerading smss whose own start was not logged is still seen as a parent.
      if (a.parent !== null && a.parent.placeholder) check(a.parent, a.host, ctx, ev.time, ev, true);
    },
  };
}
