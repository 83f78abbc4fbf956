// Everything the index and the rules keep about one host.

import type { HostLogging } from './host-logging.js';
import { NodeTable } from './node-table.js';
import { PidTable } from './pid-table.js';
import type { ProcNode } from './process-node.js';
import { TimerHeap } from './timers.js';

/** A new boot started (a master smss) while processes of an earlier boot epoch are alive. */
export interface RebootCheck {
  master: ProcNode;
  /** The earlier epoch had a master with no exit (so an actor from it means two live masters). */
  oldMaster: ProcNode | null;
  /**
   * Since when the new boot is known to run: the master's creation, or for a boot whose master
   * creation was not logged, the creation of its first child smss.
   */
  since: number;
}

/**
 * What a host has shown it logs, in HostState.seen: a rule whose evidence never showed up on a
 * host had nothing to judge there, and the summary says so rather than let its silence pass for
 * a verdict.
 */
export const SEEN = {
  /** An smss.exe creation (EventID 1). */
  smssCreation: 1,
  /** A master smss creation (an smss.exe whose parent is System). */
  masterCreation: 2,
  /** A child smss creation (an smss.exe whose parent is an smss.exe). */
  childSmssCreation: 4,
  /** A creation of anything by an smss.exe. */
  creationBySmss: 8,
  /** A registry event (EventID 12, 13 or 14). */
  registryEvent: 16,
} as const;

export class HostState {
  readonly nodes = new NodeTable();
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
  /** The host has sent at least one EventID 5. */
  exitsArmed = false;
  /**
   * Per boot epoch, the kinds of image (process-node.ts, imageClass) whose exits the host sent:
   * exit-based rules judge a process only if its own boot logged exits of its kind. A host whose
   * configuration logs the exits of programs under C:\Users sends EventID 5, and none for
   * System32; and one host name can carry captures of different configurations (a folder of
   * exports from several incidents): exits logged in 2021 say nothing about 2020.
   */
  readonly exitClasses = new Map<number, number>();
  /** SEEN bits: the kinds of evidence this host has logged. */
  seen = 0;
  epoch = 0;
  /** Live master smss instances of the current epoch (logged, or known from their children's Parent* fields). */
  masters: ProcNode[] = [];
  rebootCheck: RebootCheck | null = null;
  liveCount = 0;
  /**
   * The live process holding each PID, latest boot first: Windows never gives a live process's
   * PID to another, so a creation that reuses one closes its holder of the same boot.
   */
  readonly pids = new PidTable();
  /** Events that arrived after the watermark had passed their time. */
  lateEvents = 0;
  /** Child smss exit deadlines that could not be judged (their exits are not logged) and nothing proved since. */
  unjudged = 0;

  constructor(
    readonly key: string,
    /** Host name as first seen. */
    readonly name: string,
    /** The Sysmon configuration the pipeline says this host runs; null: learn what it logs from what it sends. */
    readonly sysmon: HostLogging | null = null,
  ) {
    // Counters that keep their first value until something rare happens (an eviction, a rewind,
    // a late event, a deadline not judged): V8 compiles a field that has never changed as a
    // constant, and throws that code away, with every caller that inlined it, when it first
    // changes (a recompilation of the replay's hottest functions). Changed here once, they are
    // ordinary fields from the first host on.
    this.evictHead = this.rewinds = this.lateEvents = this.unjudged = -1;
    this.evictHead = this.rewinds = this.lateEvents = this.unjudged = 0;
  }
}
