// `proctree run pipelines/kafka.yaml`: the streaming processor. Runs until SIGINT/SIGTERM, then
// stops gracefully (finish the batch, commit, leave the group) and exits 0.
//
// The processor runs on a worker thread, whose young generation can be sized (resourceLimits);
// the main thread only forwards signals and waits. Each event leaves a few KB of short-lived
// garbage (the message, its decoded strings, kafkajs' record objects): with V8's default young
// generation, scavenges and the objects they promote too early took a quarter of the CPU.
// The processor itself is in run-action.ts, loaded by the worker.

import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { Command } from 'commander';
import { EXIT_FATAL } from './exit-codes.js';

export interface RunCliOptions {
  logLevel: string;
}

/** Young generation of the processor's thread: 3 semi-spaces of 64 MB (V8's default is 16 MB each). */
const YOUNG_GENERATION_MB = 192;

export function runCommand(setExit: (code: number) => void): Command {
  return new Command('run')
    .summary('stream a Kafka topic of Sysmon events through the process trees and rules')
    .description(
      'Consume Sysmon events (Windows Event XML, or JSON with event.original / EventXML) from the\n' +
        'pipeline\'s source topic as a consumer group member, write alerts to the sink topic, undecodable\n' +
        'messages to the dead-letter topic and host snapshots to the state topic. KAFKA_BROKERS\n' +
        '(host:port,...) overrides source.brokers. SIGINT/SIGTERM stop it gracefully.\n\n' +
        'Exit codes: 0 stopped by a signal, 1 fatal error.',
    )
    .argument('<pipeline>', 'pipeline YAML with source.kind: kafka and sink.kind: kafka (see pipelines/kafka.yaml)')
    .option('--log-level <level>', 'pino log level on stderr (fatal, error, warn, info, debug)', 'info')
    .action(async (pipeline: string, opts: RunCliOptions) => {
      setExit(await runKafkaCli(pipeline, opts));
    });
}

/** Starts the processor on its worker thread and forwards SIGINT/SIGTERM to it (workers receive no signals). */
export async function runKafkaCli(file: string, opts: RunCliOptions): Promise<number> {
  const worker = new Worker(new URL('./run-worker.js', import.meta.url), {
    workerData: { file, opts },
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
  });
  let code = EXIT_FATAL;
  worker.on('message', (m: { code?: number }) => {
    if (typeof m.code === 'number') code = m.code;
  });
  worker.on('error', (e) => process.stderr.write(`proctree: fatal: ${e.stack ?? String(e)}\n`));
  const forward = (signal: NodeJS.Signals) => worker.postMessage({ stop: signal });
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  try {
    await once(worker, 'exit');
    return code;
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  }
}
