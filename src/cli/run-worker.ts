// The thread `proctree run` processes on (see run.ts): runs the processor, stops it when the main
// thread forwards a signal, and reports the exit code.

import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { runKafka } from './run-action.js';
import type { RunCliOptions } from './run.js';

const port = parentPort!;
const { file, opts, consumerPort } = workerData as { file: string; opts: RunCliOptions; consumerPort: MessagePort };
const stopRequested = new Promise<string>((resolve) => port.on('message', (m: { stop?: string }) => m.stop !== undefined && resolve(m.stop)));
port.unref();
const code = await runKafka(file, opts, stopRequested, consumerPort);
port.postMessage({ code });
// The processor has committed and closed what it opened. What kafkajs may still hold (a send of a
// connection abandoned during an outage, retrying and reconnecting by itself) must not keep the
// thread, and so the process, alive: end the thread here (in a worker, process.exit ends the
// thread only).
process.exit(code);
