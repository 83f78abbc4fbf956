// `proctree run`, the work (on the worker thread, see run.ts): load the pipeline, start the
// stream pipeline and the metrics server, stop when asked.

import type { MessagePort } from 'node:worker_threads';
import { kafkaCauses } from '../kafka/client.js';
import { createKafkajsClient } from '../kafka/kafkajs-client.js';
import { consumersOnThread } from '../kafka/thread-consumer.js';
import { KafkaConnectError, KafkaSecurityError, checkBrokers, explainKafkaError, kafkajsSecurity, securityWarnings, type KafkajsSecurity } from '../kafka/security.js';
import { PipelineMetrics } from '../metrics/pipeline-metrics.js';
import { MetricsServerError, startMetricsServer, type MetricsServer } from '../metrics/server.js';
import { ConfigError, loadPipeline, type PipelineConfig } from '../pipeline/config.js';
import { StreamError, StreamPipeline } from '../pipeline/stream.js';
import { EXIT_FATAL, EXIT_OK } from './exit-codes.js';
import { createLogger } from './logger.js';
import type { RunClientSpec } from './run-client.js';
import type { RunCliOptions } from './run.js';

/** KAFKA_BROKERS wins over the YAML, so one pipeline file serves a laptop and docker-compose. */
export function withBrokersFromEnv(config: PipelineConfig, env: NodeJS.ProcessEnv): PipelineConfig {
  const raw = env.KAFKA_BROKERS?.trim();
  if (!raw || config.source.kind !== 'kafka') return config;
  const brokers = raw.split(',').map((b) => b.trim()).filter(Boolean);
  return Object.freeze({ ...config, source: { ...config.source, brokers } });
}

/**
 * The processor itself, until `stopRequested` resolves (with the signal's name) or a fatal error.
 * A stop may come at any moment, also before the processor exists: it then ends at once, exit 0.
 * With `consumerPort`, the consumer runs on the thread at its other end (serveConsumers()).
 */
export async function runKafka(file: string, opts: RunCliOptions, stopRequested: Promise<string>, consumerPort?: MessagePort): Promise<number> {
  const log = createLogger(opts.logLevel);
  let stopSignal: string | undefined;
  void stopRequested.then((signal) => (stopSignal = signal));
  const stoppedEarly = () => {
    log.info({ signal: stopSignal }, 'stopped before connecting to Kafka');
    return EXIT_OK;
  };
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
  let security: KafkajsSecurity;
  try {
    security = kafkajsSecurity(config.source.security, process.env);
  } catch (e) {
    if (!(e instanceof KafkaSecurityError)) throw e;
    process.stderr.write(e.problems.map((p) => `proctree: ${file}: ${p}\n`).join(''));
    return EXIT_FATAL;
  }
  for (const w of securityWarnings(config.source.security)) log.warn(w);
  if (stopSignal !== undefined) return stoppedEarly();
  const local = createKafkajsClient({ brokers: config.source.brokers, clientId: config.source.client_id, logger: log, security });
  const spec: RunClientSpec = { brokers: config.source.brokers, clientId: config.source.client_id, security: config.source.security };
  const client = consumerPort === undefined ? local : consumersOnThread(local, consumerPort, spec);
  log.info({ brokers: config.source.brokers }, 'connecting to Kafka');
  try {
    // A TLS or listener mismatch fails here at once with what to fix, instead of after kafkajs' retries.
    const checked = await Promise.race([checkBrokers(config.source.brokers, security).then(() => 'checked' as const), stopRequested]);
    if (checked !== 'checked') return stoppedEarly();
  } catch (e) {
    if (!(e instanceof KafkaConnectError)) throw e;
    process.stderr.write(`proctree: Kafka at ${config.source.brokers.join(',')}: ${e.message}\n`);
    return EXIT_FATAL;
  }
  const metrics = new PipelineMetrics();
  const processor = new StreamPipeline({ config, client, logger: log, metrics });
  let server: MetricsServer | undefined;
  void stopRequested.then((signal) => {
    log.info({ signal }, 'stopping: finishing the batch in progress, committing, leaving the group');
    void processor.stop();
  });
  try {
    if (config.metrics.port !== null) {
      server = await startMetricsServer({ port: config.metrics.port, host: config.metrics.host, registry: metrics.registry, ready: () => processor.health() });
      log.info({ port: server.port, host: config.metrics.host }, 'metrics on /metrics, liveness on /livez, readiness on /readyz (and /healthz)');
    }
    await processor.start();
    if (stopSignal === undefined) log.info({ topic: config.source.topic, group: config.source.group_id, brokers: config.source.brokers }, 'consuming');
    await processor.done;
    log.info('stopped');
    return EXIT_OK;
  } catch (e) {
    // Authentication, TLS and ACL refusals, in one line that says what to fix (never a secret).
    const explained = explainKafkaError(e, config.source, config.sink.topic);
    if (explained !== null) {
      process.stderr.write(`proctree: Kafka at ${config.source.brokers.join(',')}: ${explained.replace(/\s*\n\s*/g, ' ')}\n`);
      await processor.stop();
      return EXIT_FATAL;
    }
    if (e instanceof StreamError || e instanceof MetricsServerError) {
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
