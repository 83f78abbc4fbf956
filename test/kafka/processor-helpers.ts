// Shared set-up of the processor tests: a pipeline on fresh random topics, producing a scenario
// keyed by host, and reading what came out.

import { pino } from 'pino';
import type { Alert } from '../../src/alerts/alert.js';
import type { KafkaClient } from '../../src/kafka/client.js';
import { StreamPipeline } from '../../src/pipeline/stream.js';
import { parsePipeline, type PipelineConfig } from '../../src/pipeline/config.js';
import { eventually, randomName, type ReceivedMessage } from './helpers.js';
import { brokers } from './helpers.js';

export interface Topics {
  input: string;
  alerts: string;
  deadLetters: string;
  state: string;
  group: string;
}

export function randomTopics(): Topics {
  const base = randomName('proc');
  return { input: `${base}-in`, alerts: `${base}-alerts`, deadLetters: `${base}-dlq`, state: `${base}-state`, group: `${base}-group` };
}

export function pipelineYaml(t: Topics, source: Record<string, unknown> = {}, top: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...top,
    source: {
      kind: 'kafka',
      brokers: brokers(),
      topic: t.input,
      group_id: t.group,
      state_topic: t.state,
      dead_letter_topic: t.deadLetters,
      partitions: 3,
      idle_timeout_secs: 0,
      session_timeout_secs: 10,
      // Committed offsets follow snapshots: short, so that tests waiting for them stay short.
      snapshot_interval_secs: 1,
      ...source,
    },
    sink: { kind: 'kafka', topic: t.alerts },
  };
}

export function pipeline(t: Topics, source: Record<string, unknown> = {}, top: Record<string, unknown> = {}): PipelineConfig {
  return parsePipeline(pipelineYaml(t, source, top));
}

/** The idle timeout moves a quiet host's clock by wall-clock time: a short exit deadline keeps the tests short. */
export const SHORT_CHILD_EXIT = { rules: { smss: { child_exit_secs: 3 } } };

export const quietLogger = pino({ level: process.env.PROCTREE_TEST_LOG_LEVEL ?? 'silent' }, pino.destination(2));

export async function startProcessor(client: KafkaClient, config: PipelineConfig, commitIntervalMs = 300): Promise<StreamPipeline> {
  const p = new StreamPipeline({ config, client, logger: quietLogger, commitIntervalMs });
  await p.start();
  await eventually('the processor to own and restore partitions', () => p.health().ok, 30_000);
  return p;
}

/** Each host's events in order under the host's key, so one partition holds a host's whole story. */
export async function produceByHost(client: KafkaClient, topic: string, byHost: Map<string, string[]>): Promise<number> {
  const producer = await client.producer();
  let n = 0;
  try {
    for (const [host, values] of byHost) {
      await producer.send([{ topic, messages: values.map((value) => ({ key: host, value })) }]);
      n += values.length;
    }
  } finally {
    await producer.close();
  }
  return n;
}

export function alertsOf(messages: ReceivedMessage[]): Alert[] {
  return messages.map((m) => JSON.parse(m.value!.toString('utf8')) as Alert);
}

export function ruleHost(alerts: { rule: string; host: string }[]): string[] {
  return alerts.map((a) => `${a.rule} ${a.host}`).sort();
}

/** Sum of the group's committed offsets on topic. */
export async function committedTotal(client: KafkaClient, group: string, topic: string): Promise<number> {
  const admin = await client.admin();
  try {
    return (await admin.committedOffsets(group, topic)).reduce((n, o) => n + o.offset, 0);
  } finally {
    await admin.close();
  }
}
