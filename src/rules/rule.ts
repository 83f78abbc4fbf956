// What a rule is: pure code over typed events and the process index. Rules import neither
// RxJS, nor kafkajs, nor fs; they return alerts through the context and set event-time timers.

import type { Alert } from '../alerts/alert.js';
import type { SysmonEvent } from '../decode/event.js';
import type { HostState } from '../index/host-state.js';
import type { Applied } from '../index/process-index.js';
import type { Timer } from '../index/timers.js';

export interface RuleContext {
  emit(alert: Alert): void;
}

/**
 * What a host must have logged for a rule to have anything to judge there: HostState.seen bits
 * (all of them), and how the summary says they are missing. Without them the rule's silence on
 * that host is no verdict.
 */
export interface RuleEvidence {
  readonly seen: number;
  readonly missing: string;
}

export interface Rule {
  readonly id: string;
  /** What it needs a host to log (for the run summary's "not judged"); undefined: nothing in particular. */
  readonly judges?: RuleEvidence;
  /** Called for every event after the index has applied it. */
  onEvent(ev: SysmonEvent, applied: Applied, ctx: RuleContext): void;
  /** Called when a timer this rule set falls due (the host's watermark passed it). */
  onTimer?(timer: Timer, host: HostState, ctx: RuleContext): void;
  /** The ids its alerts carry when they are not `id` (a rule kind that runs many checks). */
  readonly alertIds?: readonly string[];
  /** Checks that could not be judged for lack of evidence, by alert id (for the run summary). */
  notJudgedCounts?(hosts: Iterable<HostState>): Record<string, number>;
  /** Why the check with this alert id can lack evidence (for the run summary). */
  notJudgedWhy?(alertId: string): string | undefined;
}
