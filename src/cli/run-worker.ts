// The thread `proctree run` processes on (see run.ts): runs the processor, stops it when the main
// thread forwards a signal, and reports the exit code.

import { parentPort, workerData } from 'node:worker_threads';
import { runKafka } from './run-action.js';
import type { RunCliOptions } from './run.js';

const port = parentPort!;
const { file, opts } = workerData as { file: string; opts: RunCliOptions };
const stopRequested = new Promise<string>((resolve) => port.on('message', (m: { stop?: string }) => m.stop !== undefined && resolve(m.stop)));
// The thread ends once the processor has closed its connections, not when the port is idle.
port.unref();
port.postMessage({ code: await runKafka(file, opts, stopRequested) });
