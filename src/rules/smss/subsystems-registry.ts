// smss.subsystems-registry: writes to what the session manager starts at boot — the Subsystems
// key (csrss's command line, Required/Optional subsystems) and the BootExecute, SetupExecute,
// Execute and S0InitialCommand values — with a value outside the baseline.

import type { SysmonEvent } from '../../decode/event.js';
import { evidenceOf } from '../../alerts/build-alert.js';
import type { RuleMeta } from '../../alerts/alert.js';
import { guidKey } from '../../index/guid-key.js';
import { ProcNode } from '../../index/process-node.js';
import type { Applied } from '../../index/process-index.js';
import type { SmssRulesConfig } from './config.js';
import type { Rule, RuleContext } from '../rule.js';
import { raise } from './verdict.js';
import { SEEN } from '../../index/host-state.js';

const META: RuleMeta = { id: 'smss.subsystems-registry', severity: 'high', attack: ['T1547.001', 'T1112'] };

// Cheap pre-filter run on every registry event; only hits are normalised.
const MAYBE_SESSION_MANAGER = /session manager/i;
const SESSION_MANAGER = 'hklm\\system\\currentcontrolset\\control\\session manager\\';
const WATCHED_VALUES = new Set(['bootexecute', 'setupexecute', 'execute', 's0initialcommand']);

/** 'HKLM\System\ControlSet001\Control\Session Manager\Subsystems\Windows' -> 'subsystems\windows' when watched, else null. */
export function watchedValuePath(targetObject: string): string | null {
  if (!MAYBE_SESSION_MANAGER.test(targetObject)) return null;
  let t = targetObject.toLowerCase();
  if (t.startsWith('\\registry\\machine\\')) t = 'hklm\\' + t.slice('\\registry\\machine\\'.length);
  else if (t.startsWith('hkey_local_machine\\')) t = 'hklm\\' + t.slice('hkey_local_machine\\'.length);
  t = t.replace(/^hklm\\system\\controlset\d{3}\\/, 'hklm\\system\\currentcontrolset\\');
  if (!t.startsWith(SESSION_MANAGER)) return null;
  const rest = t.slice(SESSION_MANAGER.length);
  if (rest === 'subsystems' || rest.startsWith('subsystems\\') || WATCHED_VALUES.has(rest)) return rest;
  return null;
}

/** A baseline entry: an exact value, or with the prefix 'glob:' a pattern where * matches any text. */
function baselineMatcher(entry: string): RegExp {
  const isGlob = entry.startsWith('glob:');
  const collapsed = (isGlob ? entry.slice(5) : entry).trim().replace(/\s+/g, ' ');
  const escape = (p: string): string => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const body = isGlob ? collapsed.split('*').map(escape).join('.*') : escape(collapsed);
  return new RegExp(`^${body}$`, 'is');
}

export function smssSubsystemsRegistryRule(cfg: SmssRulesConfig): Rule {
  const baseline = new Map<string, RegExp[]>();
  for (const [key, values] of Object.entries(cfg.baseline_values)) baseline.set(key.toLowerCase(), values.map(baselineMatcher));

  const inBaseline = (valuePath: string, details: string): boolean => {
    const allowed = baseline.get(valuePath);
    if (allowed === undefined) return false;
    const d = details.trim().replace(/\s+/g, ' ');
    return allowed.some((r) => r.test(d));
  };

  return {
    id: META.id,
    judges: { seen: SEEN.registryEvent, missing: 'no registry event (EventID 12, 13, 14) was logged' },
    onEvent(ev: SysmonEvent, a: Applied, ctx: RuleContext): void {
      if (ev.eventId !== 12 && ev.eventId !== 13 && ev.eventId !== 14) return;
      let valuePath = watchedValuePath(ev.targetObject);
      let renamedTo: string | null = null;
      if (ev.eventId === 14 && ev.newName !== '') {
        renamedTo = watchedValuePath(ev.newName);
        valuePath ??= renamedTo;
      }
      if (valuePath === null) return;
      let why: string;
      if (ev.eventId === 13) {
        if (inBaseline(valuePath, ev.details)) return;
        why = 'set to a value outside the baseline';
      } else if (ev.eventId === 12) {
        // CreateKey is logged for every open of an existing key; only deletions change anything.
        if (ev.eventType !== 'DeleteKey' && ev.eventType !== 'DeleteValue') return;
        why = 'deleted';
      } else {
        why = 'renamed';
      }
      let writer = a.node;
      if (writer === null) {
        writer = new ProcNode(guidKey(ev.processGuid));
        writer.pid = ev.processId;
        writer.setImage(ev.image);
        writer.user = ev.user;
      }
      raise(ctx, META, a.host, writer, ev.time, `Session Manager ${valuePath.startsWith('subsystems') ? 'Subsystems ' : ''}registry ${why}: ${ev.targetObject}`,
        [evidenceOf(ev.eventId, ev.recordId, ev.time)], {
          targetObject: ev.targetObject,
          eventType: ev.eventType,
          details: ev.details,
          newName: ev.newName === '' ? undefined : ev.newName,
          baseline: cfg.baseline_values[Object.keys(cfg.baseline_values).find((k) => k.toLowerCase() === valuePath) ?? ''] ?? null,
        });
    },
  };
}
