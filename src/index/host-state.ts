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
  /** Latest event time ever seen, across rewinds (end of replay fires timers up to it). */
  maxTimeEver = -Infinity;
  /** Times the host's timeline jumped back by more than time_jump_secs. */
  rewinds = 0;
  /** maxTime minus allowed lateness: timers due at or before it fire. */
  watermark = -Infinity;
  /** The host has sent at least one EventID 5, so rules that need exits can judge it. */
  exitsArmed = false;
  /**
   * Boot epochs in which the host sent an EventID 5. Exit-based rules judge a process only if its
   * own boot logged exits: one host name can carry captures of different configurations (a
   * folder of exports from several incidents), and exits logged in 2021 say nothing about 2020.
   */
  readonly exitEpochs = new Set<number>();
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
