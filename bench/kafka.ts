// Kafka end to end with a real broker: sustained events/s through topic -> `proctree run` (a
// separate process) -> alerts topic, and produce-to-alert latency p50/p99 at a steady rate.
// Beside it, what the same messages cost without us (kafkajs consuming only) and without Kafka
// (decode + engine in memory), so BENCHMARKS.md can say where the time goes.
//
//   npm run bench:kafka                      (starts a local broker unless KAFKA_BROKERS is set)
//   BENCH_KAFKA_EVENTS=300000 BENCH_KAFKA_RATE=5000 npm run bench:kafka
//   BENCH_KAFKA_VS=/elsewhere/bin/proctree.js npm run bench:kafka   (a second build drains the same topic after this one)
//   BENCH_KAFKA_INPUT=<input topic of an earlier run> ...            (drain that topic again: no fleet to build and produce, no latency phase)
//   BENCH_KAFKA_PROFILE=dir, BENCH_KAFKA_NODE_ARGS="--trace-gc ..."   (node flags for the processor; what they print goes to stderr)
//
// Each drain prints the processor's rate as a share of kafkajs consuming alone in the same run
// (issue 13's target: 80%, on BENCH_KAFKA_FLEET=generated-rules), its CPU per event by thread
// (from /proc: the main thread runs the Kafka consumer, the worker the rest), and the share
// the worker's CPU per event allows where each has a free core, which the load does not move as
// much as it moves the rates (BENCH_KAFKA_THREADS=1 lists every thread).
//
// BENCH_KAFKA_FLEET picks the drained events: `generated` (default), a fleet from `proctree
// generate` (boots, logons, churn with exits, registry writes, image loads, network, DNS...,
// anomalies; ~1.4 KB events; trees stay the size of live processes; about two thirds of its
// events have EventIDs no rule reads, which the decoder drops early), `generated-rules`, the same
// fleet keeping only the EventIDs the rules read (1, 5, 12, 13), or `synthetic`, ~2 KB svchost
// creations that never exit, so every host's tree (and snapshot) grows with every event: a worst
// case for state.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { stringify } from 'yaml';
import { benchBroker } from './bench-broker.js';
import type { Alert } from '../src/alerts/alert.js';
import { DecodeCounters } from '../src/decode/counters.js';
import { SysmonDecoder } from '../src/decode/decoder.js';
import { SysmonEvent } from '../src/decode/event.js';
import type { KafkaClient, KafkaProducer, OutMessage } from '../src/kafka/client.js';
import { createKafkajsClient } from '../src/kafka/kafkajs-client.js';
import { parsePipeline } from '../src/pipeline/config.js';
import { Engine } from '../src/engine/engine.js';
import { Fleet } from '../src/generator/fleet.js';
import { KafkaOutput } from '../src/generator/kafka-output.js';
import { TopicWriter } from '../src/sinks/kafka/topic-writer.js';
import { STATE_TOPIC_CONFIG } from '../src/sources/kafka/topics.js';
import { runFleet } from '../src/generator/run.js';
import { HostScript, T0, sysmonXml, type XmlEventSpec } from '../test/helpers/scenario.js';

const ROOT = resolve(import.meta.dirname, '..');
const HOSTS = Number(process.env.BENCH_KAFKA_HOSTS ?? 500);
const FLEET = process.env.BENCH_KAFKA_FLEET ?? 'generated';
// Enough for a drain of ~10 s; the synthetic fleet's trees grow with every event, so fewer.
const EVENTS = Number(process.env.BENCH_KAFKA_EVENTS ?? (FLEET === 'synthetic' ? 300_000 : 1_000_000));
const RATE = Number(process.env.BENCH_KAFKA_RATE ?? 5_000);
const LATENCY_SECS = Number(process.env.BENCH_KAFKA_LATENCY_SECS ?? 20);
const PARTITIONS = 6;
/** The build of `proctree` to measure, and optionally a second one to drain the same topic after it (A/B in one run). */
const PROCTREE = resolve(process.env.BENCH_KAFKA_PROCTREE ?? join(ROOT, 'bin/proctree.js'));
const VS = process.env.BENCH_KAFKA_VS === undefined ? undefined : resolve(process.env.BENCH_KAFKA_VS);
/** Topic and group names start with this (engineers sharing one broker keep theirs apart). */
const PREFIX = process.env.BENCH_KAFKA_PREFIX ?? 'bench';
/**
 * The input topic of an earlier run to drain again instead of building and producing a fleet (its
 * BENCH_KAFKA_EVENTS and BENCH_KAFKA_FLEET must be that run's): quicker A/Bs on one topic.
 */
const INPUT = process.env.BENCH_KAFKA_INPUT || undefined;

const say = (s: string) => process.stdout.write(`${s}\n`);
const note = (s: string) => process.stderr.write(`bench:kafka: ${s}\n`);

/** Fields real Sysmon EventID 1 records carry besides those the rules read (they make events ~1.8 KB). */
const PADDING = {
  RuleName: '-',
  FileVersion: '10.0.19041.1 (WinBuild.160101.0800)',
  Description: 'Host Process for Windows Services',
  Product: 'Microsoft® Windows® Operating System',
  Company: 'Microsoft Corporation',
  CurrentDirectory: 'C:\\Windows\\system32\\',
  LogonGuid: '{b2796a13-e3e8-5f3c-0000-0020e7030000}',
  IntegrityLevel: 'System',
  Hashes: 'SHA1=A1385CE20AD79F55DF235EFFD9780C31442AA234,MD5=8A0A29438052FAED8A2532DA50455756,SHA256=7FD065BAC18C5278777AE44908101CDFED72D26FA741367F0AD4D02020787AB6,IMPHASH=86A62C5D7A9F2E28C1B3E0F6F0B2A6D1',
};

/** Ordinary process churn across many hosts, round-robin so every partition stays busy. */
function fleetEvents(count: number, hosts: number, tag: string): { key: string; value: string }[] {
  const scripts = Array.from({ length: hosts }, (_, i) => new HostScript(`ws-${tag}-${i}.corp.example`, T0));
  const out: { key: string; value: string }[] = [];
  for (let i = 0; out.length < count; i++) {
    const s = scripts[i % hosts];
    s.wait(250);
    const guid = `{${(i % 0xffffffff).toString(16).padStart(8, '0')}-0000-0000-0000-${String(i).padStart(12, '0')}}`;
    s.create({ guid, pid: 1000 + (i % 60000), image: 'C:\\Windows\\System32\\svchost.exe', parentGuid: '{aaaaaaaa-0000-0000-0000-000000000700}', parentPid: 700, parentImage: 'C:\\Windows\\System32\\services.exe', commandLine: 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule' });
    const ev = s.events[s.events.length - 1];
    ev.data = { ...ev.data, ...PADDING };
    out.push({ key: s.host, value: sysmonXml(ev) });
  }
  return out;
}

const RULE_EVENT_IDS = /<EventID>(1|5|12|13)<\/EventID>/;

/**
 * A generated fleet's events (as `proctree generate --kafka` sends them), collected in memory to
 * be produced at full speed; with `ruleEventIds`, only those of the EventIDs the rules read.
 */
async function generatedEvents(count: number, hosts: number, ruleEventIds: boolean): Promise<OutMessage[]> {
  const out: OutMessage[] = [];
  const collector: KafkaProducer = {
    send: async (records) => {
      for (const r of records) {
        for (const m of r.messages) if (!ruleEventIds || RULE_EVENT_IDS.test((m.value as Buffer).toString('latin1', 0, 400))) out.push(m);
      }
    },
    transaction: () => Promise.reject(new Error('not transactional')),
    close: async () => {},
  };
  const output = new KafkaOutput(new TopicWriter(collector, 'collected'));
  // About a third of a generated fleet's events have the rules' EventIDs.
  const generate = ruleEventIds ? 3.6 * count : count;
  await runFleet(new Fleet({ hosts, durationSecs: 3600, hostEventsPerSec: (1.1 * generate) / (hosts * 3600), seed: 11 }), output, { maxEvents: generate });
  await output.close();
  if (out.length < count) throw new Error(`the fleet gave ${out.length} events of the rules' EventIDs, fewer than ${count}`);
  return out.slice(0, count);
}

/** An event that raises smss.path at once: an smss.exe from the wrong folder on its own host. */
function anomaly(n: number | string): { key: string; value: string } {
  const host = `lat-${n}.corp.example`;
  const serial = typeof n === 'number' ? n : 0;
  const spec: XmlEventSpec = {
    eventId: 1,
    host,
    recordId: 1,
    time: T0 + serial,
    data: {
      ProcessGuid: `{bbbbbbbb-0000-0000-0000-${String(serial).padStart(12, '0')}}`,
      ProcessId: 4242,
      Image: 'C:\\Users\\Public\\smss.exe',
      OriginalFileName: 'smss.exe',
      CommandLine: 'C:\\Users\\Public\\smss.exe',
      User: 'NT AUTHORITY\\SYSTEM',
      LogonId: '0x3e7',
      TerminalSessionId: 0,
      ParentProcessGuid: '{cccccccc-0000-0000-0000-000000000004}',
      ParentProcessId: 4,
      ParentImage: 'System',
      ...PADDING,
    },
  };
  return { key: host, value: sysmonXml(spec) };
}

async function produce(client: KafkaClient, topic: string, messages: OutMessage[]): Promise<number> {
  const producer = await client.producer();
  const started = performance.now();
  try {
    for (let i = 0; i < messages.length; i += 2000) await producer.send([{ topic, messages: messages.slice(i, i + 2000) }]);
  } finally {
    await producer.close();
  }
  return (performance.now() - started) / 1000;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); undefined elsewhere. */
function processCpuSecs(pid: number): number | undefined {
  try {
    return statCpuSecs(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds of a /proc stat line (a process's or a thread's). */
function statCpuSecs(stat: string): number {
  // Fields after the command name (which may hold spaces and parentheses): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
}

/** Resident memory of a process now and at its peak, in MB, from /proc (Linux); undefined elsewhere. */
function residentMb(pid: number): { now: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const kb = (field: string) => Number(/\s(\d+) kB/.exec(status.slice(status.indexOf(field)))?.[1]);
    return { now: kb('VmRSS:') / 1024, peak: kb('VmHWM:') / 1024 };
  } catch {
    return undefined;
  }
}

/** CPU seconds of each thread of a process so far, by thread id, from /proc (Linux); empty elsewhere. */
function threadCpuSecs(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        out.set(Number(tid), statCpuSecs(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1')));
      } catch {
        // the thread ended between the listing and the read
      }
    }
  } catch {
    // not Linux, or the process is gone
  }
  return out;
}

interface ThreadCpu {
  /** The main thread: the Kafka consumer (src/kafka/thread-consumer.ts). */
  main: number;
  /** The busiest other thread: the processing worker (decode, engine, snapshots, producers). */
  worker: number;
  /** The rest: V8's GC and compiler helpers, libuv's pool (gzip). */
  other: number;
}

/** Where the processor's CPU went between two samples of its threads, in seconds. */
function threadShares(pid: number, before: Map<number, number>, after: Map<number, number>): ThreadCpu | undefined {
  if (after.size === 0) return undefined;
  const used = [...after].map(([tid, s]) => [tid, s - (before.get(tid) ?? 0)] as const);
  const main = used.find(([tid]) => tid === pid)?.[1] ?? 0;
  const others = used.filter(([tid]) => tid !== pid).sort((a, b) => b[1] - a[1]);
  if (process.env.BENCH_KAFKA_THREADS) note(`threads: ${used.map(([tid, s]) => `${tid - pid}:${s.toFixed(2)}`).join(' ')}`);
  return { main, worker: others[0]?.[1] ?? 0, other: others.slice(1).reduce((n, [, s]) => n + s, 0) };
}

const load = () => loadavg()[0].toFixed(1);
const usPerEvent = (cpuSecs: number) => (cpuSecs * 1e6) / EVENTS;
const perEvent = (cpuSecs: number | undefined) => (cpuSecs === undefined ? 'n/a' : `${usPerEvent(cpuSecs).toFixed(1)} us CPU/event`);
/** Issue 13's target: the processor sustains this share of what the Kafka client alone consumes. */
const TARGET_SHARE = 0.8;

/** A full garbage collection now (V8's gc() exposed at run time: vite-node takes no node flags). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** kafkajs alone: read the topic with a consumer group and do nothing with the messages. */
async function consumeOnly(client: KafkaClient, topic: string, total: number): Promise<{ rate: number; cpuSecs: number }> {
  let seen = 0;
  let first = 0;
  let cpuAtFirst = process.cpuUsage();
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const consumer = client.consumer({ groupId: `${PREFIX}-raw-${Date.now()}`, topics: [topic], maxBytesPerPartition: 4 << 20 });
  await consumer.run({
    onBatch: async (b) => {
      if (first === 0) {
        first = performance.now();
        cpuAtFirst = process.cpuUsage();
      }
      seen += b.messages.length;
      if (seen >= total) done();
    },
  });
  await finished;
  const secs = (performance.now() - first) / 1000;
  const cpu = process.cpuUsage(cpuAtFirst);
  await consumer.close();
  return { rate: total / secs, cpuSecs: (cpu.user + cpu.system) / 1e6 };
}

/** Our code alone: the same values decoded from Buffers and run through the engine in memory. */
function decodeAndEngine(values: Buffer[]): number {
  const engine = new Engine(parsePipeline({}));
  const decoder = new SysmonDecoder(new DecodeCounters());
  const started = performance.now();
  const alerts: Alert[] = [];
  for (let i = 0; i < values.length; i += 5000) {
    const events: SysmonEvent[] = [];
    for (const v of values.slice(i, i + 5000)) {
      const r = decoder.decodeXmlBytes(v); // what a partition task does with a message value
      if (r instanceof SysmonEvent) events.push(r);
    }
    engine.process(events, alerts);
  }
  return values.length / ((performance.now() - started) / 1000);
}

interface BenchTopics {
  input: string;
  alerts: string;
  dlq: string;
  state: string;
}

/**
 * `proctree run` (the build at `bin`) as its own process, draining the preloaded input topic with
 * group `name`: the rate from its first start alert to its last end alert, and its CPU meanwhile.
 * The process is left running (for the latency phase).
 */
async function drain(client: KafkaClient, brokers: string, bin: string, name: string, topics: BenchTopics, pipelineFile: string) {
  writeFileSync(
    pipelineFile,
    stringify({
      source: { kind: 'kafka', brokers: brokers.split(','), topic: topics.input, group_id: `${name}-group`, state_topic: topics.state, dead_letter_topic: topics.dlq, partitions: PARTITIONS, guarantee: process.env.BENCH_KAFKA_GUARANTEE ?? 'exactly_once' },
      sink: { kind: 'kafka', topic: topics.alerts },
    }),
  );
  // The sentinels' reader subscribes before the processor runs, so its topics must exist (those of the first drain do already).
  const admin = await client.admin();
  await admin.createTopics([
    { topic: topics.alerts, partitions: PARTITIONS },
    { topic: topics.dlq, partitions: PARTITIONS },
    { topic: topics.state, partitions: PARTITIONS, compacted: true, config: { ...STATE_TOPIC_CONFIG } },
  ]);
  await admin.close();
  const seen = new Map<string, number>();
  const sentinels = client.consumer({ groupId: `${name}-sentinels`, topics: [topics.alerts], fromBeginning: true });
  await sentinels.run({
    onBatch: async (b) => {
      for (const m of b.messages) {
        const key = m.key!.toString();
        if (!seen.has(key)) seen.set(key, performance.now());
      }
    },
  });
  const profile = process.env.BENCH_KAFKA_PROFILE;
  const nodeArgs = [...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []), ...(process.env.BENCH_KAFKA_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
  const child = spawn(process.execPath, [...nodeArgs, bin, 'run', pipelineFile, '--log-level', 'warn'], {
    cwd: ROOT,
    env: { ...process.env, KAFKA_BROKERS: '' },
    // What node flags print (--trace-gc...) goes to stderr, beside the processor's warnings.
    stdio: ['ignore', 2, 'inherit'],
  });
  const startAt = performance.now();
  const keys = (edge: string) => Array.from({ length: PARTITIONS }, (_, p) => `lat-${edge}-${p}.corp.example`);
  // The processor's CPU (all its threads) from the first start alert to the last end alert.
  let cpuAtStart: number | undefined;
  let threadsAtStart = new Map<number, number>();
  for (;;) {
    if (cpuAtStart === undefined && keys('start').some((k) => seen.has(k))) {
      cpuAtStart = processCpuSecs(child.pid!);
      threadsAtStart = threadCpuSecs(child.pid!);
    }
    if (keys('end').every((k) => seen.has(k))) break;
    if (performance.now() - startAt > 600_000) throw new Error(`processor did not finish in 10 min (${seen.size} sentinel alerts)`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const cpuAtEnd = processCpuSecs(child.pid!);
  const threads = threadShares(child.pid!, threadsAtStart, threadCpuSecs(child.pid!));
  const resident = residentMb(child.pid!);
  await sentinels.close();
  const first = Math.min(...keys('start').map((k) => seen.get(k) ?? Infinity));
  const last = Math.max(...keys('end').map((k) => seen.get(k)!));
  return {
    child,
    rate: EVENTS / ((last - first) / 1000),
    withStartUp: EVENTS / ((last - startAt) / 1000),
    cpuSecs: cpuAtStart !== undefined && cpuAtEnd !== undefined ? cpuAtEnd - cpuAtStart : undefined,
    threads,
    resident,
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Builds the fleet, produces it to `input` between the sentinels, and times decode + engine on
 * it in memory. Nothing of the fleet outlives the call.
 */
async function produceFleet(client: KafkaClient, brokers: string, input: string, run: string): Promise<void> {
  note(`building ${EVENTS} ${FLEET} events for ${HOSTS} hosts`);
  if (!['generated', 'generated-rules', 'synthetic'].includes(FLEET)) throw new Error(`BENCH_KAFKA_FLEET=${FLEET}: expected generated, generated-rules or synthetic`);
  const fleet: OutMessage[] = FLEET === 'synthetic' ? fleetEvents(EVENTS, HOSTS, run) : await generatedEvents(EVENTS, HOSTS, FLEET === 'generated-rules');
  const bytes = fleet.reduce((n, m) => n + Buffer.byteLength(m.value!), 0);
  // Each partition starts and ends with an anomaly: the first start alert and the last end alert
  // read from the alerts topic (read_committed) bracket the drain, each behind one commit.
  const sentinel = (edge: 'start' | 'end') =>
    Array.from({ length: PARTITIONS }, (_, p): OutMessage => ({ ...anomaly(`${edge}-${p}`), partition: p }));
  const produceSecs = await produce(client, input, [...sentinel('start'), ...fleet, ...sentinel('end')]);
  say(`kafka bench: ${EVENTS} ${FLEET} events, ${HOSTS} hosts, ${(bytes / EVENTS).toFixed(0)} B/event, ${PARTITIONS} partitions, broker ${brokers}, input topic ${input}`);
  say(`  produce (kafkajs, acks all)          ${(EVENTS / produceSecs).toFixed(0).padStart(8)} ev/s`);
  say(`  decode + engine in memory (no Kafka) ${decodeAndEngine(fleet.map((m) => Buffer.from(m.value!))).toFixed(0).padStart(8)} ev/s`);
}

async function main(): Promise<void> {
  const broker = await benchBroker(note);
  const brokers = broker.brokers;
  const client = createKafkajsClient({ brokers: brokers.split(','), clientId: 'bench' });
  const run = `${PREFIX}-${Date.now()}`;
  const topics = { input: INPUT ?? `${run}-in`, alerts: `${run}-alerts`, dlq: `${run}-dlq`, state: `${run}-state` };
  const dir = mkdtempSync(join(tmpdir(), 'bench-kafka-'));
  const admin = await client.admin();
  await admin.createTopics([
    { topic: topics.input, partitions: PARTITIONS },
    { topic: topics.alerts, partitions: PARTITIONS },
    { topic: topics.dlq, partitions: PARTITIONS },
    { topic: topics.state, partitions: PARTITIONS, compacted: true, config: { ...STATE_TOPIC_CONFIG } },
  ]);
  await admin.close();

  if (INPUT === undefined) await produceFleet(client, brokers, topics.input, run);
  else say(`kafka bench: the ${EVENTS} events of ${INPUT} (BENCH_KAFKA_INPUT), ${PARTITIONS} partitions, broker ${brokers}`);
  // kafkajs alone in a process without the fleet: while this process held it (~1.4 GB for 1M
  // events), its garbage collection counted in kafkajs' CPU per message (15.5-20.6 us in two runs,
  // 5-6 us without the fleet) and slowed it, which made the processor's share look better than it is.
  collectGarbage();
  const consumed = await consumeOnly(client, topics.input, EVENTS);
  say(`  consume only (kafkajs, no work)      ${consumed.rate.toFixed(0).padStart(8)} ev/s (${perEvent(consumed.cpuSecs)}; load average ${load()})`);

  // Sustained: the processor drains the preloaded topic, bracketed by the sentinels' alerts;
  // with BENCH_KAFKA_VS, another build of it drains the same topic again (its own group and output topics).
  const drains: { label: string; bin: string }[] = [{ label: 'proctree run', bin: PROCTREE }];
  if (VS !== undefined) drains.push({ label: 'vs: proctree run', bin: VS });
  let child: ChildProcess | undefined;
  for (const [i, d] of drains.entries()) {
    const name = i === 0 ? run : `${run}-vs`;
    const out = i === 0 ? topics : { input: topics.input, alerts: `${name}-alerts`, dlq: `${name}-dlq`, state: `${name}-state` };
    if (i > 0) {
      child?.kill('SIGTERM');
      if (child !== undefined) await new Promise((r) => child!.once('exit', r));
    }
    const drained = await drain(client, brokers, d.bin, name, out, join(dir, `pipeline-${i}.yaml`));
    child = drained.child;
    say(`  topic -> ${d.label} -> alerts${' '.repeat(Math.max(1, 22 - d.label.length))}${drained.rate.toFixed(0).padStart(8)} ev/s sustained (first to last sentinel alert; ${drained.withStartUp.toFixed(0)} ev/s including start-up)${i > 0 ? ` ${d.bin}` : ''}`);
    const t = drained.threads;
    say(
      `    processor ${perEvent(drained.cpuSecs)}` +
        (t === undefined ? '' : `: main thread (consumer) ${usPerEvent(t.main).toFixed(1)} us, worker (decode, engine, snapshots, producers) ${usPerEvent(t.worker).toFixed(1)} us, other threads (GC, compiler, gzip) ${usPerEvent(t.other).toFixed(1)} us`) +
        (drained.resident === undefined ? '' : `; resident ${drained.resident.now.toFixed(0)} MB at the end, ${drained.resident.peak.toFixed(0)} MB at the peak`),
    );
    const share = drained.rate / consumed.rate;
    const loadNow = loadavg()[0];
    say(
      `  SHARE ${d.label}: ${(100 * share).toFixed(0)}% of kafkajs alone (${drained.rate.toFixed(0)} / ${consumed.rate.toFixed(0)} ev/s; target ${100 * TARGET_SHARE}%: ${share >= TARGET_SHARE ? 'met' : 'not met'}); ` +
        `load average ${loadNow.toFixed(1)} on ${availableParallelism()} cores${loadNow > availableParallelism() ? ': a busy machine, where the share moves with the load' : ''}`,
    );
    // Steadier than the rates under load: with a core each, the worker bounds the processor and one thread kafkajs alone.
    if (t !== undefined && t.worker > 0) {
      say(`    kafkajs alone ${perEvent(consumed.cpuSecs)} / the worker's ${usPerEvent(t.worker).toFixed(1)} us = ${((100 * consumed.cpuSecs) / t.worker).toFixed(0)}%: the share the worker allows where each has a free core`);
    }
  }

  // The latency phase appends to the input topic, which a later BENCH_KAFKA_INPUT run would drain again.
  if (LATENCY_SECS > 0 && INPUT === undefined) await latency(client, topics, run);
  else if (LATENCY_SECS > 0) note('no latency phase with BENCH_KAFKA_INPUT (it would add to the topic that later runs drain)');
  child!.kill('SIGTERM');
  await new Promise((r) => child!.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  await broker.stop();
}

/** Latency at a steady rate: one anomaly per 100 events, produce time -> alert read (read_committed). */
async function latency(client: KafkaClient, topics: { input: string; alerts: string }, run: string): Promise<void> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const reader = client.consumer({ groupId: `${run}-reader`, topics: [topics.alerts], fromBeginning: true });
  await reader.run({
    onBatch: async (b) => {
      const now = performance.now();
      for (const m of b.messages) {
        const t = sentAt.get(m.key!.toString());
        if (t !== undefined) latencies.push(now - t);
      }
    },
  });
  const producer = await client.producer();
  const churn = fleetEvents(RATE * LATENCY_SECS, HOSTS, `${run}-lat`);
  const tickMs = 50;
  const perTick = Math.max(1, Math.round((RATE * tickMs) / 1000));
  const started = performance.now();
  let sent = 0;
  let anomalies = 0;
  while (sent < churn.length) {
    const due = Math.min(churn.length, Math.floor(((performance.now() - started) / 1000) * RATE) + perTick);
    if (due > sent) {
      const batch: OutMessage[] = churn.slice(sent, due);
      for (let i = sent; i < due; i += 100) {
        const a = anomaly(anomalies++);
        batch.push(a);
        sentAt.set(a.key, performance.now());
      }
      await producer.send([{ topic: topics.input, messages: batch }]);
      sent = due;
    }
    await new Promise((r) => setTimeout(r, tickMs));
  }
  const deadline = performance.now() + 30_000;
  while (latencies.length < anomalies && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await producer.close();
  await reader.close();
  latencies.sort((a, b) => a - b);
  say(
    `  produce -> alert latency at ${RATE} ev/s: p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, ` +
      `max ${latencies[latencies.length - 1].toFixed(0)} ms (${latencies.length}/${anomalies} alerts)`,
  );
}

main().catch((err) => {
  process.stderr.write(`bench:kafka: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
