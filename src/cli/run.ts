// `proctree run pipelines/kafka.yaml`: the streaming processor. Runs until SIGINT/SIGTERM, then
// stops gracefully (finish the batch, commit, leave the group) and exits 0.

import { Command } from 'commander';
import { createKafkajsClient } from '../kafka/kafkajs-client.js';
import { KafkaProcessor, ProcessorError } from '../kafka/processor.js';
import { PipelineMetrics } from '../metrics/pipeline-metrics.js';
import { MetricsServerError, startMetricsServer, type MetricsServer } from '../metrics/server.js';
import { ConfigError, loadPipeline, type PipelineConfig } from '../pipeline/config.js';
import { EXIT_FATAL, EXIT_OK } from './exit-codes.js';
import { createLogger } from './logger.js';

interface RunCliOptions {
  logLevel: string;
}

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

export async function runKafkaCli(file: string, opts: RunCliOptions): Promise<number> {
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
  const stop = (signal: string) => {
    log.info({ signal }, 'stopping: finishing the batch in progress, committing, leaving the group');
    void processor.stop();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
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
    process.stderr.write(`proctree: fatal: ${(e as Error).stack ?? String(e)}\n`);
    await processor.stop();
    return EXIT_FATAL;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await server?.close();
  }
}
