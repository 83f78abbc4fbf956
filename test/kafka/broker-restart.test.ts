// The broker stopped and started again mid-stream, against a broker of this file's own (free
// ports, restarted on its data: scripts/kafka/local-broker.mjs keepData): `proctree run` stays up
// and says it is not ready while the broker is gone (/readyz 503 with the reason, /livez 200),
// reconnects by itself, loses nothing, and every alert, before and after the restart, carries the
// id a replay of the same events gives.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaClient } from '../../src/kafka/client.js';
import { createKafkajsClient } from '../../src/kafka/kafkajs-client.js';
import { freePorts, startBroker, stopBroker } from '../../scripts/kafka/local-broker.mjs';
import { replayXml } from '../helpers/engine-run.js';
import { anomalyScenario, sysmonXml } from '../helpers/scenario.js';
import { cleanupCli, runCli, writePipeline } from './cli-process.js';
import { eventually, randomName, waitForMessages } from './helpers.js';
import { alertsOf, committedTotal, pipelineYaml, produceByHost, randomTopics, ruleHost } from './processor-helpers.js';

let port = 0;
let controllerPort = 0;
let bootstrap = '';
const log = (m: string) => process.stderr.write(`broker-restart test: ${m}\n`);

beforeAll(async () => {
  [port, controllerPort] = await freePorts(2);
  bootstrap = (await startBroker({ port, controllerPort, log })).bootstrap;
}, 120_000);

afterAll(async () => {
  cleanupCli();
  if (port) await stopBroker({ port, log });
});

afterEach(() => cleanupCli());

async function health(url: string): Promise<{ status: number; ok: boolean; detail: string }> {
  const r = await fetch(url);
  return { status: r.status, ...((await r.json()) as { ok: boolean; detail: string }) };
}

describe('proctree run across a broker restart', () => {
  it('is unready while the broker is gone, reconnects, loses nothing, and alerts keep the ids a replay gives', async () => {
    const client: KafkaClient = createKafkajsClient({ brokers: [bootstrap], clientId: randomName('restart') });
    const t = randomTopics();
    // Each host's first half before the restart, the rest after it.
    const { byHost, expected } = anomalyScenario();
    const first = new Map<string, string[]>();
    const second = new Map<string, string[]>();
    for (const [host, events] of byHost) {
      const xml = events.map(sysmonXml);
      const cut = Math.floor(xml.length / 2);
      first.set(host, xml.slice(0, cut));
      second.set(host, xml.slice(cut));
    }
    const replayed = replayXml([...byHost.values()].flat().map(sysmonXml));

    const yaml = pipelineYaml(t, { brokers: [bootstrap], session_timeout_secs: 6 }, { metrics: { port: 0, host: '127.0.0.1' } });
    const p = runCli(writePipeline(yaml));
    const listening = await p.waitForLog((l) => l.msg.startsWith('metrics on'));
    const base = `http://127.0.0.1:${listening.port as number}`;
    await eventually('the processor to be ready', async () => (await health(`${base}/readyz`)).ok, 30_000);

    const firstCount = await produceByHost(client, t.input, first);
    await eventually('the first half committed', async () => (await committedTotal(client, t.group, t.input)) === firstCount, 30_000);

    await stopBroker({ port, log, keepData: true });
    // Not ready, and why; alive all the same.
    await eventually('/readyz to say the broker is gone', async () => (await health(`${base}/readyz`)).status === 503, 20_000);
    const unready = await health(`${base}/readyz`);
    expect(unready.detail).toMatch(/Kafka|coordinator/);
    expect((await health(`${base}/healthz`)).status).toBe(503);
    expect((await health(`${base}/livez`)).status).toBe(200);
    // Down for longer than kafkajs' own retries: the connection is given up and a new one awaited.
    await eventually('the processor to give the connection up and wait to reconnect', async () => /reconnect/.test((await health(`${base}/readyz`)).detail), 40_000);
    expect(p.child.exitCode).toBeNull();

    await startBroker({ port, controllerPort, log, keepData: true });
    await eventually('the processor to be ready again', async () => (await health(`${base}/readyz`)).ok, 60_000);
    const secondCount = await produceByHost(client, t.input, second);

    const alerts = alertsOf(await waitForMessages(client, t.alerts, { count: expected.length, timeoutMs: 60_000, settleMs: 1500 }));
    expect(ruleHost(alerts)).toEqual(ruleHost(expected));
    expect(alerts.map((a) => a.id).sort()).toEqual(replayed.map((a) => a.id).sort());
    // Every copy of an alert, in an aborted transaction or not, carries the same id.
    const everything = alertsOf(await waitForMessages(client, t.alerts, { count: alerts.length, readCommitted: false, settleMs: 500 }));
    expect(new Set(everything.map((a) => a.id))).toEqual(new Set(alerts.map((a) => a.id)));
    await eventually('all input committed', async () => (await committedTotal(client, t.group, t.input)) === firstCount + secondCount, 30_000);
    expect(p.logs().some((l) => l.msg === 'lost the connection to Kafka: reconnecting')).toBe(true);
    // ... and counted where an operator's dashboard sees it.
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const reconnects = [...metrics.matchAll(/^proctree_kafka_reconnects_total\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    expect(reconnects, metrics.split('\n').filter((l) => l.includes('reconnect')).join('\n')).toBeGreaterThanOrEqual(1);

    p.child.kill('SIGTERM');
    const exit = await p.waitForExit(15_000);
    expect({ code: exit.code, signal: exit.signal }, p.stderr().slice(-3000)).toEqual({ code: 0, signal: null });
  }, 180_000);
});
