// docker-compose.yml cannot be started here (no Docker engine), so check that it parses and
// agrees with pipelines/kafka.yaml: services, topics, ports, brokers, broker version; and that
// Prometheus scrapes the processor and Grafana is provisioned with it and docs/grafana/.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { posix, resolve } from 'node:path';
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
  volumes?: string[];
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
  it('has the broker, topic creation, the processor, the generator, Prometheus and Grafana', () => {
    expect(Object.keys(services).sort()).toEqual(['generator', 'grafana', 'kafka', 'kafka-init', 'proctree', 'prometheus']);
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

/** A bind mount 'host:container[:ro]': the host path (resolved from the repo) and the container path. */
function mounts(service: Service): { host: string; container: string; readOnly: boolean }[] {
  return (service.volumes ?? []).map((v) => {
    const [host, container, mode] = v.split(':');
    return { host: resolve(ROOT, host), container, readOnly: mode === 'ro' };
  });
}

/** The host file or folder mounted at (or above) a container path. */
function hostPathOf(service: Service, containerPath: string): string {
  for (const m of mounts(service)) {
    if (containerPath === m.container) return m.host;
    if (containerPath.startsWith(m.container + '/')) return resolve(m.host, posix.relative(m.container, containerPath));
  }
  throw new Error(`nothing is mounted at ${containerPath}`);
}

function yamlFile(path: string): Record<string, unknown> {
  return parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

function publishedPort(service: Service, port: number): boolean {
  return (service.ports ?? []).some((p) => p.split(':').at(-1) === String(port));
}

describe('docker-compose.yml metrics stack', () => {
  it('pins the Prometheus and Grafana images and mounts their configuration read-only', () => {
    expect(services.prometheus.image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
    expect(services.grafana.image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
    for (const name of ['prometheus', 'grafana']) {
      const ms = mounts(services[name]);
      expect(ms.length, name).toBeGreaterThan(0);
      for (const m of ms) {
        expect(existsSync(m.host), `${name} mounts ${m.host}, which does not exist`).toBe(true);
        expect(m.readOnly, `${name}: ${m.container}`).toBe(true);
      }
    }
    expect(services.grafana.depends_on?.prometheus?.condition).toBe('service_started');
  });

  it('has Prometheus scrape the processor on the metrics port of pipelines/kafka.yaml', async () => {
    const { config } = await kafkaPipeline();
    const command = ([] as string[]).concat(services.prometheus.command ?? []);
    const configPath = /--config\.file=(\S+)/.exec(command.join(' '))?.[1] ?? '/etc/prometheus/prometheus.yml';
    const prom = yamlFile(hostPathOf(services.prometheus, configPath)) as { scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[] };
    const jobs = prom.scrape_configs.filter((j) => j.static_configs.some((s) => s.targets.includes(`proctree:${config.metrics.port}`)));
    expect(jobs).toHaveLength(1);
    expect(jobs[0].metrics_path ?? '/metrics').toBe('/metrics');
    expect(services.proctree.ports).toContain(`${config.metrics.port}:${config.metrics.port}`);
  });

  it('provisions Grafana with that Prometheus as the default data source and the dashboards of docs/grafana/', () => {
    const provisioning = hostPathOf(services.grafana, '/etc/grafana/provisioning');
    const sources = readdirSync(resolve(provisioning, 'datasources')).flatMap((f) => (yamlFile(resolve(provisioning, 'datasources', f)).datasources as { type: string; url: string; isDefault?: boolean }[]));
    const prometheus = sources.filter((d) => d.type === 'prometheus');
    expect(prometheus).toHaveLength(1);
    const url = new URL(prometheus[0].url);
    expect(url.hostname).toBe('prometheus');
    expect(publishedPort(services.prometheus, Number(url.port))).toBe(true);
    expect(prometheus[0].isDefault).toBe(true);

    const providers = readdirSync(resolve(provisioning, 'dashboards')).flatMap((f) => (yamlFile(resolve(provisioning, 'dashboards', f)).providers as { type: string; options: { path: string } }[]));
    expect(providers).toHaveLength(1);
    const folder = hostPathOf(services.grafana, providers[0].options.path);
    expect(folder).toBe(resolve(ROOT, 'docs/grafana'));
    expect(readdirSync(folder)).toContain('sysmon-proctree.json');
    const home = String(services.grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH);
    expect(existsSync(hostPathOf(services.grafana, home)), home).toBe(true);
    expect(publishedPort(services.grafana, 3000)).toBe(true);
  });
});
