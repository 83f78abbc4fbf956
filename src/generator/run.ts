// Drives a fleet into an output: batches of events, awaiting the output between batches,
// optionally paced to a wall-clock rate (live load), with progress callbacks.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Fleet } from './fleet.js';
import type { EventOutput } from './output.js';

export interface RunOptions {
  /** Stop after this many events (default: the end of the duration). */
  maxEvents?: number;
  /** Wall-clock events per second; undefined or 0 = as fast as possible. */
  rate?: number;
  onProgress?: (written: number, eventTime: number) => void;
  /** Checked between batches: stop early (Ctrl-C). */
  stopped?: () => boolean;
}

export interface RunResult {
  events: number;
  bytes: number;
  seconds: number;
}

const BATCH = 16_384;

export async function runFleet(fleet: Fleet, output: EventOutput, o: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const rate = o.rate !== undefined && o.rate > 0 ? o.rate : 0;
  // Paced runs write small batches often so that the stream is smooth at the target rate.
  const batch = rate > 0 ? Math.max(1, Math.min(BATCH, Math.round(rate / 20))) : BATCH;
  const max = o.maxEvents ?? Infinity;
  while (!fleet.done && o.stopped?.() !== true) {
    fleet.fill(output, batch, max);
    if (output.full || rate > 0) await output.drain();
    o.onProgress?.(fleet.written, fleet.eventTime);
    if (rate > 0) {
      const due = started + (fleet.written / rate) * 1000;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
    }
  }
  await output.drain();
  return { events: fleet.written, bytes: output.bytes, seconds: (performance.now() - started) / 1000 };
}
