// Whether a host logs a process's exit, so that a rule may read "no EventID 5" as "still alive".
// Its Sysmon configuration decides when the pipeline names one; otherwise what its boot has sent:
// an exit of the same kind of image (process-node.ts, imageClass).

import type { HostState } from './host-state.js';
import { imageClass, type ProcNode } from './process-node.js';

export function exitsJudged(host: HostState, n: ProcNode): boolean {
  if (host.sysmon !== null) return host.sysmon.exitDecision(n).logged;
  return ((host.exitClasses.get(n.epoch) ?? 0) & imageClass(n.image)) !== 0;
}
