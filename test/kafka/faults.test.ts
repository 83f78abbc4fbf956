// Faults in the stream against the real broker:
// - messages the processor cannot use (over the dead-letter topic's size limit, binary, empty,
//   null, with headers that are not UTF-8) become dead letters with reasons, each within the
//   dead-letter topic's max.message.bytes, and the stream goes on around them;
// - the alerts topic gone for a while (deleted, then created again): the producer retries, and no
//   input offset is committed past a message whose alert was not acknowledged; then everything
//   arrives and the processor never stopped.

import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { KafkaClient, OutMessage } from '../../src/kafka/client.js';
import type { StreamPipeline } from '../../src/pipeline/stream.js';
import { DLQ_HEADERS } from '../../src/sinks/kafka/dead-letter.js';
import { replayXml } from '../helpers/engine-run.js';
import { anomalyScenario, HostScript, sysmonXml, T0 } from '../helpers/scenario.js';
import { createTopics, eventually, sleep, testClient, waitForMessages } from './helpers.js';
import { alertsOf, committedTotal, pipeline, randomTopics, ruleHost, startProcessor, type Topics } from './processor-helpers.js';

const running: StreamPipeline[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

async function produce(client: KafkaClient, topic: string, messages: OutMessage[]): Promise<void> {
  const producer = await client.producer();
  try {
    await producer.send([{ topic, messages }]);
  } finally {
    await producer.close();
  }
}

/** Committed offset of each partition of the group (0 where none). */
async function committed(client: KafkaClient, t: Topics): Promise<Map<number, number>> {
  const admin = await client.admin();
  try {
    return new Map((await admin.committedOffsets(t.group, t.input)).map((o) => [o.partition, o.offset]));
  } finally {
    await admin.close();
  }
}

const DLQ_LIMIT = 100_000;

describe('messages the processor cannot use', () => {
  it('become dead letters with reasons, each within the dead-letter topic\'s size limit, and the stream goes on', async () => {
    const client = testClient();
    const t = randomTopics();
    // The input takes larger messages than the dead-letter topic: an oversized event must still fit there.
    await createTopics(client, [
      { topic: t.input, partitions: 3, config: { 'max.message.bytes': String(4 << 20) } },
      { topic: t.deadLetters, partitions: 3, config: { 'max.message.bytes': String(DLQ_LIMIT) } },
    ]);
    const p = await startProcessor(client, pipeline(t));
    running.push(p);

    const { byHost, expected } = anomalyScenario();
    const hosts = [...byHost.keys()];
    const notUtf8 = Buffer.from([0xff, 0xfe, 0x80, 0x00, 0xc3]);
    const hugeCommandLine = `C:\\Windows\\System32\\cmd.exe /c ${'A'.repeat(2_000_000)}`;
    const [oversizedHost, binaryHost, emptyHost, nullHost, headersHost] = hosts;
    const bad: Record<string, OutMessage> = {
      [oversizedHost]: {
        key: oversizedHost,
        value: sysmonXml({ eventId: 1, host: oversizedHost, recordId: 999, time: T0, data: { ProcessGuid: '{x}', ProcessId: 1, Image: 'C:\\x.exe', CommandLine: hugeCommandLine } }),
      },
      [binaryHost]: { key: binaryHost, value: Buffer.concat([Buffer.from([0x00, 0x01, 0xff, 0x3c]), randomBytes(3000)]) },
      [emptyHost]: { key: emptyHost, value: Buffer.alloc(0) },
      [nullHost]: { key: nullHost, value: null },
      [headersHost]: { key: headersHost, value: '<Event><System><EventID>1</EventID>', headers: { 'x-raw': notUtf8, 'forwarder': 'nxlog' } },
    };
    // Each host's events in order, a bad message in the middle; every valid event of the last
    // host carries a header that is not UTF-8 (it must not matter).
    let total = 0;
    for (const [i, host] of hosts.entries()) {
      const events = byHost.get(host)!.map(sysmonXml);
      const headers = i === hosts.length - 1 ? { 'x-raw': notUtf8 } : undefined;
      const messages: OutMessage[] = events.map((value) => ({ key: host, value, headers }));
      if (bad[host]) messages.splice(3, 0, bad[host]);
      await produce(client, t.input, messages);
      total += messages.length;
    }

    const alerts = alertsOf(await waitForMessages(client, t.alerts, { count: expected.length, settleMs: 1000 }));
    expect(ruleHost(alerts)).toEqual(ruleHost(expected));
    const dead = await waitForMessages(client, t.deadLetters, { count: 5, settleMs: 1000 });
    expect(dead).toHaveLength(5);
    const byKey = new Map(dead.map((m) => [m.key!.toString(), m]));
    const reason = (host: string) => byKey.get(host)!.headers[DLQ_HEADERS.reason]?.toString();
    expect(reason(oversizedHost)).toBe('oversized-event');
    expect(reason(emptyHost)).toBe('unreadable-input');
    expect(reason(nullHost)).toBe('unreadable-input');
    expect(reason(binaryHost)).toMatch(/^(malformed-xml|unreadable-input|not-an-event)$/);
    expect(reason(headersHost)).toBe('malformed-xml');

    // Cut to fit the dead-letter topic (the broker took it), the start of the original kept.
    const cut = byKey.get(oversizedHost)!;
    const original = Buffer.from(bad[oversizedHost].value as string);
    expect(cut.headers[DLQ_HEADERS.truncated]?.toString()).toBe(String(original.length));
    expect(cut.value!.length).toBeLessThan(DLQ_LIMIT);
    expect(cut.value!.length).toBeGreaterThan(DLQ_LIMIT - 4096);
    expect(original.subarray(0, cut.value!.length).equals(cut.value!)).toBe(true);
    // The others as they were, headers byte for byte.
    expect(byKey.get(binaryHost)!.value!.equals(bad[binaryHost].value as Buffer)).toBe(true);
    expect(byKey.get(emptyHost)!.value?.length ?? 0).toBe(0);
    expect(byKey.get(nullHost)!.value).toBeNull();
    expect(byKey.get(headersHost)!.headers['x-raw']).toEqual(notUtf8);
    expect(byKey.get(headersHost)!.headers.forwarder?.toString()).toBe('nxlog');
    for (const m of dead) expect(m.headers[DLQ_HEADERS.offset]).toBeDefined();

    await eventually('every input offset committed', async () => (await committedTotal(client, t.group, t.input)) === total);
    expect(p.health()).toMatchObject({ ok: true });
  });
});

describe.each(['exactly_once', 'at_least_once'] as const)('the alerts topic gone for a while (%s)', (guarantee) => {
  it('commits no input offset past a message whose alert was not acknowledged, then delivers everything', async () => {
    const client = testClient();
    const t = randomTopics();
    await createTopics(client, [
      { topic: t.input, partitions: 3 },
      { topic: t.alerts, partitions: 3 },
      { topic: t.deadLetters, partitions: 3 },
      { topic: t.state, partitions: 3, compacted: true },
    ]);
    const p = await startProcessor(client, pipeline(t, { guarantee, create_topics: false }));
    running.push(p);

    // Before: a scenario's worth, all committed.
    const { byHost, expected } = anomalyScenario();
    let total = 0;
    for (const [host, events] of byHost) {
      await produce(client, t.input, events.map((e) => ({ key: host, value: sysmonXml(e) })));
      total += events.length;
    }
    await waitForMessages(client, t.alerts, { count: expected.length });
    await eventually('the first part committed', async () => (await committedTotal(client, t.group, t.input)) === total);
    const admin = await client.admin();
    try {
      const before = new Map((await admin.watermarks(t.input)).map((w) => [w.partition, w.high]));

      await admin.deleteTopics([t.alerts]);
      await eventually('the alerts topic to be gone', async () => (await admin.partitionCount(t.alerts)) === undefined);

      // Then: hosts whose one event each is an alert at once (smss.exe from a user folder).
      const later = new Map<string, string>();
      for (let i = 0; i < 9; i++) {
        const s = new HostScript(`later-${i}.corp.example`, T0 + 3_600_000);
        s.create({ guid: `{0000000${i}-1111-2222-3333-444444444444}`, pid: 300 + i, image: 'C:\\Users\\Public\\smss.exe', parentGuid: '{00000000-0000-0000-0000-000000000004}', parentPid: 4, parentImage: 'System' });
        later.set(s.host, sysmonXml(s.events[0]));
      }
      const laterAlerts = replayXml([...later.values()]);
      for (const host of later.keys()) expect(laterAlerts.some((a) => a.host === host)).toBe(true);
      await produce(client, t.input, [...later].map(([key, value]) => ({ key, value })));
      total += later.size;
      const firstLater = new Map((await admin.watermarks(t.input)).filter((w) => w.high > before.get(w.partition)!).map((w) => [w.partition, before.get(w.partition)!]));
      expect(firstLater.size).toBeGreaterThan(0);

      // While the topic is gone: no partition's committed offset passes its first unacknowledged alert.
      const until = Date.now() + 5000;
      while (Date.now() < until) {
        const now = await committed(client, t);
        for (const [partition, first] of firstLater) expect(now.get(partition) ?? 0, `partition ${partition}`).toBeLessThanOrEqual(first);
        await sleep(250);
      }

      await admin.createTopics([{ topic: t.alerts, partitions: 3 }]);
      const delivered = alertsOf(await waitForMessages(client, t.alerts, { count: laterAlerts.length, timeoutMs: 60_000, settleMs: 1000 }));
      expect(new Set(delivered.map((a) => a.id))).toEqual(new Set(laterAlerts.map((a) => a.id)));
      await eventually('every input offset committed', async () => (await committedTotal(client, t.group, t.input)) === total, 60_000);
      expect(p.health()).toMatchObject({ ok: true });
    } finally {
      await admin.close();
    }
  }, 120_000);
});
