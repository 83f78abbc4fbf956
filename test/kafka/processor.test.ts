// The streaming processor against a real broker: exact alerts, dead letters, the idle timeout,
// and two instances sharing a group.

import { Kafka } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import type { KafkaClient } from '../../src/kafka/client.js';
import { StreamPipeline } from '../../src/pipeline/stream.js';
import { PipelineMetrics } from '../../src/metrics/pipeline-metrics.js';
import { ALERT_HEADERS } from '../../src/sinks/kafka/records.js';
import { DLQ_HEADERS } from '../../src/sinks/kafka/dead-letter.js';
import { replayXml } from '../helpers/engine-run.js';
import { anomalyScenario, churn, HostScript, normalBoot, sysmonXml, T0 } from '../helpers/scenario.js';
import { STATE_TOPIC_CONFIG } from '../../src/sources/kafka/topics.js';
import { brokers, eventually, testClient, waitForMessages } from './helpers.js';
import {
  quietLogger,
  alertsOf,
  committedTotal,
  pipeline,
  produceByHost,
  randomTopics,
  ruleHost,
  SHORT_CHILD_EXIT,
  startProcessor,
} from './processor-helpers.js';

const running: StreamPipeline[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

async function start(client: KafkaClient, ...args: Parameters<typeof pipeline>): Promise<StreamPipeline> {
  const p = await startProcessor(client, pipeline(...args));
  running.push(p);
  return p;
}

function xmlByHost(byHost: Map<string, Parameters<typeof sysmonXml>[0][]>): Map<string, string[]> {
  return new Map([...byHost].map(([h, evs]) => [h, evs.map(sysmonXml)]));
}

describe('kafka processor', () => {
  it('turns every anomaly kind into exactly the expected alerts, with the ids a replay gives', async () => {
    const client = testClient();
    const t = randomTopics();
    await start(client, t);
    const { byHost, expected } = anomalyScenario();
    const xml = xmlByHost(byHost);
    const produced = await produceByHost(client, t.input, xml);

    const received = await waitForMessages(client, t.alerts, { count: expected.length, settleMs: 1500 });
    const alerts = alertsOf(received);
    expect(ruleHost(alerts)).toEqual(ruleHost(expected));
    // Streaming and replaying the same events give the same alert ids.
    const replayed = replayXml([...xml.values()].flat());
    expect(alerts.map((a) => a.id).sort()).toEqual(replayed.map((a) => a.id).sort());
    // The state topic it created is compacted, with segments that close soon enough for compaction to keep restores short.
    const admin = new Kafka({ brokers: brokers(), logLevel: 0 }).admin();
    await admin.connect();
    try {
      const { resources } = await admin.describeConfigs({ resources: [{ type: 2, name: t.state }], includeSynonyms: false });
      const config = Object.fromEntries(resources[0].configEntries.map((c) => [c.configName, c.configValue]));
      expect(config).toMatchObject({ 'cleanup.policy': 'compact', ...STATE_TOPIC_CONFIG });
    } finally {
      await admin.disconnect();
    }
    for (const m of received) {
      const a = JSON.parse(m.value!.toString()) as { rule: string; severity: string; host: string; id: string };
      expect(m.key?.toString()).toBe(a.host.toLowerCase());
      expect(m.headers[ALERT_HEADERS.rule]?.toString()).toBe(a.rule);
      expect(m.headers[ALERT_HEADERS.severity]?.toString()).toBe(a.severity);
      expect(m.headers[ALERT_HEADERS.id]?.toString()).toBe(a.id);
    }
    await eventually('every input offset committed', async () => (await committedTotal(client, t.group, t.input)) === produced);
  });

  it('sends undecodable messages to the dead-letter topic with reasons, and still alerts on the valid ones around them', async () => {
    const client = testClient();
    const t = randomTopics();
    await start(client, t);
    const { byHost, expected } = anomalyScenario();
    const hosts = [...byHost.keys()];
    const bad = new Map<string, string[]>();
    const values = new Map<string, string[]>();
    hosts.forEach((host, i) => {
      const events = byHost.get(host)!.map(sysmonXml);
      // Forwarders differ: some hosts arrive as Winlogbeat (event.original) or NXLog (EventXML) JSON.
      const shaped = events.map((x) =>
        i % 3 === 1 ? JSON.stringify({ '@timestamp': 'x', event: { original: x } }) : i % 3 === 2 ? JSON.stringify({ EventXML: x }) : x,
      );
      const garbage = [`<Event><System><EventID>1</EventID>`, '{"not": "an event"', ''];
      bad.set(host, garbage);
      // Garbage between a host's valid events.
      values.set(host, [...shaped.slice(0, 3), ...garbage, ...shaped.slice(3)]);
    });
    await produceByHost(client, t.input, values);

    const alerts = alertsOf(await waitForMessages(client, t.alerts, { count: expected.length, settleMs: 1000 }));
    expect(ruleHost(alerts)).toEqual(ruleHost(expected));
    const dead = await waitForMessages(client, t.deadLetters, { count: hosts.length * 3, settleMs: 500 });
    expect(dead).toHaveLength(hosts.length * 3);
    const reasons = dead.map((m) => m.headers[DLQ_HEADERS.reason]?.toString()).sort();
    expect(new Set(reasons)).toEqual(new Set(['malformed-xml', 'bad-json', 'unreadable-input']));
    for (const m of dead) {
      expect(m.headers[DLQ_HEADERS.topic]?.toString()).toBe(t.input);
      expect(Number(m.headers[DLQ_HEADERS.offset]?.toString())).toBeGreaterThanOrEqual(0);
      expect(bad.get(m.key!.toString())).toContain(m.value?.toString() ?? '');
    }
  });

  it('pauses a partition while its batches wait, resumes it, and loses nothing', async () => {
    const client = testClient();
    const t = randomTopics();
    // Small batches, and a partition is paused as soon as one batch waits behind another.
    const metrics = new PipelineMetrics({ defaultMetrics: false });
    const p = new StreamPipeline({ config: pipeline(t, { max_batch_bytes: 65536 }), client, logger: quietLogger, metrics, maxBacklog: 1 });
    running.push(p);
    await p.start();
    await eventually('the processor to own and restore partitions', () => p.health().ok, 30_000);
    const { byHost, expected } = anomalyScenario();
    // Clean hosts with a few MB of ordinary churn around the anomalies, so each partition arrives in many batches.
    for (let i = 0; i < 30; i++) {
      const s = new HostScript(`busy-${i}.corp.example`, T0);
      normalBoot(s);
      churn(s, 60, 1000);
      byHost.set(s.host, s.events);
    }
    const produced = await produceByHost(client, t.input, xmlByHost(byHost));

    const alerts = alertsOf(await waitForMessages(client, t.alerts, { count: expected.length, settleMs: 1500 }));
    expect(ruleHost(alerts)).toEqual(ruleHost(expected));
    await eventually('every input offset committed', async () => (await committedTotal(client, t.group, t.input)) === produced);
    const pauses = (await metrics.registry.getSingleMetric('proctree_backpressure_pauses_total')!.get()).values[0].value;
    expect(pauses).toBeGreaterThan(3);
  });

  it('fires a pending child-smss deadline of a quiet host through the idle timeout', async () => {
    const client = testClient();
    const t = randomTopics();
    await start(client, t, { idle_timeout_secs: 1 }, SHORT_CHILD_EXIT);
    const { byHost } = anomalyScenario({ pendingChildDeadline: true });
    const child = new Map([['child-01.corp.example', byHost.get('child-01.corp.example')!.map(sysmonXml)]]);
    await produceByHost(client, t.input, child);
    const alerts = alertsOf(await waitForMessages(client, t.alerts, { count: 1, settleMs: 1500 }));
    expect(ruleHost(alerts)).toEqual(['smss.child-no-exit child-01.corp.example']);
  });

  it('shares partitions between two instances of one group, which together raise the full set', async () => {
    const client = testClient();
    const t = randomTopics();
    const a = await start(client, t);
    const b = await start(client, t);
    await eventually('both instances to own partitions after the rebalance', () => a.health().ok && b.health().ok && /consuming [12] /.test(a.health().detail) && /consuming [12] /.test(b.health().detail));
    const { byHost, expected } = anomalyScenario();
    await produceByHost(client, t.input, xmlByHost(byHost));
    const alerts = alertsOf(await waitForMessages(client, t.alerts, { count: expected.length, settleMs: 1500 }));
    expect(ruleHost(alerts)).toEqual(ruleHost(expected));
  });

  it('raises a deadline that was pending when its partition moved from its new owner', async () => {
    const client = testClient();
    const t = randomTopics();
    // The first owner never fires idle deadlines; only the new owner can raise the alert.
    const first = await start(client, t, { idle_timeout_secs: 3600 }, SHORT_CHILD_EXIT);
    const { byHost } = anomalyScenario({ pendingChildDeadline: true });
    const produced = await produceByHost(client, t.input, xmlByHost(byHost));
    await eventually('the first owner to commit everything', async () => (await committedTotal(client, t.group, t.input)) === produced);
    const before = await waitForMessages(client, t.alerts, { count: 7, settleMs: 1000 });
    expect(ruleHost(alertsOf(before))).not.toContain('smss.child-no-exit child-01.corp.example');

    const second = await start(client, t, { idle_timeout_secs: 1 }, SHORT_CHILD_EXIT);
    await first.stop(); // every partition moves to the second instance
    await eventually('the second instance to own all partitions', () => second.health().detail.startsWith('consuming 3 '));
    const after = alertsOf(await waitForMessages(client, t.alerts, { count: before.length + 1, settleMs: 1500 }));
    expect(ruleHost(after).filter((x) => x.startsWith('smss.child-no-exit'))).toEqual(['smss.child-no-exit child-01.corp.example']);
    expect(after).toHaveLength(before.length + 1);
  });
});
