// `proctree run` as a real process: SIGKILL mid-stream, restart, nothing lost; SIGTERM stops it
// cleanly with everything committed.

import { afterEach, describe, expect, it } from 'vitest';
import { anomalyScenario, sysmonXml } from '../helpers/scenario.js';
import type { KafkaClient } from '../../src/kafka/client.js';
import { parseStateRecord } from '../../src/sources/kafka/state-records.js';
import { cleanupCli, runCli, writePipeline as writeYaml } from './cli-process.js';
import { eventually, testClient, waitForMessages } from './helpers.js';
import { alertsOf, committedTotal, pipelineYaml, produceByHost, randomTopics, ruleHost, SHORT_CHILD_EXIT, type Topics } from './processor-helpers.js';

afterEach(() => cleanupCli());

function writePipeline(t: Topics, source: Record<string, unknown>): string {
  return writeYaml(pipelineYaml(t, source, SHORT_CHILD_EXIT));
}

/** Split each host's events: the first part now, the rest after the kill; the child host is whole in the first part. */
function splitScenario() {
  const { byHost, expected } = anomalyScenario({ pendingChildDeadline: true });
  const first = new Map<string, string[]>();
  const second = new Map<string, string[]>();
  for (const [host, events] of byHost) {
    const xml = events.map(sysmonXml);
    const cut = host.startsWith('child-') ? xml.length : Math.floor(xml.length / 2);
    first.set(host, xml.slice(0, cut));
    if (cut < xml.length) second.set(host, xml.slice(cut));
  }
  return { first, second, expected };
}

/** Sum over the state topic's partitions of how far alerts are published (the latest EmittedRecord of each). */
async function emittedTotal(client: KafkaClient, t: Topics): Promise<number> {
  const latest = new Map<number, number>();
  await client.readPartitions(t.state, [0, 1, 2], (b) => {
    for (const m of b.messages) {
      const rec = parseStateRecord(t.state, b.partition, m);
      if (rec !== null && 'emitted' in rec && rec.topic === t.input) latest.set(b.partition, rec.emitted);
    }
  });
  return [...latest.values()].reduce((a, b) => a + b, 0);
}

describe.each(['exactly_once', 'at_least_once'] as const)('proctree run (%s)', (guarantee) => {
  it.each([
    ['after its first messages are snapshotted', 1],
    ['before any snapshot, so that it reads them again without publishing their alerts twice', 3600],
  ] as const)('loses nothing when SIGKILLed mid-stream and restarted %s, including a deadline pending at the kill', async (_when, snapshotSecs) => {
    const client = testClient();
    const t = randomTopics();
    const { first, second, expected } = splitScenario();

    // The first process never fires idle deadlines, so the pending one can only come from restored or redone state.
    const one = runCli(writePipeline(t, { guarantee, idle_timeout_secs: 3600, snapshot_interval_secs: snapshotSecs }));
    // The processor creates the topics: producing before they exist fails on a slow machine
    // ("This server does not host this topic-partition") once kafkajs' retries run out.
    await one.waitForLog('consuming', 60_000);
    const firstCount = await produceByHost(client, t.input, first);
    await eventually(
      `the first process to publish the results of the first ${firstCount} messages (stderr: ${one.stderr().slice(-500)})`,
      async () => (await emittedTotal(client, t)) === firstCount,
      60_000,
    );
    if (snapshotSecs === 1) {
      await eventually('the first process to snapshot them and commit their offsets', async () => (await committedTotal(client, t.group, t.input)) === firstCount, 60_000);
    } else {
      expect(await committedTotal(client, t.group, t.input)).toBe(0);
    }
    const secondCount = await produceByHost(client, t.input, second);
    one.child.kill('SIGKILL');
    expect((await one.exited).signal).toBe('SIGKILL');

    const two = runCli(writePipeline(t, { guarantee, idle_timeout_secs: 1 }));
    const committed = await waitForMessages(client, t.alerts, { count: expected.length, timeoutMs: 60_000, settleMs: 2000 });
    const alerts = alertsOf(committed);
    expect(new Set(ruleHost(alerts))).toEqual(new Set(ruleHost(expected)));
    if (guarantee === 'exactly_once') expect(ruleHost(alerts)).toEqual(ruleHost(expected));

    // Every copy of an alert, aborted or redelivered, carries the same id.
    const everything = alertsOf(await waitForMessages(client, t.alerts, { count: alerts.length, readCommitted: false, settleMs: 500 }));
    const idsBySubject = new Map<string, Set<string>>();
    for (const a of everything) idsBySubject.set(`${a.rule} ${a.host}`, (idsBySubject.get(`${a.rule} ${a.host}`) ?? new Set()).add(a.id));
    for (const [subject, ids] of idsBySubject) expect(ids.size, subject).toBe(1);

    // SIGTERM: finish, commit everything, exit 0.
    await eventually('all input committed', async () => (await committedTotal(client, t.group, t.input)) === firstCount + secondCount, 30_000);
    two.child.kill('SIGTERM');
    const exit = await two.waitForExit(30_000);
    expect({ code: exit.code, signal: exit.signal }, two.stderr().slice(-2000)).toEqual({ code: 0, signal: null });
  }, 180_000);
});
