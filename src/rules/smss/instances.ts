// smss.instances: a second master smss (parent System) while the earlier boot is provably still
// running (one of its processes acted after the new master started), so more masters are alive
// than max_live allows. The index runs the reboot check; this rule judges its answer.

import type { SysmonEvent } from '../../decode/event.js';
import { evidenceOf, isoTime } from '../../alerts/build-alert.js';
import type { RuleMeta } from '../../alerts/alert.js';
import type { Applied } from '../../index/process-index.js';
import type { SmssRulesConfig } from './config.js';
import type { Rule, RuleContext } from '../rule.js';
import { claim, creationEvidence, raise, ruleBit } from './verdict.js';
import { SEEN } from '../../index/host-state.js';

const META: RuleMeta = { id: 'smss.instances', severity: 'high', attack: ['T1036'] };

export function smssInstancesRule(cfg: SmssRulesConfig): Rule {
  const bit = ruleBit('smss.instances');
  return {
    id: META.id,
    judges: { seen: SEEN.masterCreation, missing: 'no master smss creation was logged (boots known from their child smss only)' },
    onEvent(ev: SysmonEvent, a: Applied, ctx: RuleContext): void {
      const check = a.answeredCheck;
      if (check === null || check.oldMaster === null) return;
      let live = 0;
      for (const m of a.host.masters) if (m.alive) live++;
      if (live <= cfg.max_live || !claim(check.master, bit)) return;
      const actor = a.oldEpochActor!;
      raise(ctx, META, a.host, check.master, ev.time, `${live} live master smss.exe instances (max ${cfg.max_live})`,
        [creationEvidence(check.master), evidenceOf(ev.eventId, ev.recordId, ev.time)], {
          liveMasters: live,
          maxLive: cfg.max_live,
          // A master known from its children only (its creation was not logged) has no start.
          earlierMaster: { guid: check.oldMaster.guid, pid: check.oldMaster.pid, start: isoTime(check.oldMaster.start) },
          actor: { guid: actor.guid, pid: actor.pid >= 0 ? actor.pid : null, image: actor.image },
        });
    },
  };
}
