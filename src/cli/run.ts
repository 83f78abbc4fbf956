// `proctree run pipelines/kafka.yaml`: the streaming processor. Runs until SIGINT/SIGTERM, then
// stops gracefully (finish the batch, commit, leave the group) and exits 0.
//
// The processor runs on a worker thread, whose young generation can be sized (resourceLimits);
// the main thread forwards signals, bounds the stop, and runs the Kafka consumer for it
// (kafka/thread-consumer.ts): fetching and decoding fetch responses cost about as much CPU per
// message as the processor's own work, and here they run beside it instead of before it.
// Each event leaves a few KB of short-lived garbage (the message, its decoded strings): with V8's
// default young generation, scavenges and the objects they promote too early took a quarter of
// the CPU. The processor itself is in run-action.ts, loaded by the worker.

import { once } from 'node:events';
import { MessageChannel, Worker } from 'node:worker_threads';
import { Command, InvalidArgumentError } from 'commander';
import { EXIT_FATAL } from './exit-codes.js';
import { createLogger } from './logger.js';
import type { RunClientSpec } from './run-client.js';
import { onStopSignal } from './signals.js';

export interface RunCliOptions {
  logLevel: string;
  /** After the first SIGINT/SIGTERM, how long the graceful stop may take (seconds). */
  stopTimeoutSecs: number;
}

/** Young generation of the processor's thread: 3 semi-spaces of 64 MB (V8's default is 16 MB each). */
const YOUNG_GENERATION_MB = 192;

/**
 * Default bound of a graceful stop: well within Kubernetes' default terminationGracePeriodSeconds
 * (30 s, then SIGKILL) and above what a stop takes with a healthy broker (under a second to
 * finish a batch, commit and leave; a few seconds when the stop comes during a group join, which
 * is let finish so that the member leaves instead of keeping the next one waiting).
 */
export const DEFAULT_STOP_TIMEOUT_SECS = 20;

/** How long the main thread waits for consumers its worker left open to leave the group. */
const CLOSE_CONSUMERS_MS = 5000;

async function settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => {}), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

function positiveSeconds(raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number of seconds > 0');
  return n;
}

export function runCommand(setExit: (code: number) => void): Command {
  return new Command('run')
    .summary('stream a Kafka topic of Sysmon events through the process trees and rules')
    .description(
      'Consume Sysmon events (Windows Event XML, or JSON with event.original / EventXML) from the\n' +
        'pipeline\'s source topic as a consumer group member, write alerts to the sink topic, undecodable\n' +
        'messages to the dead-letter topic and host snapshots to the state topic. KAFKA_BROKERS\n' +
        '(host:port,...) overrides source.brokers. A lost broker connection is retried with backoff.\n' +
        'SIGINT/SIGTERM stop it gracefully at any moment (finish the batch, commit, leave the group);\n' +
        'a second signal, or a stop that takes longer than --stop-timeout-secs, exits at once without\n' +
        'committing (the partitions\' next owner redoes what was not committed).\n\n' +
        'Exit codes: 0 stopped by a signal, 1 fatal error or a forced stop.',
    )
    .argument('<pipeline>', 'pipeline YAML with source.kind: kafka and sink.kind: kafka (see pipelines/kafka.yaml)')
    .option('--log-level <level>', 'pino log level on stderr (fatal, error, warn, info, debug)', 'info')
    .option('--stop-timeout-secs <secs>', 'how long a graceful stop may take before the processor is ended without committing', positiveSeconds, DEFAULT_STOP_TIMEOUT_SECS)
    .action(async (pipeline: string, opts: RunCliOptions) => {
      setExit(await runKafkaCli(pipeline, opts));
    });
}

/**
 * Starts the processor on its worker thread and forwards SIGINT/SIGTERM to it (workers receive no
 * signals). The stop is bounded here, on the main thread, whatever the worker is doing: a second
 * signal, or the stop timeout, terminates the worker.
 */
export async function runKafkaCli(file: string, opts: RunCliOptions): Promise<number> {
  const log = createLogger(opts.logLevel);
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./run-worker.js', import.meta.url), {
    workerData: { file, opts, consumerPort: port2 },
    transferList: [port2],
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
  });
  // Loaded once the worker is starting, so that kafkajs' loading does not delay it; the worker's
  // messages wait on the port until then.
  const [{ serveConsumers }, { createRunClient }] = await Promise.all([import('../kafka/thread-consumer.js'), import('./run-client.js')]);
  const consumers = serveConsumers(port1, (spec: RunClientSpec) => createRunClient(spec, log));
  let code: number | undefined;
  worker.on('message', (m: { code?: number }) => {
    if (typeof m.code === 'number') code = m.code;
  });
  worker.on('error', (e) => process.stderr.write(`proctree: fatal: ${e.stack ?? String(e)}\n`));
  let stopping: NodeJS.Signals | undefined;
  let forced = false;
  let deadline: NodeJS.Timeout | undefined;
  const force = (why: string) => {
    if (forced) return;
    forced = true;
    log.error({ signal: stopping }, `${why}: exiting now without committing; the partitions' next owner redoes what was not committed`);
    void worker.terminate();
    // Nothing may hold the process after this (unref: it fires only if something else keeps the loop alive).
    setTimeout(() => process.exit(EXIT_FATAL), 3000).unref();
  };
  const release = onStopSignal((signal) => {
    if (stopping === undefined) {
      stopping = signal;
      worker.postMessage({ stop: signal });
      deadline = setTimeout(() => force(`the graceful stop took longer than ${opts.stopTimeoutSecs} s (--stop-timeout-secs)`), opts.stopTimeoutSecs * 1000);
    } else {
      force(`a second ${signal} while stopping`);
    }
  });
  try {
    // The worker ends itself with the processor's exit code (run-worker.ts); 1 after an uncaught error.
    const [exitCode] = (await once(worker, 'exit')) as [number];
    if (forced) {
      // At once: the consumer the worker left open (in a join that does not end, say) must not hold the process.
      void consumers.close();
      setTimeout(() => process.exit(EXIT_FATAL), 100).unref();
      return EXIT_FATAL;
    }
    // A worker that ended without closing its consumer (an uncaught error): leave the group now.
    await settleWithin(consumers.close(), CLOSE_CONSUMERS_MS);
    return code ?? exitCode;
  } finally {
    clearTimeout(deadline);
    release();
  }
}
