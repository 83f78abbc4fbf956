// smss.child-no-exit: a per-session child smss must exit within child_exit_secs of its start.
// A child that lingers may have been hollowed or suspended by an attacker.
//
// The deadline is judged from exits only where the host is known to log this child's exit: the
// Sysmon configuration the pipeline names for the host says so, or, without one, the child's boot
// has sent an exit of the same kind of image (System32 images: the public configurations log
// exits under C:\Users only, and "the host sends exits" says nothing about smss). Elsewhere the
// deadline is counted as unjudged, and stays open to proof: a child that acts in any event after
// its deadline (a creation it parents, a registry write, an access, its own late exit) lived past
// it, whatever the exit logging, and the alert is raised then, with that event as evidence.

import type { SysmonEvent } from '../../decode/event.js';
import { evidenceOf } from '../../alerts/build-alert.js';
import { imageFileName, WATCH_NONE, WATCH_PENDING, WATCH_UNJUDGED, type ProcNode } from '../../index/process-node.js';
import { actorOf, type Applied } from '../../index/process-index.js';
import { SEEN, type HostState } from '../../index/host-state.js';
import { exitsJudged } from '../../index/exits-logged.js';
import type { Timer } from '../../index/timers.js';
import type { Evidence, RuleMeta } from '../../alerts/alert.js';
import type { SmssRulesConfig } from './config.js';
import type { Rule, RuleContext } from '../rule.js';
import { isSmssNode } from './classify.js';
import { claim, creationEvidence, raise, ruleBit } from './verdict.js';

const META: RuleMeta = { id: 'smss.child-no-exit', severity: 'medium', attack: ['T1055.012'] };

export function smssChildNoExitRule(cfg: SmssRulesConfig): Rule {
  const bit = ruleBit('smss.child-no-exit');
  const graceMs = cfg.child_exit_secs * 1000;
  const alert = (ctx: RuleContext, host: HostState, n: ProcNode, evidence: Evidence[]): void => {
    n.exitWatch = WATCH_NONE;
    raise(ctx, META, host, n, n.start + graceMs, `Child smss.exe did not exit within ${cfg.child_exit_secs} s`, evidence, {
      childExitSecs: cfg.child_exit_secs,
      exitedAt: Number.isNaN(n.end) ? null : new Date(n.end).toISOString(),
    });
  };
  return {
    id: META.id,
    judges: { seen: SEEN.childSmssCreation, missing: 'no child smss creation was logged' },
    onEvent(ev: SysmonEvent, a: Applied, ctx: RuleContext): void {
      if (a.duplicate) return;
      if (ev.eventId === 1 && a.node !== null && isSmssNode(a.node)) {
        const parentIsSmss = a.parent !== null ? isSmssNode(a.parent) : imageFileName(ev.parentImage) === 'smss.exe';
        if (parentIsSmss) {
          a.node.exitWatch = WATCH_PENDING;
          a.host.timers.push(a.node.start + graceMs, META.id, a.node);
        }
      }
      // A watched child acting after its deadline lived past it.
      const n = actorOf(ev, a);
      if (n === null || n.exitWatch === WATCH_NONE || !(ev.time > n.start + graceMs)) return;
      // Where its exit would be logged, the deadline's timer judges it from the exits.
      if (n.exitWatch === WATCH_PENDING && exitsJudged(a.host, n)) return;
      if (!claim(n, bit)) return;
      if (n.exitWatch === WATCH_UNJUDGED) a.host.unjudged--;
      alert(ctx, a.host, n, [creationEvidence(n), evidenceOf(ev.eventId, ev.recordId, ev.time)]);
    },
    onTimer(t: Timer, host: HostState, ctx: RuleContext): void {
      const n = t.node;
      if (n.exitWatch !== WATCH_PENDING) return; // already proven by an act
      if (!n.alive && n.end <= t.due) {
        // Exited in time: its exit was logged, or its PID went to another process, or the host rebooted.
        n.exitWatch = WATCH_NONE;
        return;
      }
      if (!exitsJudged(host, n)) {
        host.unjudged++;
        n.exitWatch = WATCH_UNJUDGED;
        return;
      }
      if (!claim(n, bit)) {
        n.exitWatch = WATCH_NONE;
        return;
      }
      alert(ctx, host, n, [creationEvidence(n)]);
    },
  };
}
