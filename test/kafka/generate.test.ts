// `proctree generate --kafka` against a real broker: every event arrives once, keyed by its host,
// in each host's order, and decodes; --rate spreads the sends over wall-clock time.

import { describe, expect, it } from 'vitest';
import { DecodeCounters } from '../../src/decode/counters.js';
import { SysmonDecoder } from '../../src/decode/decoder.js';
import { SysmonEvent } from '../../src/decode/event.js';
import { DEFAULT_FLEET, Fleet } from '../../src/generator/fleet.js';
import { LinesOutput } from '../../src/generator/output.js';
import { runCli } from '../helpers/cli.js';
import { brokers, createTopics, randomName, testClient, waitForMessages, type ReceivedMessage } from './helpers.js';

const HOSTS = 20;
const DURATION_SECS = 600;
const EVENTS = 2_000;
const RATE = 4_000;
const SEED = 5;

/** The same fleet in-process, as the CLI builds it for --events: each host's events, in order. */
function expectedByHost(): Map<string, string[]> {
  const fleet = new Fleet({ ...DEFAULT_FLEET, seed: SEED, hosts: HOSTS, durationSecs: DURATION_SECS, hostEventsPerSec: (1.1 * EVENTS) / (HOSTS * DURATION_SECS) });
  const lines = new LinesOutput();
  while (!fleet.done) fleet.fill(lines, 10_000, EVENTS);
  const byHost = new Map<string, string[]>();
  for (const l of lines.lines) byHost.set(l.host, [...(byHost.get(l.host) ?? []), l.line]);
  return byHost;
}

function receivedByHost(messages: ReceivedMessage[]): Map<string, string[]> {
  const ordered = [...messages].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  const byHost = new Map<string, string[]>();
  for (const m of ordered) {
    const host = m.key?.toString('utf8') ?? '(no key)';
    byHost.set(host, [...(byHost.get(host) ?? []), m.value?.toString('latin1') ?? '']);
  }
  return byHost;
}

describe('proctree generate --kafka', () => {
  it('produces every event once, keyed by host, in host order, paced by --rate', async () => {
    const topic = randomName('generated');
    const client = testClient();
    await createTopics(client, [{ topic, partitions: 3 }]);

    const t0 = Date.now();
    const r = runCli(['generate', '--kafka', brokers().join(','), '--topic', topic, '--hosts', String(HOSTS), '--duration', `${DURATION_SECS}s`, '--events', String(EVENTS), '--seed', String(SEED), '--rate', String(RATE), '-q']);
    const wallMs = Date.now() - t0;
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);

    // Settle: a duplicate or stray message would show up as a count above EVENTS.
    const messages = await waitForMessages(client, topic, { count: EVENTS, settleMs: 1_000 });
    expect(messages).toHaveLength(EVENTS);

    const want = expectedByHost();
    const got = receivedByHost(messages);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [host, lines] of want) expect(got.get(host), host).toEqual(lines);

    const decoder = new SysmonDecoder(new DecodeCounters());
    let decoded = 0;
    for (const m of messages) {
      const e = decoder.decodeXmlBytes(m.value!);
      if (e === null) continue; // an EventID no rule reads
      expect(e, m.value!.toString('utf8').slice(0, 200)).toBeInstanceOf(SysmonEvent);
      expect((e as SysmonEvent).hostKey).toBe(m.key!.toString('utf8').toLowerCase());
      decoded++;
    }
    // Process creations and exits at least (the rules read registry events too).
    const lifecycle = messages.filter((m) => /<EventID>[15]</.test(m.value!.toString('latin1'))).length;
    expect(lifecycle).toBeGreaterThan(0);
    expect(decoded).toBeGreaterThanOrEqual(lifecycle);

    // Pacing only ever delays, so lower bounds cannot flake: the run takes at least EVENTS / RATE,
    // and the producer's timestamps spread over most of the run (all but the first batch of RATE / 20
    // events, less the time to render that batch: taken at half).
    expect(wallMs).toBeGreaterThanOrEqual((EVENTS / RATE) * 1000);
    const stamps = messages.map((m) => m.timestampMs);
    expect(Math.max(...stamps) - Math.min(...stamps)).toBeGreaterThanOrEqual(((EVENTS - RATE / 20) / RATE) * 1000 * 0.5);
  });
});
