// `proctree replay`: the bounded pipeline. Read it top to bottom:
//
//   files (xml, jsonl, evtx, stdin) -> decode -> engine (index + rules) -> sinks (alerts, errors, progress)
//
// composed as one RxJS pipeline of batches (one per input chunk, never one emission per event).
// The source is pulled through a gate: the next chunk is read only once the batch before it is
// through the sinks, so a slow sink slows the reading instead of letting batches pile up. At
// the end, deadlines the data has passed fire (engine.finish) and go through the same sinks.

// rxjs' modules one by one: its index loads all of rxjs (~40 ms of every replay's start-up).
import { lastValueFrom } from 'rxjs/internal/lastValueFrom';
import { concat } from 'rxjs/internal/observable/concat';
import { defer } from 'rxjs/internal/observable/defer';
import { concatMap } from 'rxjs/internal/operators/concatMap';
import { map } from 'rxjs/internal/operators/map';
import { tap } from 'rxjs/internal/operators/tap';
import type { Alert } from '../alerts/alert.js';
import { BatchDecoder } from '../decode/batch-decoder.js';
import { DecodeCounters } from '../decode/counters.js';
import type { SysmonEvent } from '../decode/event.js';
import { Engine } from '../engine/engine.js';
import { batchErrors, type ErrorRecord, type SourceBatch } from '../sources/batch.js';
import { readFiles, type FileSourceOptions } from '../sources/files/read-files.js';
import type { PipelineConfig } from './config.js';
import { Gate, pullThrough } from './flow.js';
import { collectStats, type RunStats } from '../engine/run-stats.js';

export interface AlertSink {
  /** Resolves once the sink can take more (backpressure). */
  write(alerts: readonly Alert[]): Promise<void>;
}

export interface ReplayOptions {
  paths: readonly string[];
  config: PipelineConfig;
  sink: AlertSink;
  onError?: (e: ErrorRecord) => void;
  /** After each batch: input bytes and Sysmon events so far. */
  onProgress?: (bytes: number, events: number) => void;
  /**
   * After the engine ran on each batch: that batch's events and the alerts they raised; once more
   * at the end with no events and the alerts of `engine.finish`. Synchronous; the events are only
   * valid during the call (copy what you keep, with ownString).
   */
  onBatch?: (events: readonly SysmonEvent[], alerts: readonly Alert[]) => void;
  onFile?: FileSourceOptions['onFile'];
  readBinary?: FileSourceOptions['readBinary'];
  /** Batches read ahead of the sinks (default 1: the next is read when the last is written). */
  inFlight?: number;
}

export interface ReplayResult {
  stats: RunStats;
  engine: Engine;
  /** Most batches that were between the source and the end of the sinks at once. */
  peakInFlight: number;
}

/** A batch on its way through the stages. */
interface Judged {
  batch: SourceBatch;
  events: SysmonEvent[];
  errors: ErrorRecord[];
  alerts: Alert[];
}

/**
 * Framed raw records of every input of a replay; `counted` is told of each file opened; `shared`:
 * chunks in shared memory (FileSourceOptions.shared).
 */
export function replaySource(opts: ReplayOptions, counters: DecodeCounters, counted: () => void, shared = false): AsyncGenerator<SourceBatch> {
  return readFiles(opts.paths, {
    counters,
    maxEventBytes: opts.config.decode.max_event_bytes,
    onFile: (path, size) => {
      counted();
      opts.onFile?.(path, size);
    },
    readBinary: opts.readBinary,
    shared,
  });
}

export async function replay(opts: ReplayOptions): Promise<ReplayResult> {
  const started = process.hrtime.bigint();
  const counters = new DecodeCounters();
  const decoder = new BatchDecoder(counters);
  const engine = new Engine(opts.config);
  const gate = new Gate(opts.inFlight ?? 1);
  let bytes = 0;
  let files = 0;

  // Source: framed raw records of every input, pulled through the gate.
  const source = replaySource(opts, counters, () => files++);

  // Decode: raw records -> typed events, problems -> error records.
  const decode = (batch: SourceBatch): Judged => {
    const d = decoder.decode(batch.records);
    return { batch, events: d.events, errors: batchErrors(batch, d.problems), alerts: [] };
  };

  // Engine: index + rules, deterministic per event.
  const judge = (j: Judged): Judged => {
    engine.process(j.events, j.alerts);
    opts.onBatch?.(j.events, j.alerts);
    return j;
  };

  // Sinks: error records, progress, then the alerts (which may wait for the output to drain).
  const write = async (j: Judged): Promise<Judged> => {
    bytes += j.batch.bytes;
    if (opts.onError !== undefined) for (const e of j.errors) opts.onError(e);
    opts.onProgress?.(bytes, counters.sysmonEvents);
    await opts.sink.write(j.alerts);
    return j;
  };

  // End of input: each host's clock moves to its last event, deadlines the data passed fire.
  const finish = async (): Promise<void> => {
    const tail: Alert[] = [];
    engine.finish(tail);
    opts.onBatch?.([], tail);
    await opts.sink.write(tail);
  };

  const batches$ = pullThrough(source, gate).pipe(
    map(decode),
    map(judge),
    concatMap(write),
    tap(() => gate.release()),
  );
  await lastValueFrom(concat(batches$, defer(finish)), { defaultValue: undefined });

  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { stats: collectStats(engine, counters, files, bytes, seconds), engine, peakInFlight: gate.peak };
}
