// smss.child-no-exit: a per-session child smss must exit within child_exit_secs of its start.
// A child that lingers may have been hollowed or suspended by an attacker. Judged only where the
// child's boot epoch logged EventID 5; elsewhere the deadline is counted as unjudged.

import type { SysmonEvent } from '../../decode/event.js';
import { imageFileName } from '../../index/process-node.js';
import type { Applied } from '../../index/process-index.js';
import type { HostState } from '../../index/host-state.js';
import type { Timer } from '../../index/timers.js';
import type { RuleMeta } from '../../alerts/alert.js';
import type { SmssRulesConfig } from './config.js';
import type { Rule, RuleContext } from '../rule.js';
import { isSmssNode } from './classify.js';
import { claim, creationEvidence, raise, ruleBit } from './verdict.js';

const META: RuleMeta = { id: 'smss.child-no-exit', severity: 'medium', attack: ['T1055.012'] };

export function smssChildNoExitRule(cfg: SmssRulesConfig): Rule {
  const bit = ruleBit('smss.child-no-exit');
  const graceMs = cfg.child_exit_secs * 1000;
  return {
    id: META.id,
    onEvent(ev: SysmonEvent, a: Applied): void {
      if (ev.eventId !== 1 || a.duplicate || a.node === null || !isSmssNode(a.node)) return;
      const parentIsSmss = a.parent !== null ? isSmssNode(a.parent) : imageFileName(ev.parentImage) === 'smss.exe';
      if (parentIsSmss) a.host.timers.push(a.node.start + graceMs, META.id, a.node);
    },
    onTimer(t: Timer, host: HostState, ctx: RuleContext): void {
      const n = t.node;
      if (!host.exitEpochs.has(n.epoch)) {
        host.unjudged++;
        return;
      }
      if ((!n.alive && n.end <= t.due) || !claim(n, bit)) return;
      raise(ctx, META, host, n, t.due, `Child smss.exe did not exit within ${cfg.child_exit_secs} s`, [creationEvidence(n)], {
        childExitSecs: cfg.child_exit_secs,
        exitedAt: Number.isNaN(n.end) ? null : new Date(n.end).toISOString(),
      });
    },
  };
}
