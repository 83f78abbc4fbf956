// Runs one fuzz target for a time budget with fast-check: seeded, every input timed, the first
// failure shrunk to a small counterexample. Used by the short run in the test suite
// (fuzz.test.ts) and, in worker threads, by the long run (run.ts).

import fc from 'fast-check';
import { Scratch, type FuzzTarget } from './targets.js';

export interface FuzzRunOptions {
  seed: number;
  /** Stop generating inputs after this long (the shrinking of a failure may add to it). */
  timeLimitMs: number;
  /** An input that takes longer than this is a finding (a hang in the making). */
  perInputMs: number;
  /** Called with each input's bytes before it runs (the long run's watchdog keeps the last one). */
  onInput?: (bytes: Buffer) => void;
}

export interface FuzzFailure {
  message: string;
  bytes: Buffer;
  seed: number;
  path: string;
}

export interface FuzzRunResult {
  target: string;
  inputs: number;
  shrinks: number;
  failure?: FuzzFailure;
}

export async function fuzzOnce(target: FuzzTarget<never>, opts: FuzzRunOptions): Promise<FuzzRunResult> {
  const scratch = new Scratch();
  try {
    let inputs = 0;
    const property = fc.asyncProperty(target.arbitrary(), async (input: never) => {
      inputs++;
      opts.onInput?.(target.bytes(input));
      const t0 = performance.now();
      await target.run(input, scratch);
      const ms = performance.now() - t0;
      if (ms > opts.perInputMs) throw new Error(`slow input: ${Math.round(ms)} ms (bound ${opts.perInputMs} ms)`);
    });
    const r = await fc.check(property, {
      seed: opts.seed,
      numRuns: Number.MAX_SAFE_INTEGER,
      interruptAfterTimeLimit: opts.timeLimitMs,
      markInterruptAsFailure: false,
      // Shrinking re-runs inputs; bound it so that one finding cannot eat the whole budget.
      skipAllAfterTimeLimit: opts.timeLimitMs + 60_000,
    });
    const result: FuzzRunResult = { target: target.name, inputs, shrinks: r.numShrinks };
    if (r.failed && r.counterexample !== null) {
      const [input] = r.counterexample as [never];
      const err = r.errorInstance as Error | undefined;
      result.failure = {
        message: err?.stack ?? String(err),
        bytes: target.bytes(input),
        seed: r.seed,
        path: r.counterexamplePath ?? '',
      };
    }
    return result;
  } finally {
    scratch.close();
  }
}
