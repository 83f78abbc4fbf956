// Partitions moving between live members of one group while events arrive: one member leaves
// (graceful stop) and another joins in the middle of the stream, and the alerts topic still holds
// every expected alert exactly once (read_committed). stop-signals.test.ts moves the whole group
// from one instance to the next; here the survivors keep some partitions and gain others. And
// the sticky assigner: a member joining or leaving moves only the share that must move.

import { afterEach, describe, expect, it } from 'vitest';
import type { KafkaConsumer } from '../../src/kafka/client.js';
import type { StreamPipeline } from '../../src/pipeline/stream.js';
import { anomalyScenario, churn, HostScript, normalBoot, sysmonXml, T0 } from '../helpers/scenario.js';
import { createTopics, eventually, randomName, sleep, testClient, waitForMessages } from './helpers.js';
import { alertsOf, committedTotal, pipeline, ruleHost, startProcessor, type Topics } from './processor-helpers.js';

const PARTITIONS = 6;

const running: StreamPipeline[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

function topics(): Topics {
  const base = randomName(process.env.KAFKA_TEST_PREFIX ?? 'moves');
  return { input: `${base}-in`, alerts: `${base}-alerts`, deadLetters: `${base}-dlq`, state: `${base}-state`, group: `${base}-group` };
}

/** Partitions a member owns, from its readiness detail ("consuming 2 partition(s)..."). */
function owned(p: StreamPipeline): number {
  return Number(/consuming (\d+) /.exec(p.health().detail)?.[1] ?? 0);
}

describe('partition moves under load', () => {
  it('a member leaves and another joins while events arrive: every alert arrives exactly once', async () => {
    const client = testClient();
    const t = topics();
    await createTopics(client, [
      { topic: t.input, partitions: PARTITIONS },
      { topic: t.alerts, partitions: PARTITIONS },
      { topic: t.deadLetters, partitions: PARTITIONS },
    ]);
    const config = pipeline(t, { partitions: PARTITIONS });
    const start = async () => {
      const p = await startProcessor(client, config);
      running.push(p);
      return p;
    };

    // The anomalies' hosts and busy clean hosts, interleaved, each host's events in order.
    const scenario = anomalyScenario();
    const byHost = new Map([...scenario.byHost].map(([h, evs]) => [h, evs.map(sysmonXml)]));
    for (let i = 0; i < 24; i++) {
      const s = new HostScript(`busy-${i}.corp.example`, T0);
      normalBoot(s);
      churn(s, 200, 1000);
      byHost.set(s.host, s.events.map(sysmonXml));
    }
    const queues = [...byHost].map(([key, values]) => values.map((value) => ({ key, value })));
    const stream: { key: string; value: string }[] = [];
    for (let i = 0; queues.some((q) => i < q.length); i++) for (const q of queues) if (i < q.length) stream.push(q[i]);

    const a = await start();
    const b = await start();
    await eventually('both members to own partitions', () => owned(a) > 0 && owned(b) > 0 && owned(a) + owned(b) === PARTITIONS, 30_000);

    // Feed a slice every 100 ms; b leaves after a third, c joins after two thirds, both while the feed goes on.
    const producer = await client.producer();
    let produced = 0;
    let leaving: Promise<void> | undefined;
    let joining: Promise<StreamPipeline> | undefined;
    try {
      const slice = Math.ceil(stream.length / 60);
      while (produced < stream.length) {
        const next = stream.slice(produced, produced + slice);
        await producer.send([{ topic: t.input, messages: next }]);
        produced += next.length;
        if (leaving === undefined && produced >= stream.length / 3) leaving = b.stop();
        if (joining === undefined && produced >= (2 * stream.length) / 3) joining = start();
        await sleep(100);
      }
    } finally {
      await producer.close();
    }
    await leaving;
    const c = await joining!;
    await eventually('the two members left to share the partitions', () => owned(a) > 0 && owned(c) > 0 && owned(a) + owned(c) === PARTITIONS, 30_000);
    await eventually('every input offset committed', async () => (await committedTotal(client, t.group, t.input)) === produced, 60_000);

    // Settle: a duplicate would show up as a message beyond the expected count.
    const received = await waitForMessages(client, t.alerts, { count: scenario.expected.length, settleMs: 2000 });
    const alerts = alertsOf(received);
    expect(ruleHost(alerts)).toEqual(ruleHost(scenario.expected));
    expect(new Set(alerts.map((x) => x.id)).size).toBe(alerts.length);
  }, 180_000);

  it('moves only the joiner\'s share when a member joins, and only the leaver\'s when it leaves (sticky assigner)', async () => {
    const client = testClient();
    const t = topics();
    await createTopics(client, [{ topic: t.input, partitions: 12 }]);
    const owns = new Map<string, number[]>();
    const consumers: KafkaConsumer[] = [];
    const join = async (name: string) => {
      const c = client.consumer({ groupId: t.group, topics: [t.input], sessionTimeoutMs: 10_000 });
      consumers.push(c);
      await c.run({ onBatch: async () => {}, onAssignment: (a) => owns.set(name, a.partitions.map((p) => p.partition).sort((x, y) => x - y)) });
      return c;
    };
    /** Once every member of `names` owns a share and together all 12: a copy of who owns what. */
    const settled = async (names: string[]) => {
      await eventually(`${names.join(', ')} to share the 12 partitions`, () => {
        const all = names.flatMap((n) => owns.get(n) ?? []);
        return names.every((n) => (owns.get(n)?.length ?? 0) > 0) && all.length === 12 && new Set(all).size === 12;
      }, 60_000);
      return new Map(names.map((n) => [n, [...owns.get(n)!]]));
    };
    const moves = (before: Map<string, number[]>, after: Map<string, number[]>) =>
      [...after].reduce((n, [name, ps]) => n + ps.filter((p) => !(before.get(name) ?? []).includes(p)).length, 0);
    try {
      await join('a');
      await join('b');
      const c = await join('c');
      const three = await settled(['a', 'b', 'c']);
      await join('d');
      const four = await settled(['a', 'b', 'c', 'd']);
      // Round-robin moved 8-10 of 12 here (docs/scaling.md); the joiner's 3 is what must move.
      expect(moves(three, four)).toBe(3);
      await c.close();
      owns.delete('c');
      const left = await settled(['a', 'b', 'd']);
      expect(moves(four, left)).toBe(3);
    } finally {
      await Promise.all(consumers.map((c) => c.close()));
    }
  }, 180_000);
});
