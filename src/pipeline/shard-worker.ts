// One worker of a host-sharded replay (sharded-replay.ts). The main thread reads and frames the
// input and sends each chunk's bytes (shared memory) with the events of this worker's hosts; the
// worker decodes them in full, runs them through its own trees and rules, and answers with its
// alerts and error records, each tagged with the input position of the event that raised it, so
// that the main thread can put every worker's output back into single-thread order.

import { parentPort, workerData } from 'node:worker_threads';
import type { Alert } from '../alerts/alert.js';
import { DecodeCounters } from '../decode/counters.js';
import { SysmonDecoder, type DecodeOutcome } from '../decode/decoder.js';
import { SysmonEvent } from '../decode/event.js';
import { snippet, type DecodeProblem } from '../decode/problem.js';
import { Engine } from '../engine/engine.js';
import { collectStats, type RunStats } from '../engine/run-stats.js';
import type { ErrorRecord } from '../sources/batch.js';
import type { PipelineConfig } from './config.js';

export interface ShardTask {
  config: PipelineConfig;
}

/**
 * Events of one input chunk for this worker: event i is at `at[3i]..at[3i+1]` of the chunk, input
 * position `seq + at[3i+2]`. Integers (not a Float64Array): the decoder's positions stay small
 * integers, as the one-thread path's are (doubles there cost the worker ~13% of its CPU).
 */
export type ShardWork =
  | { type: 'xml'; id: number; source: string; bytes: SharedArrayBuffer; offset: number; length: number; base: number; seq: number; at: Int32Array }
  | { type: 'jsonl'; id: number; source: string; lines: string[]; lineNumbers: number[]; seq: number; at: Int32Array }
  | { type: 'end' };

/** Output of one chunk: alerts[i] was raised by the event at position alertSeq[i]. */
export interface ShardDone {
  type: 'done';
  id: number;
  alerts: Alert[];
  alertSeq: number[];
  errors: ErrorRecord[];
  errorSeq: number[];
  /** Sysmon events this worker decoded so far. */
  events: number;
}

/** End of input: the alerts of the end-of-input deadlines, tagged with the position where their host first appeared. */
export interface ShardEnd {
  type: 'end';
  tail: Alert[];
  tailSeq: number[];
  stats: RunStats;
}

export type ShardMessage = ShardDone | ShardEnd | { type: 'fail'; message: string };

export class ShardJudge {
  private readonly counters = new DecodeCounters();
  private readonly decoder = new SysmonDecoder(this.counters);
  private readonly engine: Engine;
  private readonly firstSeen = new Map<string, number>();
  private readonly one: SysmonEvent[] = [];
  private out: ShardDone = this.fresh(0);

  constructor(config: PipelineConfig) {
    this.engine = new Engine(config);
  }

  private fresh(id: number): ShardDone {
    return { type: 'done', id, alerts: [], alertSeq: [], errors: [], errorSeq: [], events: 0 };
  }

  work(w: Exclude<ShardWork, { type: 'end' }>): ShardDone {
    const out = (this.out = this.fresh(w.id));
    const at = w.at;
    const seq = w.seq;
    if (w.type === 'xml') {
      const buf = Buffer.from(w.bytes, w.offset, w.length);
      // The decoder reads the chunk's bytes: no string is made of the chunk or of an event.
      this.decoder.beginBytes(buf);
      for (let i = 0; i < at.length; i += 3) {
        const a = at[i];
        const b = at[i + 1];
        const p = this.take(this.decoder.decodeBytes(a, b, buf), seq + at[i + 2]);
        if (p !== null) this.problem(p, seq + at[i + 2], { reason: p.reason, message: p.message, source: w.source, offset: w.base + a, snippet: snippet(buf.toString('utf8', a, Math.min(b, a + 400))) });
      }
    } else {
      for (let i = 0; i < at.length; i += 3) {
        const k = at[i];
        const p = this.take(this.decoder.decodeJson(w.lines[k]), seq + at[i + 2]);
        if (p !== null) this.problem(p, seq + at[i + 2], { reason: p.reason, message: p.message, source: w.source, line: w.lineNumbers[k], snippet: snippet(w.lines[k]) });
      }
    }
    out.events = this.counters.sysmonEvents;
    return out;
  }

  /** Judge a decoded event; a problem is handed back for the caller to place. */
  private take(d: DecodeOutcome, seq: number): DecodeProblem | null {
    if (d === null) return null;
    if (!(d instanceof SysmonEvent)) return d;
    const out = this.out;
    if (!this.firstSeen.has(d.hostKey)) this.firstSeen.set(d.hostKey, seq);
    this.one[0] = d;
    const before = out.alerts.length;
    this.engine.process(this.one, out.alerts);
    for (let i = before; i < out.alerts.length; i++) out.alertSeq.push(seq);
    return null;
  }

  private problem(p: DecodeProblem, seq: number, record: ErrorRecord): void {
    this.counters.countError(p.reason);
    this.out.errors.push(record);
    this.out.errorSeq.push(seq);
  }

  /** End of input, as Engine.finish: hosts in the order they first appeared, each host's alerts in order. */
  end(): ShardEnd {
    const tail: Alert[] = [];
    this.engine.finish(tail);
    const tailSeq = tail.map((a) => this.firstSeen.get(a.host.toLowerCase()) ?? 0);
    return { type: 'end', tail, tailSeq, stats: collectStats(this.engine, this.counters, 0, 0, 0) };
  }
}

const port = parentPort;
if (port !== null) {
  const judge = new ShardJudge((workerData as ShardTask).config);
  port.on('message', (w: ShardWork) => {
    try {
      if (w.type === 'end') {
        port.postMessage(judge.end());
      } else {
        port.postMessage(judge.work(w));
      }
    } catch (e) {
      port.postMessage({ type: 'fail', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  });
}
