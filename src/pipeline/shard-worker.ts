// One worker of a host-sharded replay (sharded-replay.ts): frames every input, decodes and
// judges only the events of its own hosts, and posts, per input chunk, its alerts and error
// records tagged with the position of the event that raised them, so that the main thread can
// put every worker's output back into single-thread order.

import { parentPort, workerData } from 'node:worker_threads';
import type { Alert } from '../alerts/alert.js';
import { DecodeCounters } from '../decode/counters.js';
import { SysmonDecoder } from '../decode/decoder.js';
import { SysmonEvent } from '../decode/event.js';
import { DecodeProblem, snippet } from '../decode/problem.js';
import type { RecordProblem } from '../decode/records.js';
import { Engine } from '../engine/engine.js';
import { collectStats, type RunStats } from '../engine/run-stats.js';
import { batchErrors, type ErrorRecord, type SourceBatch } from '../sources/batch.js';
import { readFiles } from '../sources/files/read-files.js';
import type { PipelineConfig } from './config.js';
import { shardOfEvent, shardOfKey } from './host-shard.js';

export interface ShardTask {
  paths: string[];
  config: PipelineConfig;
  shard: number;
  shards: number;
}

/** Output of one input chunk: alerts[i] was raised by the event at position alertSeq[i]. */
export interface ShardChunk {
  type: 'chunk';
  alerts: Alert[];
  alertSeq: number[];
  errors: ErrorRecord[];
  errorSeq: number[];
  /** Every event before this position has been judged by this worker. */
  horizon: number;
  /** Input bytes of the chunk (shard 0 only, for progress) and Sysmon events this worker decoded so far. */
  bytes: number;
  events: number;
}

/** End of input: the alerts of the end-of-input deadlines, tagged with the position where their host first appeared. */
export interface ShardEnd {
  type: 'end';
  tail: Alert[];
  tailSeq: number[];
  stats: RunStats;
}

export type ShardMessage = ShardChunk | ShardEnd | { type: 'fail'; message: string };

async function run(task: ShardTask, post: (m: ShardMessage) => void): Promise<void> {
  const { shard, shards, config } = task;
  const counters = new DecodeCounters();
  // Framing errors are every worker's to find but shard 0's to report and count.
  const sourceCounters = shard === 0 ? counters : new DecodeCounters();
  const decoder = new SysmonDecoder(counters);
  const engine = new Engine(config);
  const firstSeen = new Map<string, number>();
  const one: SysmonEvent[] = [];
  let seq = 0;

  let alerts: Alert[] = [];
  let alertSeq: number[] = [];
  let problems: RecordProblem[] = [];
  let problemSeq: number[] = [];

  const judge = (ev: SysmonEvent, at: number): void => {
    if (!firstSeen.has(ev.hostKey)) firstSeen.set(ev.hostKey, at);
    one[0] = ev;
    const before = alerts.length;
    engine.process(one, alerts);
    for (let i = before; i < alerts.length; i++) alertSeq.push(at);
  };

  const mine = (owner: number): boolean => owner === shard || (owner === -1 && shard === 0);

  for await (const batch of readFiles(task.paths, { counters: sourceCounters, maxEventBytes: config.decode.max_event_bytes })) {
    const framingErrors = shard === 0 ? batch.errors : [];
    const errorsFrom = seq;
    const r = batch.records;
    if (r.kind === 'xml') {
      decoder.beginChunk(r.text, r.bytes);
      for (let i = 0; i < r.bounds.length; i += 2, seq++) {
        const a = r.bounds[i];
        const b = r.bounds[i + 1];
        if (!mine(shardOfEvent(r.text, a, b, shards))) continue;
        const d = decoder.decodeRange(r.text, a, b, r.bytes);
        if (d === null) continue;
        if (d instanceof SysmonEvent) judge(d, seq);
        else problem(d, i >> 1, { offset: r.base + a, snippet: snippet(r.bytes.toString('utf8', a, Math.min(b, a + 400))) });
      }
    } else if (r.kind === 'jsonl') {
      // JSON lines carry the host in a layout-dependent place: one worker takes them all.
      for (let i = 0; i < r.lines.length; i++, seq++) {
        if (shard !== 0) continue;
        const d = decoder.decodeJson(r.lines[i]);
        if (d === null) continue;
        if (d instanceof SysmonEvent) judge(d, seq);
        else problem(d, i, { line: r.lineNumbers[i], snippet: snippet(r.lines[i]) });
      }
    } else {
      // Typed events (EVTX) and message values are not sharded here (sharded-replay.ts does not start workers for them).
      const events = r.kind === 'typed' ? r.events : [];
      for (let i = 0; i < events.length; i++, seq++) if (mine(shardOfKey(events[i].hostKey, shards))) judge(events[i], seq);
    }
    const errors = batchErrors({ ...batch, errors: framingErrors }, problems);
    // With framing errors in the chunk, batchErrors orders all of them by offset: they go out together.
    const errorSeq = framingErrors.length > 0 ? errors.map(() => errorsFrom) : problemSeq;
    post({ type: 'chunk', alerts, alertSeq, errors, errorSeq, horizon: seq, bytes: shard === 0 ? batch.bytes : 0, events: counters.sysmonEvents });
    alerts = [];
    alertSeq = [];
    problems = [];
    problemSeq = [];
  }

  // End of input, as Engine.finish: hosts in the order they first appeared, each host's alerts in order.
  const tail: Alert[] = [];
  engine.finish(tail);
  const byHost = new Map<string, number>();
  for (const [key, at] of firstSeen) byHost.set(key, at);
  const tailSeq = tail.map((a) => byHost.get(a.host.toLowerCase()) ?? 0);
  post({ type: 'end', tail, tailSeq, stats: collectStats(engine, counters, 0, 0, 0) });

  function problem(d: DecodeProblem, record: number, where: { offset?: number; line?: number; snippet: string }): void {
    counters.countError(d.reason);
    problems.push({ record, reason: d.reason, message: d.message, ...where });
    problemSeq.push(seq);
  }
}

const port = parentPort;
if (port !== null) {
  const post = (m: ShardMessage): void => port.postMessage(m);
  run(workerData as ShardTask, post).catch((e: unknown) => post({ type: 'fail', message: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
}
