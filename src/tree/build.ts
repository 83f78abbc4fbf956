// The process tree of one host at a moment of event time: the inputs are replayed through the
// pipeline (replay()), and through its onBatch hook this host's events up to that moment go into
// an engine of our own, whose index then holds the host's tree as it stood. Other hosts' events
// and later ones never reach it.

import type { Alert } from '../alerts/alert.js';
import type { SysmonEvent } from '../decode/event.js';
import type { HostState } from '../index/host-state.js';
import type { PipelineConfig } from '../pipeline/config.js';
import { Engine } from '../engine/engine.js';
import { replay, type ReplayOptions } from '../pipeline/replay.js';
import type { RunStats } from '../engine/run-stats.js';

export interface HostTreeRequest {
  paths: readonly string[];
  config: PipelineConfig;
  /** Host name, any case; a short name ('ws01') also finds 'WS01.corp.example' if only one host has it. */
  host: string;
  /** Event time (ms): events after it are left out. */
  at?: number;
  readBinary?: ReplayOptions['readBinary'];
  onError?: ReplayOptions['onError'];
}

export interface SeenHost {
  name: string;
  events: number;
  first: number;
  last: number;
}

export type HostTreeResult =
  /** events: the host's events up to --at that went into its tree. */
  | { kind: 'found'; host: HostState; events: number; seen: SeenHost; stats: RunStats }
  | { kind: 'unknown'; known: SeenHost[]; stats: RunStats }
  | { kind: 'ambiguous'; matches: SeenHost[]; stats: RunStats }
  | { kind: 'nothing-yet'; seen: SeenHost; stats: RunStats };

const NO_SINK = { write: async (): Promise<void> => undefined };

function isShortNameOf(key: string, short: string): boolean {
  return key.length > short.length && key.startsWith(short) && key.charCodeAt(short.length) === 46; // '.'
}

export async function buildHostTree(req: HostTreeRequest): Promise<HostTreeResult> {
  const want = req.host.trim().toLowerCase();
  const at = req.at ?? Infinity;
  const engine = new Engine(req.config);
  const seen = new Map<string, SeenHost>();
  const picked: SysmonEvent[] = [];
  const discard: Alert[] = [];
  const applied = new Map<string, number>();

  const onBatch = (events: readonly SysmonEvent[]): void => {
    picked.length = 0;
    for (const ev of events) {
      let s = seen.get(ev.hostKey);
      if (s === undefined) seen.set(ev.hostKey, (s = { name: ev.host, events: 0, first: ev.time, last: ev.time }));
      s.events++;
      if (ev.time < s.first) s.first = ev.time;
      if (ev.time > s.last) s.last = ev.time;
      if (ev.time <= at && (ev.hostKey === want || isShortNameOf(ev.hostKey, want))) {
        picked.push(ev);
        applied.set(ev.hostKey, (applied.get(ev.hostKey) ?? 0) + 1);
      }
    }
    if (picked.length === 0) return;
    engine.process(picked, discard);
    discard.length = 0;
  };

  const { stats } = await replay({ paths: req.paths, config: req.config, sink: NO_SINK, onBatch, readBinary: req.readBinary, onError: req.onError });
  engine.finish(discard);

  const exact = seen.get(want);
  const byShortName = [...seen.entries()].filter(([k]) => isShortNameOf(k, want));
  const key = exact !== undefined ? want : byShortName.length === 1 ? byShortName[0][0] : null;
  if (key === null) {
    if (byShortName.length > 1) return { kind: 'ambiguous', matches: byShortName.map(([, s]) => s).sort((a, b) => a.name.localeCompare(b.name)), stats };
    return { kind: 'unknown', known: [...seen.values()].sort((a, b) => b.events - a.events || a.name.localeCompare(b.name)), stats };
  }
  const host = engine.index.hosts.get(key);
  if (host === undefined) return { kind: 'nothing-yet', seen: seen.get(key)!, stats };
  return { kind: 'found', host, events: applied.get(key) ?? 0, seen: seen.get(key)!, stats };
}
