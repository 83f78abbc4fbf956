// docker-compose.yml cannot be started here (no Docker engine), so check that it parses and
// agrees with pipelines/kafka.yaml: services, topics, ports, brokers, broker version.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadPipeline } from '../src/pipeline/config.js';
import { DEFAULT_KAFKA_VERSION } from '../scripts/kafka/local-broker.mjs';

const ROOT = resolve(import.meta.dirname, '..');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(readFileSync(resolve(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
const services = compose.services;

async function kafkaPipeline() {
  const config = await loadPipeline(resolve(ROOT, 'pipelines/kafka.yaml'));
  if (config.source.kind !== 'kafka' || config.sink.kind !== 'kafka') throw new Error('pipelines/kafka.yaml must be kafka -> kafka');
  return { config, source: config.source, sink: config.sink };
}

/** kafka-topics.sh --create lines of the init service: topic -> its flags. */
function createdTopics(): Map<string, string> {
  const script = ([] as string[]).concat(services['kafka-init'].command ?? []).join('\n');
  const topics = new Map<string, string>();
  for (const line of script.split('\n')) {
    const m = /^\s*t --topic (\S+)(.*)$/.exec(line);
    if (m) topics.set(m[1], m[2]);
  }
  return topics;
}

function internalBootstrap(): string {
  const advertised = String(services.kafka.environment?.KAFKA_ADVERTISED_LISTENERS ?? '');
  const internal = /INTERNAL:\/\/([^,]+)/.exec(advertised);
  if (!internal) throw new Error('kafka has no INTERNAL advertised listener');
  return internal[1];
}

describe('docker-compose.yml', () => {
  it('has the broker, topic creation, the processor and the generator', () => {
    expect(Object.keys(services).sort()).toEqual(['generator', 'kafka', 'kafka-init', 'proctree']);
    expect(services.proctree.depends_on?.['kafka-init']?.condition).toBe('service_completed_successfully');
    expect(services['kafka-init'].depends_on?.kafka?.condition).toBe('service_healthy');
  });

  it('runs the same Apache Kafka version as the tests, in KRaft mode', () => {
    expect(services.kafka.image).toBe(`apache/kafka:${DEFAULT_KAFKA_VERSION}`);
    expect(services['kafka-init'].image).toBe(services.kafka.image);
    expect(services.kafka.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(services.kafka.environment?.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR).toBe(1);
  });

  it('creates every topic of pipelines/kafka.yaml, the state topic compacted with the input\'s partitions', async () => {
    const { source, sink } = await kafkaPipeline();
    const topics = createdTopics();
    expect([...topics.keys()].sort()).toEqual([source.topic, sink.topic, source.dead_letter_topic, source.state_topic].sort());
    const partitions = (flags: string | undefined) => Number(/--partitions (\d+)/.exec(flags ?? '')?.[1]);
    expect(partitions(topics.get(source.topic))).toBe(source.partitions);
    expect(partitions(topics.get(source.state_topic))).toBe(partitions(topics.get(source.topic)));
    expect(topics.get(source.state_topic)).toContain('cleanup.policy=compact');
    for (const [topic, flags] of topics) if (topic !== source.state_topic) expect(flags, topic).not.toContain('compact');
  });

  it('runs pipelines/kafka.yaml against the broker, with its metrics port published', async () => {
    const { config } = await kafkaPipeline();
    const p = services.proctree;
    expect(p.command).toEqual(['run', 'pipelines/kafka.yaml']);
    expect(p.environment?.KAFKA_BROKERS).toBe(internalBootstrap());
    expect(p.ports).toContain(`${config.metrics.port}:${config.metrics.port}`);
  });

  it('publishes the broker on the host where pipelines/kafka.yaml looks for it', async () => {
    const { source } = await kafkaPipeline();
    const hostPort = source.brokers[0].split(':')[1];
    expect(services.kafka.ports).toContain(`${hostPort}:${hostPort}`);
    expect(String(services.kafka.environment?.KAFKA_ADVERTISED_LISTENERS)).toContain(`localhost:${hostPort}`);
  });

  it('feeds the input topic from the generator, keyed by host through the same broker', async () => {
    const { source } = await kafkaPipeline();
    const cmd = services.generator.command as string[];
    expect(cmd[0]).toBe('generate');
    expect(cmd[cmd.indexOf('--topic') + 1]).toBe(source.topic);
    expect(cmd[cmd.indexOf('--kafka') + 1]).toBe(internalBootstrap());
    expect(services.generator.image).toBe(services.proctree.image);
  });
});
