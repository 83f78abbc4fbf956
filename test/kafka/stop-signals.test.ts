// SIGTERM at every moment of `proctree run`, against the real broker: while the CLI loads, while
// it joins its consumer group (another member, frozen with SIGSTOP, makes the join wait for as
// long as the test wants), while it restores state,
// while it consumes and while it commits (events keep arriving meanwhile, as in production).
// Each time: exit 0 within a bound, and the next member
// of the group gets the partitions at once (a member that lingered would hold them until its
// 30 s session timed out). At the end one more instance reads to the end: every alert exactly
// once. Then what ends a stop that does not end: a second signal, and --stop-timeout-secs.

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaClient } from '../../src/kafka/client.js';
import { anomalyScenario, churn, HostScript, normalBoot, sysmonXml, T0 } from '../helpers/scenario.js';
import { cleanupCli, handlesSigterm, ROOT, runCli, writePipeline, type LogLine, type Running } from './cli-process.js';
import { brokers, createTopics, eventually, randomName, testClient, waitForMessages } from './helpers.js';
import { alertsOf, committedTotal, pipelineYaml, randomTopics, ruleHost, type Topics } from './processor-helpers.js';

/** A graceful stop takes well under this (a join in progress is let finish: up to the other member's 3 s heartbeat). */
const STOP_BOUND_MS = 8000;
/** A new member gets partitions this fast when nobody lingers (the session timeout below is 30 s). */
const PROMPT_MS = 8000;

let client: KafkaClient;
const t: Topics = randomTopics();
let expected: { rule: string; host: string }[] = [];
/** Every host's events, hosts interleaved, each host's in order: fed to the input topic a slice at a time. */
let stream: { key: string; value: string }[] = [];
let produced = 0;

afterEach(() => cleanupCli());

beforeAll(async () => {
  client = testClient();
  const scenario = anomalyScenario();
  expected = scenario.expected;
  const byHost = new Map([...scenario.byHost].map(([h, evs]) => [h, evs.map(sysmonXml)]));
  for (let i = 0; i < 20; i++) {
    const s = new HostScript(`busy-${i}.corp.example`, T0);
    normalBoot(s);
    churn(s, 300, 1000);
    byHost.set(s.host, s.events.map(sysmonXml));
  }
  const queues = [...byHost].map(([key, values]) => values.map((value) => ({ key, value })));
  for (let i = 0; queues.some((q) => i < q.length); i++) for (const q of queues) if (i < q.length) stream.push(q[i]);
  await createTopics(client, [
    { topic: t.input, partitions: 3 },
    { topic: t.alerts, partitions: 3 },
    { topic: t.deadLetters, partitions: 3 },
    { topic: t.state, partitions: 3, compacted: true },
  ]);
}, 120_000);

/** Sends the next `n` messages of the stream (all that are left when n is Infinity). */
async function feed(n: number): Promise<void> {
  const slice = stream.slice(produced, produced + n);
  if (slice.length === 0) return;
  const producer = await client.producer();
  try {
    await producer.send([{ topic: t.input, messages: slice }]);
  } finally {
    await producer.close();
  }
  produced += slice.length;
}

/** Feeds 200 messages every 100 ms until the returned function is called. */
function feeding(): () => Promise<void> {
  let on = true;
  const loop = (async () => {
    while (on && produced < stream.length) {
      await feed(200);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return async () => {
    on = false;
    await loop;
  };
}

function start(extra: Record<string, unknown> = {}, args: string[] = [], topics = t): Running {
  // 30 s: a member left behind would keep the partitions from the next one for that long.
  return runCli(writePipeline(pipelineYaml(topics, { session_timeout_secs: 30, ...extra })), args);
}

/** SIGTERM, then: exit 0 within the bound, and the moment it was sent (checked from the log). */
async function sigterm(p: Running): Promise<void> {
  p.child.kill('SIGTERM');
  const sentMs = Date.now();
  const exit = await p.waitForExit(STOP_BOUND_MS);
  expect({ code: exit.code, signal: exit.signal }, p.stderr().slice(-3000)).toEqual({ code: 0, signal: null });
  expect(exit.atMs - sentMs).toBeLessThan(STOP_BOUND_MS);
}

/** Index of the first log line matching, or Infinity. */
function at(p: Running, what: (l: LogLine) => boolean): number {
  const i = p.logs().findIndex(what);
  return i < 0 ? Infinity : i;
}
const msg = (m: string) => (l: LogLine) => l.msg === m;
const stopping = (l: LogLine) => l.msg.startsWith('stopping');

/** Another member of the group in a process of its own (group-member.mjs), which the test can freeze. */
interface Member {
  child: ChildProcess;
  /** Its assignments, latest last. */
  assignments: { partitions: number[]; atMs: number }[];
  leave(): Promise<void>;
}

const members: ChildProcess[] = [];
afterAll(() => {
  for (const m of members) if (m.exitCode === null && m.signalCode === null) m.kill('SIGKILL');
});

async function member(group: string): Promise<Member> {
  const child = spawn(process.execPath, [join(ROOT, 'test/kafka/group-member.mjs'), brokers().join(','), group, t.input], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  members.push(child);
  const assignments: Member['assignments'] = [];
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    const pieces = (partial + d.toString()).split('\n');
    partial = pieces.pop()!;
    for (const line of pieces) if (line.trim() !== '') assignments.push(JSON.parse(line) as Member['assignments'][number]);
  });
  await eventually('the other member to own all partitions', () => assignments.at(-1)?.partitions.length === 3, 30_000);
  return {
    child,
    assignments,
    async leave() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** The next instance owns all three partitions promptly: nobody lingers in the group. */
async function nextGetsPartitionsPromptly(extra: Record<string, unknown> = {}, args: string[] = []): Promise<Running> {
  const next = start(extra, args);
  await next.waitForLog((l) => l.msg === 'partitions assigned' && Array.isArray(l.partitions) && l.partitions.length === 3, PROMPT_MS);
  return next;
}

describe('proctree run stopped by SIGTERM at any moment', () => {
  afterAll(() => cleanupCli());

  it('while the CLI is still loading: exit 0, no connection made', async () => {
    const p = start();
    await handlesSigterm(p.child.pid!);
    await sigterm(p);
    expect(at(p, msg('joining the consumer group'))).toBe(Infinity);
  });

  it('while joining the group: exit 0, and the other member gets every partition back at once', async () => {
    const other = await member(t.group);
    try {
      // Frozen, the other member answers no rebalance: the new member's join waits for it.
      other.child.kill('SIGSTOP');
      const p = start();
      await p.waitForLog('joining the consumer group');
      p.child.kill('SIGTERM');
      const sentMs = Date.now();
      await p.waitForLog(stopping);
      await new Promise((r) => setTimeout(r, 500));
      expect(p.child.exitCode).toBeNull(); // waiting for the join to end, so that it can leave
      other.child.kill('SIGCONT');
      const exit = await p.waitForExit(STOP_BOUND_MS);
      expect({ code: exit.code, signal: exit.signal }, p.stderr().slice(-3000)).toEqual({ code: 0, signal: null });
      expect(exit.atMs - sentMs).toBeLessThan(STOP_BOUND_MS);
      // It never took the partitions it was given while stopping.
      expect(at(p, msg('partitions assigned'))).toBe(Infinity);
      // It left: the other member gets all partitions back at its next heartbeat, not after 30 s.
      await eventually(
        'the other member to own all partitions again',
        () => other.assignments.at(-1)!.partitions.length === 3 && other.assignments.at(-1)!.atMs > exit.atMs - 1000 && other.assignments.some((a) => a.partitions.length < 3),
        PROMPT_MS,
      );
    } finally {
      await other.leave();
    }
  });

  it('while consuming (events arriving): exit 0 with what it did committed, and the next instance gets the partitions at once', async () => {
    const p = await nextGetsPartitionsPromptly();
    await p.waitForLog('restored host state');
    const stopFeeding = feeding();
    try {
      await eventually('some input committed', async () => (await committedTotal(client, t.group, t.input)) > 0, 20_000);
      await sigterm(p);
    } finally {
      await stopFeeding();
    }
    expect(await committedTotal(client, t.group, t.input)).toBeGreaterThan(0);
  });

  it('while restoring the state the last one left: exit 0', async () => {
    const p = await nextGetsPartitionsPromptly();
    await p.waitForLog('restoring host state');
    await sigterm(p);
    expect(at(p, stopping)).toBeLessThan(at(p, msg('restored host state')));
  });

  it('while committing (events arriving): exit 0', async () => {
    const p = await nextGetsPartitionsPromptly({}, ['--log-level', 'debug']);
    await p.waitForLog('restored host state');
    const stopFeeding = feeding();
    try {
      await p.waitForLog('committing', 20_000);
      await sigterm(p);
    } finally {
      await stopFeeding();
    }
  });

  it('and the next instance reads to the end: every alert exactly once, every offset committed', async () => {
    const p = await nextGetsPartitionsPromptly({ idle_timeout_secs: 1 });
    await feed(Infinity);
    await eventually('all input committed', async () => (await committedTotal(client, t.group, t.input)) === produced, 60_000);
    const alerts = alertsOf(await waitForMessages(client, t.alerts, { count: expected.length, settleMs: 1000 }));
    expect(ruleHost(alerts)).toEqual(ruleHost(expected));
    await sigterm(p);
  });
});

describe('a stop that does not end', () => {
  afterAll(() => cleanupCli());

  /** A group whose other member holds every partition, frozen: a join never ends. */
  async function frozenGroup(): Promise<{ topics: Topics; other: Member }> {
    const topics = { ...t, group: randomName('frozen-group') };
    const other = await member(topics.group);
    other.child.kill('SIGSTOP');
    return { topics, other };
  }

  it('ends at once on a second signal, saying so (exit 1)', async () => {
    const { topics, other } = await frozenGroup();
    try {
      const p = start({ create_topics: false }, [], topics);
      await p.waitForLog('joining the consumer group');
      p.child.kill('SIGTERM');
      await p.waitForLog(stopping);
      p.child.kill('SIGINT');
      const exit = await p.waitForExit(2000);
      expect(exit.code, p.stderr()).toBe(1);
      expect(p.logs().some((l) => l.msg.startsWith('a second SIGINT while stopping: exiting now without committing'))).toBe(true);
    } finally {
      await other.leave();
    }
  });

  it('ends after --stop-timeout-secs, saying so (exit 1)', async () => {
    const { topics, other } = await frozenGroup();
    try {
      const p = start({ create_topics: false }, ['--stop-timeout-secs', '0.3'], topics);
      await p.waitForLog('joining the consumer group');
      p.child.kill('SIGTERM');
      const exit = await p.waitForExit(3000);
      expect(exit.code, p.stderr()).toBe(1);
      expect(p.logs().some((l) => l.msg.startsWith('the graceful stop took longer than 0.3 s (--stop-timeout-secs)'))).toBe(true);
    } finally {
      await other.leave();
    }
  });
});
