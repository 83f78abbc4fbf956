// Everything the index and the rules keep about one host.

import type { ProcNode } from './process-node.js';
import { TimerHeap } from './timers.js';

/** A second master smss appeared while processes of an earlier boot epoch are alive. */
export interface RebootCheck {
  master: ProcNode;
  /** The earlier epoch had a master with no exit (so an actor from it means two live masters). */
  oldMaster: ProcNode | null;
}

export class HostState {
  readonly nodes = new Map<string, ProcNode>();
  readonly timers = new TimerHeap();
  /** Exited nodes in exit order, waiting for their retention to pass. */
  evictQueue: ProcNode[] = [];
  evictHead = 0;
  /** Latest event time seen (ms); -Infinity before the first event. */
  maxTime = -Infinity;
  /** maxTime minus allowed lateness: timers due at or before it fire. */
  watermark = -Infinity;
  /** The host has sent at least one EventID 5, so rules that need exits can judge it. */
  exitsArmed = false;
  epoch = 0;
  /** Live master smss instances of the current epoch. */
  masters: ProcNode[] = [];
  rebootCheck: RebootCheck | null = null;
  liveCount = 0;
  /** Events that arrived after the watermark had passed their time. */
  lateEvents = 0;
  /** Deadlines that could not be judged because the host never sent an EventID 5. */
  unjudged = 0;

  constructor(
    readonly key: string,
    /** Host name as first seen. */
    readonly name: string,
  ) {}
}
