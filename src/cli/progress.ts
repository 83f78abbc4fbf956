// A progress bar on stderr for long runs, only when stderr is a terminal.

import { createRequire } from 'node:module';
import type CliProgress from 'cli-progress';

/** cli-progress is loaded only when a bar is shown (stderr is a terminal). */
const require = createRequire(import.meta.url);

export interface Progress {
  addTotal(bytes: number): void;
  update(bytes: number, events: number): void;
  stop(): void;
}

const NONE: Progress = { addTotal() {}, update() {}, stop() {} };

export function createProgress(enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY) return NONE;
  const cliProgress = require('cli-progress') as typeof CliProgress;
  const started = Date.now();
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: ' {bar} {percentage}% | {events} events | {mb} MB | {rate} events/s | {eta_formatted} left',
      barsize: 30,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let total = 0;
  bar.start(1, 0, { events: 0, mb: '0.0', rate: 0 });
  return {
    addTotal(bytes: number): void {
      total += bytes;
      bar.setTotal(Math.max(total, 1));
    },
    update(bytes: number, events: number): void {
      const secs = Math.max((Date.now() - started) / 1000, 0.001);
      bar.update(Math.min(bytes, Math.max(total, 1)), { events, mb: (bytes / 1e6).toFixed(1), rate: Math.round(events / secs) });
    },
    stop(): void {
      bar.stop();
    },
  };
}
