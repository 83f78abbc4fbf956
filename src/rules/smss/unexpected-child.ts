// smss.unexpected-child: smss starts only smss, csrss, wininit, winlogon (and autochk at boot,
// from the master). Anything else is code running in the session manager's place.

import type { SysmonEvent } from '../../decode/event.js';
import { evidenceOf } from '../../alerts/build-alert.js';
import type { RuleMeta } from '../../alerts/alert.js';
import { guidKey } from '../../index/guid-key.js';
import { ProcNode, imageFileName } from '../../index/process-node.js';
import type { Applied } from '../../index/process-index.js';
import type { SmssRulesConfig } from './config.js';
import type { Rule, RuleContext } from '../rule.js';
import { isSmssNode } from './classify.js';
import { claim, raise, ruleBit } from './verdict.js';
import { SEEN } from '../../index/host-state.js';

const META: RuleMeta = { id: 'smss.unexpected-child', severity: 'high', attack: ['T1055', 'T1036'] };

export function smssUnexpectedChildRule(cfg: SmssRulesConfig): Rule {
  const bit = ruleBit('smss.unexpected-child');
  const allowed = new Set(cfg.allowed_children.map((c) => c.toLowerCase()));
  const masterOnly = new Set(cfg.master_only_children.map((c) => c.toLowerCase()));
  return {
    id: META.id,
    judges: { seen: SEEN.creationBySmss, missing: 'no process started by smss.exe was logged' },
    onEvent(ev: SysmonEvent, a: Applied, ctx: RuleContext): void {
      if (ev.eventId !== 1 || a.duplicate || a.node === null) return;
      let p = a.parent;
      if (p !== null ? !isSmssNode(p) : imageFileName(ev.parentImage) !== 'smss.exe') return;
      const child = a.node;
      const name = child.imageName;
      if (allowed.has(name)) return;
      const parentIsMaster = p === null || p.master || p.placeholder;
      if (masterOnly.has(name) && parentIsMaster) return;
      if (!claim(child, bit)) return;
      if (p === null) {
        // No parent guid in the event: describe the parent from the child's Parent* fields.
        p = new ProcNode(guidKey(ev.parentProcessGuid));
        p.pid = ev.parentProcessId;
        p.setImage(ev.parentImage);
        p.commandLine = ev.parentCommandLine;
      }
      raise(ctx, META, a.host, p, ev.time, `smss.exe started an unexpected process: ${child.image}`, [evidenceOf(1, ev.recordId, ev.time)], {
        child: { guid: child.guid, pid: child.pid >= 0 ? child.pid : null, image: child.image, commandLine: child.commandLine },
        allowedChildren: [...allowed],
      });
    },
  };
}
