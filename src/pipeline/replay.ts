// Batch replay: files -> decode -> index -> rules -> sink, composed as one RxJS pipeline whose
// emissions are batches (one per input chunk), never single events.

import { concatMap, from, lastValueFrom, defaultIfEmpty } from 'rxjs';
import type { Alert } from '../alerts/alert.js';
import { DecodeCounters } from '../decode/counters.js';
import type { SysmonEvent } from '../decode/event.js';
import type { ErrorRecord, EventBatch } from '../sources/batch.js';
import { readFiles, type FileSourceOptions } from '../sources/files/read-files.js';
import type { PipelineConfig } from './config.js';
import { Engine } from './engine.js';
import { collectStats, type RunStats } from './run-stats.js';

export interface AlertSink {
  write(alerts: readonly Alert[]): Promise<void>;
}

export interface ReplayOptions {
  paths: readonly string[];
  config: PipelineConfig;
  sink: AlertSink;
  onError?: (e: ErrorRecord) => void;
  /** After each batch: input bytes and Sysmon events so far. */
  onProgress?: (bytes: number, events: number) => void;
  onFile?: FileSourceOptions['onFile'];
  readBinary?: FileSourceOptions['readBinary'];
  /**
   * After the engine ran on each batch: that batch's events and the alerts they raised; once more
   * at the end with no events and the alerts of `engine.finish`. Synchronous; the events are only
   * valid during the call (copy what you keep, with ownString).
   */
  onBatch?: (events: readonly SysmonEvent[], alerts: readonly Alert[]) => void;
}

export interface ReplayResult {
  stats: RunStats;
  engine: Engine;
}

export async function replay(opts: ReplayOptions): Promise<ReplayResult> {
  const started = process.hrtime.bigint();
  const counters = new DecodeCounters();
  const engine = new Engine(opts.config);
  let bytes = 0;
  let files = 0;
  const source = readFiles(opts.paths, {
    counters,
    maxEventBytes: opts.config.decode.max_event_bytes,
    onFile: (path, size) => {
      files++;
      opts.onFile?.(path, size);
    },
    readBinary: opts.readBinary,
  });

  const handle = async (batch: EventBatch): Promise<void> => {
    const alerts: Alert[] = [];
    engine.process(batch.events, alerts);
    opts.onBatch?.(batch.events, alerts);
    bytes += batch.bytes;
    if (opts.onError !== undefined) for (const e of batch.errors) opts.onError(e);
    opts.onProgress?.(bytes, counters.sysmonEvents);
    await opts.sink.write(alerts);
  };

  await lastValueFrom(from(source).pipe(concatMap(handle), defaultIfEmpty(undefined)));
  const tail: Alert[] = [];
  engine.finish(tail);
  opts.onBatch?.([], tail);
  await opts.sink.write(tail);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { stats: collectStats(engine, counters, files, bytes, seconds), engine };
}
