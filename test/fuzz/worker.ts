// One fuzz target in a worker thread of the long run (run.ts): rounds of fuzzOnce with fresh
// seeds until the time is up, each round's inputs and finding posted to the main thread. The
// input under test is copied into shared memory first, so that a watchdog on the main thread can
// save it when this thread hangs or runs out of heap.

import { parentPort, workerData } from 'node:worker_threads';
import { fuzzOnce } from './harness.js';
import { TARGETS } from './targets.js';

export interface WorkerInput {
  target: string;
  deadline: number;
  seed: number;
  perInputMs: number;
  /** [0]: inputs started, [1]: length of the current input; the input's bytes from byte 8. */
  shared: SharedArrayBuffer;
}

export type WorkerMessage =
  | { type: 'round'; inputs: number; failure?: { message: string; bytes: Uint8Array; seed: number; path: string } }
  | { type: 'done' };

const input = workerData as WorkerInput;
const target = TARGETS.find((t) => t.name === input.target);
if (!target) throw new Error(`no fuzz target ${input.target}`);
const counters = new Int32Array(input.shared, 0, 2);
const current = new Uint8Array(input.shared, 8);
const post = (m: WorkerMessage): void => parentPort!.postMessage(m);

for (let round = 0; Date.now() < input.deadline; round++) {
  const r = await fuzzOnce(target, {
    seed: (input.seed + round * 7919) | 0,
    timeLimitMs: Math.max(1, input.deadline - Date.now()),
    perInputMs: input.perInputMs,
    onInput(bytes) {
      const n = Math.min(bytes.length, current.length);
      current.set(bytes.subarray(0, n));
      Atomics.store(counters, 1, n);
      Atomics.add(counters, 0, 1);
    },
  });
  post({ type: 'round', inputs: r.inputs, failure: r.failure });
}
post({ type: 'done' });
