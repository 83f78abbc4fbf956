// `proctree run pipelines/kafka.yaml`: the streaming processor. Runs until SIGINT/SIGTERM, then
// stops gracefully (finish the batch, commit, leave the group) and exits 0.
//
// The processor runs on a worker thread, whose young generation can be sized (resourceLimits);
// the main thread only forwards signals and waits. Each event leaves a few KB of short-lived
// garbage (the message, its decoded strings, kafkajs' record objects): with V8's default young
// generation, scavenges and the objects they promote too early took a quarter of the CPU.

import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { Command } from 'commander';
import { KafkaClientError } from '../kafka/client.js';
import { createKafkajsClient } from '../kafka/kafkajs-client.js';
import { KafkaProcessor, ProcessorError } from '../kafka/processor.js';
import { PipelineMetrics } from '../metrics/pipeline-metrics.js';
import { MetricsServerError, startMetricsServer, type MetricsServer } from '../metrics/server.js';
import { ConfigError, loadPipeline, type PipelineConfig } from '../pipeline/config.js';
import { EXIT_FATAL, EXIT_OK } from './exit-codes.js';
import { createLogger } from './logger.js';

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

/** KAFKA_BROKERS wins over the YAML, so one pipeline file serves a laptop and docker-compose. */
export function withBrokersFromEnv(config: PipelineConfig, env: NodeJS.ProcessEnv): PipelineConfig {
  const raw = env.KAFKA_BROKERS?.trim();
  if (!raw || config.source.kind !== 'kafka') return config;
  const brokers = raw.split(',').map((b) => b.trim()).filter(Boolean);
  return Object.freeze({ ...config, source: { ...config.source, brokers } });
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

/** The processor itself, until `stopRequested` resolves (with the signal's name) or a fatal error. */
export async function runKafka(file: string, opts: RunCliOptions, stopRequested: Promise<string>): Promise<number> {
  const log = createLogger(opts.logLevel);
  let config: PipelineConfig;
  try {
    config = withBrokersFromEnv(await loadPipeline(file), process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`proctree: ${e.message}\n`);
      return EXIT_FATAL;
    }
    throw e;
  }
  if (config.source.kind !== 'kafka' || config.sink.kind !== 'kafka') {
    process.stderr.write(`proctree: ${file}: source.kind and sink.kind must be kafka for proctree run (use proctree replay for files)\n`);
    return EXIT_FATAL;
  }
  const client = createKafkajsClient({ brokers: config.source.brokers, clientId: config.source.client_id, logger: log });
  const metrics = new PipelineMetrics();
  const processor = new KafkaProcessor({ config, client, logger: log, metrics });
  let server: MetricsServer | undefined;
  void stopRequested.then((signal) => {
    log.info({ signal }, 'stopping: finishing the batch in progress, committing, leaving the group');
    void processor.stop();
  });
  try {
    if (config.metrics.port !== null) {
      server = await startMetricsServer({ port: config.metrics.port, host: config.metrics.host, registry: metrics.registry, health: () => processor.health() });
      log.info({ port: server.port }, 'metrics on /metrics, health on /healthz');
    }
    await processor.start();
    log.info({ topic: config.source.topic, group: config.source.group_id, brokers: config.source.brokers }, 'consuming');
    await processor.done;
    log.info('stopped');
    return EXIT_OK;
  } catch (e) {
    if (e instanceof ProcessorError || e instanceof MetricsServerError) {
      process.stderr.write(`proctree: ${e.message}\n`);
      await processor.stop();
      return EXIT_FATAL;
    }
    const kafka = kafkaCauses(e);
    process.stderr.write(
      kafka !== null
        ? `proctree: Kafka at ${config.source.brokers.join(',')} failed: ${kafka}. Check source.brokers (or KAFKA_BROKERS) and that the brokers run; \`npm run broker:start\` starts a local one.\n`
        : `proctree: fatal: ${(e as Error).stack ?? String(e)}\n`,
    );
    await processor.stop();
    return EXIT_FATAL;
  } finally {
    await server?.close();
  }
}

/** The messages of a Kafka client error and its causes ("a: b: c"), or null for other errors. */
function kafkaCauses(e: unknown): string | null {
  if (!(e instanceof KafkaClientError) && !(e instanceof Error && e.name.startsWith('KafkaJS'))) return null;
  const parts: string[] = [];
  for (let c: unknown = e; c instanceof Error && parts.length < 5; c = c.cause ?? (c as { originalError?: unknown }).originalError) {
    if (c.message !== '' && !parts.includes(c.message)) parts.push(c.message);
  }
  return parts.join(': ') || (e as Error).name;
}
