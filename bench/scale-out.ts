// Scale-out with a real broker: several `proctree run` processes in one consumer group on a
// 12-partition topic keyed by host (as `proctree generate --kafka` and forwarders key it).
//
//   npm run bench:scale-out            (starts a local broker unless KAFKA_BROKERS is set)
//
// 1. Drain: one instance, then three, each draining a batch of a generated fleet (anomalies
//    included, labels known) that becomes visible all at once (one producer transaction
//    committed while the group is settled), so the rate is not the producer's. Aggregate
//    events/s from the instances' `proctree_events_total`, and each instance's CPU seconds from
//    the kernel's accounting (/proc/<pid>/stat), so that a plan can scale from CPU cost.
// 2. Partition moves under load: the fleet goes on at a steady rate with probe anomalies on every
//    partition; one instance gets SIGTERM, later a new one starts. Afterwards every alert an
//    in-memory engine raises on the same events must be on the alerts topic (read_committed),
//    duplicates are counted (read_committed and read_uncommitted), and the probes' latency and
//    the longest stall of processing show the pause of each rebalance.
// 3. Restore: one host whose tree grows to each of BENCH_SCALE_TREES nodes on a topic of one
//    partition; an instance drains it and stops (its snapshot goes to the state topic), then a
//    new instance is timed from its assignment to its first processed event. The host's
//    snapshot bytes on the state topic and the new instance's RSS are reported beside it.
//
// Names: topics and groups start with BENCH_SCALE_PREFIX (default scale-out) and the run's time.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { benchBroker } from './bench-broker.js';
import type { Alert } from '../src/alerts/alert.js';
import { DecodeCounters } from '../src/decode/counters.js';
import { SysmonDecoder } from '../src/decode/decoder.js';
import { SysmonEvent } from '../src/decode/event.js';
import { Engine } from '../src/engine/engine.js';
import { Fleet } from '../src/generator/fleet.js';
import { KafkaOutput } from '../src/generator/kafka-output.js';
import type { KafkaClient, KafkaProducer, OutMessage } from '../src/kafka/client.js';
import { createKafkajsClient } from '../src/kafka/kafkajs-client.js';
import { parsePipeline } from '../src/pipeline/config.js';
import { score } from '../src/score/score.js';
import { ALERT_HEADERS } from '../src/sinks/kafka/records.js';
import { TopicWriter } from '../src/sinks/kafka/topic-writer.js';
import { cleanupCli, ROOT, runCli, writePipeline, type LogLine, type Running } from '../test/kafka/cli-process.js';
import { HostScript, T0, sysmonXml } from '../test/helpers/scenario.js';

const PARTITIONS = 12;
/** 2 events/s per host at LOAD_RATE: the generator's default host rate. */
const HOSTS = Number(process.env.BENCH_SCALE_HOSTS ?? 1000);
/** Events of each drain (one instance, then three). */
const DRAIN_EVENTS = Number(process.env.BENCH_SCALE_DRAIN_EVENTS ?? 200_000);
/** The steady rate (events/s) and duration of the partition-move phase. */
const LOAD_RATE = Number(process.env.BENCH_SCALE_RATE ?? 2_000);
const LOAD_SECS = Number(process.env.BENCH_SCALE_LOAD_SECS ?? 60);
/** The no-move segments before it: a low rate (commit costs) and LOAD_RATE, each this long. */
const STEADY_LOW_RATE = Number(process.env.BENCH_SCALE_LOW_RATE ?? 100);
const STEADY_SECS = Number(process.env.BENCH_SCALE_STEADY_SECS ?? 30);
const TREES = (process.env.BENCH_SCALE_TREES ?? '1000,10000,100000').split(',').map(Number);
const PREFIX = process.env.BENCH_SCALE_PREFIX ?? 'scale-out';
const SEED = 13;
/** Probe anomalies per partition per second during the load phase (each a new smss.exe on the partition's probe host). */
const PROBES_PER_SEC = 5;
const POLL_MS = 100;

const say = (s: string) => process.stdout.write(`${s}\n`);
const note = (s: string) => process.stderr.write(`bench:scale-out: ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** User + system CPU seconds of a process and all its threads, from the kernel's accounting. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name: state is field 3, utime 14 and stime 15 (proc(5)).
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

// ---------------------------------------------------------------------------------------------
// `proctree run` processes

interface Topics {
  input: string;
  alerts: string;
  dlq: string;
  state: string;
  group: string;
}

function topicsOf(base: string): Topics {
  return { input: `${base}-in`, alerts: `${base}-alerts`, dlq: `${base}-dlq`, state: `${base}-state`, group: `${base}-group` };
}

/** pipelines/kafka.yaml (rules, baselines, index) on the run's topics; no idle timeout, so alerts are a replay's. */
function pipelineFile(brokers: string[], t: Topics, partitions: number): string {
  const yaml = parseYaml(readFileSync(join(ROOT, 'pipelines/kafka.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
  return writePipeline({
    ...yaml,
    source: { ...yaml.source, brokers, topic: t.input, group_id: t.group, state_topic: t.state, dead_letter_topic: t.dlq, partitions, idle_timeout_secs: 0 },
    sink: { ...yaml.sink, topic: t.alerts },
    metrics: { port: 0, host: '127.0.0.1' },
  });
}

class Instance {
  readonly pid: number;
  /** CPU seconds when stopped (the process is gone after that). */
  private finalCpu: number | undefined;
  lastEvents = 0;

  private constructor(
    readonly name: string,
    readonly run: Running,
    readonly port: number,
  ) {
    this.pid = run.child.pid!;
    void run.exited.then((exit) => {
      if (this.finalCpu === undefined) note(`instance ${name} exited on its own (${exit.code ?? exit.signal}):\n${run.stderr().split('\n').filter((l) => !l.includes('"level":30')).slice(-15).join('\n')}`);
    });
  }

  static async start(name: string, file: string): Promise<Instance> {
    const run = runCli(file);
    const line = await run.waitForLog((l) => l.msg.startsWith('metrics on'), 60_000);
    return new Instance(name, run, line.port as number);
  }

  get running(): boolean {
    return this.finalCpu === undefined;
  }

  cpu(): number {
    return this.finalCpu ?? cpuSeconds(this.pid);
  }

  /** Events read so far (every EventID), or the last count seen once stopped. */
  async events(): Promise<number> {
    if (!this.running) return this.lastEvents;
    try {
      const text = await (await fetch(`http://127.0.0.1:${this.port}/metrics`)).text();
      this.lastEvents = sumMetric(text, 'proctree_events_total');
    } catch (e) {
      // A scrape that raced the process's stop: its last count stands.
      if (this.running) throw e;
    }
    return this.lastEvents;
  }

  /** A gauge or counter of its /metrics (0 once stopped). */
  async metric(name: string): Promise<number> {
    if (!this.running) return 0;
    return sumMetric(await (await fetch(`http://127.0.0.1:${this.port}/metrics`)).text(), name);
  }

  async ready(): Promise<boolean> {
    return this.running && (await fetch(`http://127.0.0.1:${this.port}/readyz`)).status === 200;
  }

  /** Partitions of its latest assignment, from its log. */
  partitions(): number[] {
    const l = this.run.logs().filter((x) => x.msg === 'partitions assigned').pop();
    return (l?.partitions as number[] | undefined) ?? [];
  }

  assignments(): LogLine[] {
    return this.run.logs().filter((x) => x.msg === 'partitions assigned');
  }

  /** SIGTERM: the graceful stop (finish the batch, commit, leave the group). */
  async stop(): Promise<void> {
    await this.events();
    this.finalCpu = cpuSeconds(this.pid);
    this.run.child.kill('SIGTERM');
    const exit = await this.run.waitForExit(30_000);
    if (exit.code !== 0) throw new Error(`${this.name} exited with ${exit.code ?? exit.signal}:\n${this.run.stderr().slice(-2000)}`);
  }
}

function sumMetric(text: string, name: string): number {
  let n = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    n += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return n;
}

async function totalEvents(instances: Instance[]): Promise<number> {
  let n = 0;
  for (const i of instances) n += await i.events();
  return n;
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, pollMs = POLL_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}

/** Every instance ready, the partitions split among them, and no event processed for 2 s. */
async function settled(instances: Instance[]): Promise<void> {
  await waitFor(
    `${instances.length} instances to share ${PARTITIONS} partitions`,
    async () => {
      for (const i of instances) if (!(await i.ready())) return false;
      const owned = instances.flatMap((i) => i.partitions());
      return owned.length === PARTITIONS && new Set(owned).size === PARTITIONS && instances.every((i) => i.partitions().length > 0);
    },
    120_000,
  );
  await quiet(instances, 2000);
}

/** Returns once the instances processed nothing for `ms`. */
async function quiet(instances: Instance[], ms: number): Promise<void> {
  let last = -1;
  for (;;) {
    const now = await totalEvents(instances);
    if (now === last) return;
    last = now;
    await sleep(ms);
  }
}

// ---------------------------------------------------------------------------------------------
// The fleet, produced

/** A producer that sends into one open transaction: a whole batch becomes visible to read_committed consumers at once. */
function into(tx: { send: KafkaProducer['send'] }): KafkaProducer {
  return { send: (r) => tx.send(r), transaction: () => Promise.reject(new Error('already in a transaction')), close: async () => {} };
}

function fleetOf(): Fleet {
  // About 1.1 x the events needed over an hour of event time; a fifth of the hosts with one
  // anomaly (smss rules and core-process baselines, round-robin), and decoys.
  const events = 2 * DRAIN_EVENTS + (LOAD_RATE + STEADY_LOW_RATE) * STEADY_SECS + LOAD_RATE * LOAD_SECS;
  return new Fleet({ hosts: HOSTS, durationSecs: 3600, hostEventsPerSec: (1.1 * events) / (HOSTS * 3600), seed: SEED, anomalyFraction: 0.2, coreAnomalies: true });
}

/** The next `n` events of the fleet, produced in one open transaction; `commit()` commits it and resolves to when (performance.now). */
async function produceInTransaction(client: KafkaClient, topic: string, fleet: Fleet, n: number): Promise<{ commit: () => Promise<number> }> {
  const producer = await client.producer({ transactionalId: `${topic}-preload-${fleet.written}` });
  const tx = await producer.transaction();
  const output = new KafkaOutput(new TopicWriter(into(tx), topic));
  const max = fleet.written + n;
  while (fleet.written < max && fleet.eventTime < fleet.endTime) {
    if (fleet.fill(output, 16_384, max) === 0) break;
    if (output.full) await output.drain();
  }
  await output.drain();
  return {
    commit: async () => {
      await tx.commit();
      const at = performance.now();
      await producer.close();
      return at;
    },
  };
}

/** Each probe's process GUID (lower case, as alerts may spell it otherwise). */
function probeGuid(partition: number, n: number): string {
  return `{bbbbbbbb-${String(partition).padStart(4, '0')}-0000-0000-${String(n).padStart(12, '0')}}`;
}

/** A new smss.exe from a user folder on the partition's probe host: raises smss.path at once. */
function probe(run: string, partition: number, n: number): OutMessage {
  const host = `probe-${partition}.${run}.example`;
  const s = new HostScript(host, T0 + n);
  s.create({
    guid: probeGuid(partition, n),
    pid: 10_000 + 4 * n,
    image: 'C:\\Users\\Public\\smss.exe',
    parentGuid: '{cccccccc-0000-0000-0000-000000000004}',
    parentPid: 4,
    parentImage: 'System',
  });
  return { key: host, value: sysmonXml(s.events[0]), partition };
}

// ---------------------------------------------------------------------------------------------
// Alerts

interface Seen {
  /** Arrival (performance.now) of each alert id's first copy. */
  firstAt: Map<string, number>;
  /** Each id's alert (the first copy). */
  alerts: Map<string, Alert>;
  /** Arrival of the first smss.path alert of each subject process (GUID in lower case): the probes'. */
  byGuid: Map<string, number>;
  copies: number;
  /** Where each id's copies sit (partition:offset), to tell a second write from a second read. */
  at: Map<string, string[]>;
}

async function readAlerts(client: KafkaClient, topic: string, group: string, readCommitted: boolean): Promise<{ seen: Seen; close: () => Promise<void> }> {
  const seen: Seen = { firstAt: new Map(), alerts: new Map(), byGuid: new Map(), copies: 0, at: new Map() };
  const consumer = client.consumer({ groupId: group, topics: [topic], fromBeginning: true, readCommitted });
  await consumer.run({
    onBatch: async (b) => {
      const now = performance.now();
      for (const m of b.messages) {
        seen.copies++;
        const id = m.headers[ALERT_HEADERS.id]?.toString() ?? '';
        const where = `${b.partition}:${m.offset}`;
        const at = seen.at.get(id);
        if (at === undefined) seen.at.set(id, [where]);
        else at.push(where);
        if (!seen.firstAt.has(id)) {
          seen.firstAt.set(id, now);
          if (!readCommitted) continue;
          const alert = JSON.parse(m.value!.toString('utf8')) as Alert;
          seen.alerts.set(id, alert);
          const guid = alert.process.guid.toLowerCase();
          if (alert.rule === 'smss.path' && !seen.byGuid.has(guid)) seen.byGuid.set(guid, now);
        }
      }
    },
  });
  return { seen, close: () => consumer.close() };
}

/** What an in-memory engine raises on the same events: the fleet regenerated from its seed up to `written`, then the probes. */
function expectedAlerts(file: string, written: number, probes: OutMessage[]): Alert[] {
  const engine = new Engine(parsePipeline(parseYaml(readFileSync(file, 'utf8'))));
  const decoder = new SysmonDecoder(new DecodeCounters());
  const alerts: Alert[] = [];
  const judge = (values: Buffer[]) => {
    const events: SysmonEvent[] = [];
    for (const v of values) {
      const e = decoder.decodeXmlBytes(v);
      if (e instanceof SysmonEvent) events.push(e);
    }
    engine.process(events, alerts);
  };
  const fleet = fleetOf();
  const output = new KafkaOutput(new TopicWriter(collector(judge), 'memory'));
  // The collector judges each send synchronously, so the drain's promise needs no wait.
  while (fleet.written < written) {
    fleet.fill(output, 16_384, written);
    void output.drain();
  }
  void output.drain();
  judge(probes.map((m) => Buffer.from(m.value as string)));
  return alerts;
}

/** A producer that hands each send's values to `take` (synchronously) instead of a broker. */
function collector(take: (values: Buffer[]) => void): KafkaProducer {
  return {
    send: (records) => {
      for (const r of records) take(r.messages.map((m) => m.value as Buffer));
      return Promise.resolve();
    },
    transaction: () => Promise.reject(new Error('not transactional')),
    close: async () => {},
  };
}

// ---------------------------------------------------------------------------------------------
// Phases

interface Drain {
  instances: number;
  events: number;
  /** From the commit of the batch's transaction to the last event processed. */
  secs: number;
  /** Between 10% and 90% of the batch processed. */
  steady: number;
  cpu: number[];
  load: string;
}

async function drain(client: KafkaClient, topic: string, fleet: Fleet, instances: Instance[]): Promise<Drain> {
  const before = fleet.written;
  note(`producing ${DRAIN_EVENTS} events in one transaction for ${instances.length} instance(s)`);
  const pending = await produceInTransaction(client, topic, fleet, DRAIN_EVENTS);
  const events = fleet.written - before;
  const base = await totalEvents(instances);
  const cpu0 = instances.map((i) => i.cpu());
  const committedAt = await pending.commit();
  const samples: { t: number; n: number }[] = [];
  for (;;) {
    const n = (await totalEvents(instances)) - base;
    samples.push({ t: performance.now(), n });
    if (n >= events) break;
    if (performance.now() - committedAt > 600_000) throw new Error(`drain of ${events} events not done in 10 min (${n} processed)`);
    await sleep(POLL_MS);
  }
  const end = samples[samples.length - 1].t;
  const at = (f: number) => samples.find((s) => s.n >= f * events)!;
  const [a, b] = [at(0.1), at(0.9)];
  // A drain too short to have samples between 10% and 90% has no steady rate.
  return {
    instances: instances.length,
    events,
    secs: (end - committedAt) / 1000,
    steady: b.t > a.t ? (b.n - a.n) / ((b.t - a.t) / 1000) : NaN,
    cpu: instances.map((i, k) => i.cpu() - cpu0[k]),
    load: load(),
  };
}

function reportDrain(d: Drain): void {
  const cpu = d.cpu.reduce((x, y) => x + y, 0);
  say(
    `  drain, ${d.instances} instance(s): ${d.events} events in ${d.secs.toFixed(1)} s = ${(d.events / d.secs).toFixed(0)} ev/s aggregate ` +
      `(10%-90%: ${d.steady.toFixed(0)} ev/s); CPU s per instance ${d.cpu.map((c) => c.toFixed(1)).join(' + ')} = ${cpu.toFixed(1)} ` +
      `(${((cpu / d.events) * 1e6).toFixed(1)} us/event); load average ${d.load}`,
  );
}

interface Move {
  what: string;
  atMs: number;
  wallMs: number;
}

/** The fleet's next events at `rate` for `secs` of wall clock; `between` runs before each send (probes, moves). */
async function paced(fleet: Fleet, output: KafkaOutput, rate: number, secs: number, between: (elapsedSecs: number) => void): Promise<void> {
  const started = performance.now();
  const base = fleet.written;
  for (;;) {
    const elapsed = (performance.now() - started) / 1000;
    if (elapsed >= secs) break;
    fleet.fill(output, Math.max(0, Math.floor(elapsed * rate) - (fleet.written - base)));
    between(elapsed);
    await output.drain();
    await sleep(50);
  }
  await output.drain();
}

/**
 * The fleet at a steady rate, no moves: the instances' CPU per wall second. At a low rate it is
 * mostly each partition's commit (a transaction every commit interval); the rise with the rate
 * is the events' and their hosts' snapshots.
 */
async function steady(client: KafkaClient, t: Topics, fleet: Fleet, instances: Instance[], rate: number, secs: number): Promise<void> {
  const producer = await client.producer();
  const output = new KafkaOutput(new TopicWriter(producer, t.input));
  const before = fleet.written;
  const cpu0 = instances.map((i) => i.cpu());
  const fromMs = Date.now();
  await paced(fleet, output, rate, secs, () => {});
  const toMs = Date.now();
  const cpu = instances.map((i, k) => i.cpu() - cpu0[k]).reduce((x, y) => x + y, 0);
  await producer.close();
  const events = fleet.written - before;
  const wall = (toMs - fromMs) / 1000;
  say(
    `  steady, ${instances.length} instances, ${rate} ev/s (${(rate / HOSTS).toFixed(2)} per host) for ${wall.toFixed(0)} s: ${((cpu / wall) * 100).toFixed(0)}% of a core in all ` +
      `(${((cpu / events) * 1e6).toFixed(0)} us CPU per event); load average ${load()}`,
  );
  say(`    ${await stateTraffic(client, t.state, fromMs, toMs)}`);
}

/** The fleet at LOAD_RATE with probes on every partition; a SIGTERM at a quarter, a new instance at half. */
async function loadWithMoves(client: KafkaClient, t: Topics, file: string, fleet: Fleet, instances: Instance[], seen: Seen, run: string): Promise<{ probes: OutMessage[]; moves: Move[]; sentAt: Map<string, { at: number; partition: number }>; stalls: number[]; cpu: number[]; events: number; load: string }> {
  const producer = await client.producer();
  const writer = new TopicWriter(producer, t.input);
  const output = new KafkaOutput(writer);
  const probes: OutMessage[] = [];
  const sentAt = new Map<string, { at: number; partition: number }>();
  const moves: Move[] = [];
  const samples: { t: number; n: number }[] = [];
  const cpu0 = new Map(instances.map((i) => [i, i.cpu()]));
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      samples.push({ t: performance.now(), n: await totalEvents(instances) });
      await sleep(POLL_MS);
    }
  })();
  const fleetBase = fleet.written;
  let probesSent = 0;
  let stopping: Promise<void> | undefined;
  let starting: Promise<void> | undefined;
  note(`steady load: ${LOAD_RATE} ev/s for ${LOAD_SECS} s, ${PROBES_PER_SEC} probes/s on each partition`);
  await paced(fleet, output, LOAD_RATE, LOAD_SECS, (elapsed) => {
    for (; probesSent < Math.floor(elapsed * PROBES_PER_SEC); probesSent++) {
      for (let p = 0; p < PARTITIONS; p++) {
        const m = probe(run, p, probesSent);
        probes.push(m);
        writer.push(m);
        sentAt.set(probeGuid(p, probesSent), { at: performance.now(), partition: p });
      }
    }
    if (stopping === undefined && elapsed >= LOAD_SECS / 4) {
      moves.push({ what: `SIGTERM to instance ${instances[1].name}`, atMs: performance.now(), wallMs: Date.now() });
      stopping = instances[1].stop();
    }
    if (starting === undefined && elapsed >= LOAD_SECS / 2) {
      moves.push({ what: 'a new instance started', atMs: performance.now(), wallMs: Date.now() });
      starting = Instance.start(`D`, file).then((i) => {
        instances.push(i);
        cpu0.set(i, 0);
      });
    }
  });
  await producer.close();
  await Promise.all([stopping, starting]);
  const events = fleet.written - fleetBase + probes.length;
  // Done when every probe's alert arrived and the instances have been idle for 3 s.
  await waitFor('every probe alert', () => [...sentAt.keys()].every((k) => seen.byGuid.has(k)), 180_000);
  await quiet(instances, 3000);
  sampling = false;
  await sampler;
  const cpu = instances.map((i) => i.cpu() - (cpu0.get(i) ?? 0));
  // The longest time without any event processed, after each move.
  const stalls = moves.map((m, k) => {
    const until = k + 1 < moves.length ? moves[k + 1].atMs : Infinity;
    let longest = 0;
    let lastGrowth = m.atMs;
    for (let i = 1; i < samples.length; i++) {
      if (samples[i].t < m.atMs || samples[i].t > until) continue;
      if (samples[i].n > samples[i - 1].n) {
        longest = Math.max(longest, samples[i].t - lastGrowth);
        lastGrowth = samples[i].t;
      }
    }
    return longest;
  });
  return { probes, moves, sentAt, stalls, cpu, events, load: load() };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One host whose tree grows to `size` live processes (never exiting), as real EventID 1 records. */
function growingTree(host: string, size: number, from = 0): OutMessage[] {
  const s = new HostScript(host, T0 + from * 100);
  const guid = (i: number) => `{dddddddd-${String(i % 10_000).padStart(4, '0')}-0000-0000-${String(i).padStart(12, '0')}}`;
  const out: OutMessage[] = [];
  for (let i = from; i < from + size; i++) {
    s.wait(100);
    // Wide and shallow, as Windows trees are: every process a child of one of the first 200.
    const parent = i === 0 ? -1 : (i * 7919) % Math.min(i, 200);
    s.create({
      guid: guid(i),
      pid: 8 + 4 * i,
      image: `C:\\Program Files\\Vendor${i % 37}\\app${i % 211}.exe`,
      commandLine: `"C:\\Program Files\\Vendor${i % 37}\\app${i % 211}.exe" --task ${i} --profile ${(i * 31) % 997}`,
      parentGuid: parent < 0 ? '{cccccccc-0000-0000-0000-000000000004}' : guid(parent),
      parentPid: parent < 0 ? 4 : 8 + 4 * parent,
      parentImage: parent < 0 ? 'System' : `C:\\Program Files\\Vendor${parent % 37}\\app${parent % 211}.exe`,
    });
    const ev = s.events[s.events.length - 1];
    ev.data = { ...ev.data, ...PADDING };
    out.push({ key: host, value: sysmonXml(ev) });
  }
  return out;
}

/** Fields real EventID 1 records carry besides those the rules read. */
const PADDING = {
  FileVersion: '10.0.19041.1 (WinBuild.160101.0800)',
  Description: 'Application',
  Product: 'Vendor Product',
  Company: 'Vendor Corporation',
  CurrentDirectory: 'C:\\Windows\\system32\\',
  LogonGuid: '{b2796a13-e3e8-5f3c-0000-0020e7030000}',
  IntegrityLevel: 'System',
  Hashes: 'SHA1=A1385CE20AD79F55DF235EFFD9780C31442AA234,MD5=8A0A29438052FAED8A2532DA50455756,SHA256=7FD065BAC18C5278777AE44908101CDFED72D26FA741367F0AD4D02020787AB6,IMPHASH=86A62C5D7A9F2E28C1B3E0F6F0B2A6D1',
};

async function send(client: KafkaClient, topic: string, messages: OutMessage[]): Promise<void> {
  const producer = await client.producer();
  try {
    for (let i = 0; i < messages.length; i += 2000) await producer.send([{ topic, messages: messages.slice(i, i + 2000) }]);
  } finally {
    await producer.close();
  }
}

/** The state topic's records: the host's latest snapshot size and the partition's bytes before compaction. */
async function stateBytes(client: KafkaClient, topic: string, host: string): Promise<{ snapshot: number; gzipped: number; records: number; total: number }> {
  let snapshot = 0;
  let last: Buffer | null = null;
  let records = 0;
  let total = 0;
  await client.readPartitions(topic, [0], (b) => {
    for (const m of b.messages) {
      const bytes = (m.key?.length ?? 0) + (m.value?.length ?? 0);
      total += bytes;
      records++;
      if (m.key?.toString() === host) last = m.value;
    }
  });
  if (last !== null) snapshot = (last as Buffer).length;
  return { snapshot, gzipped: last === null ? 0 : gzipSync(last).length, records, total };
}

/** The last error or warning the instance logged. */
function errorLine(i: Instance): string {
  const l = i.run.logs().filter((x) => x.level >= 40).pop();
  return l === undefined ? i.run.stderr().slice(-300) : `${l.msg} ${JSON.stringify(l.err ?? '')}`.slice(0, 600);
}

/** The state topic's records written in [fromMs, toMs), and each host's latest snapshot (what compaction keeps). */
async function stateTraffic(client: KafkaClient, topic: string, fromMs: number, toMs: number): Promise<string> {
  let records = 0;
  let bytes = 0;
  const latest = new Map<string, Buffer>();
  await client.readPartitions(topic, Array.from({ length: PARTITIONS }, (_, p) => p), (b) => {
    for (const m of b.messages) {
      const key = m.key?.toString() ?? '';
      if (key.startsWith('~') || m.value === null) continue; // the partitions' ~emitted records
      const size = key.length + m.value.length;
      latest.set(key, m.value);
      if (m.timestampMs >= fromMs && m.timestampMs < toMs) {
        records++;
        bytes += size;
      }
    }
  });
  const sizes = [...latest.values()].map((v) => v.length).sort((a, b) => a - b);
  const kept = sizes.reduce((x, y) => x + y, 0);
  // Snapshots are JSON in gzip'd record batches: what the broker stores is about the gzip of each.
  const gzipped = [...latest.values()].reduce((n, v) => n + gzipSync(v).length, 0);
  const secs = (toMs - fromMs) / 1000;
  return (
    `state topic meanwhile: ${(records / secs).toFixed(0)} snapshots/s, ${(bytes / secs / 1e3).toFixed(0)} KB/s of JSON for ${latest.size} hosts; ` +
    `latest snapshot per host (what compaction keeps) p50 ${percentile(sizes, 50)} B, p99 ${percentile(sizes, 99)} B, max ${sizes[sizes.length - 1]} B of JSON, ` +
    `${(kept / 1e6).toFixed(1)} MB in all, ${(gzipped / 1e6).toFixed(1)} MB gzip'd (${(kept / gzipped).toFixed(1)}:1)`
  );
}

async function restoreTime(client: KafkaClient, brokers: string[], run: string, size: number): Promise<void> {
  const t = topicsOf(`${run}-tree${size}`);
  const file = pipelineFile(brokers, t, 1);
  const host = `tree-${size}.corp.example`;
  // The first instance creates the topics (the state topic with its 16 MB record limit) and builds the tree.
  const builder = await Instance.start(`tree${size}-builder`, file);
  await waitFor('the builder to be ready', () => builder.ready(), 60_000);
  const cpu0 = builder.cpu();
  await send(client, t.input, growingTree(host, size));
  await waitFor(
    `the builder to read ${size} events`,
    async () => {
      if (!builder.running || builder.run.child.exitCode !== null) throw new Error(`the builder stopped: ${errorLine(builder)}`);
      return (await builder.events()) >= size;
    },
    600_000,
  );
  const buildCpu = builder.cpu() - cpu0;
  await builder.stop(); // the graceful stop snapshots the host
  const state = await stateBytes(client, t.state, host);
  // One more event after the committed offset: the new instance's first processed event.
  await send(client, t.input, growingTree(host, 1, size));
  const spawnedMs = Date.now();
  const next = await Instance.start(`tree${size}-next`, file);
  let firstMs = 0;
  await waitFor(
    'the new instance to process its first event',
    async () => {
      if ((await next.events()) < 1) return false;
      firstMs = Date.now();
      return true;
    },
    600_000,
    10,
  );
  const assigned = await next.run.waitForLog('partitions assigned');
  const restored = await next.run.waitForLog('restored host state');
  const rss = rssBytes(next.pid);
  const cpu = next.cpu();
  await next.stop();
  say(
    `  restore, one host of ${size} live processes: assignment -> first processed event ${firstMs - assigned.time} ms ` +
      `(state read ${restored.ms as number} ms; start -> assignment ${assigned.time - spawnedMs} ms); snapshot ${state.snapshot} B of JSON ` +
      `(${(state.snapshot / size).toFixed(0)} B/process; gzip'd ${state.gzipped} B; state partition ${state.records} records, ${(state.total / 1e6).toFixed(1)} MB of JSON before compaction); ` +
      `new instance RSS ${(rss / 1e6).toFixed(0)} MB, CPU ${cpu.toFixed(1)} s; building the tree cost ${buildCpu.toFixed(1)} CPU s; load average ${load()}`,
  );
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const broker = await benchBroker(note);
  const brokers = broker.brokers;
  const brokerList = brokers.split(',');
  const client = createKafkajsClient({ brokers: brokerList, clientId: PREFIX });
  const run = `${PREFIX}-${Date.now()}`;
  const t = topicsOf(run);
  const admin = await client.admin();
  await admin.createTopics([
    { topic: t.input, partitions: PARTITIONS },
    { topic: t.alerts, partitions: PARTITIONS },
    { topic: t.dlq, partitions: PARTITIONS },
  ]);
  const file = pipelineFile(brokerList, t, PARTITIONS);
  say(`scale-out bench: ${HOSTS} generated hosts, ${PARTITIONS} partitions keyed by host, pipelines/kafka.yaml's rules, exactly_once, broker ${brokers}, run ${run}`);
  say(`  ${availableParallelism()} cores seen by this process; load average at start ${load()}`);

  const committed = await readAlerts(client, t.alerts, `${run}-reader`, true);
  const uncommitted = await readAlerts(client, t.alerts, `${run}-reader-uncommitted`, false);
  const fleet = fleetOf();
  const instances: Instance[] = [];
  try {
    instances.push(await Instance.start('A', file));
    await settled(instances);
    const idle0 = instances[0].cpu();
    await sleep(10_000);
    say(`  idle: one instance owning ${PARTITIONS} partitions, nothing to read, used ${(((instances[0].cpu() - idle0) / 10) * 100).toFixed(1)}% of a core over 10 s`);
    reportDrain(await drain(client, t.input, fleet, instances));
    instances.push(...(await Promise.all([Instance.start('B', file), Instance.start('C', file)])));
    await settled(instances);
    reportDrain(await drain(client, t.input, fleet, instances));

    for (const rate of [STEADY_LOW_RATE, LOAD_RATE]) await steady(client, t, fleet, instances, rate, STEADY_SECS);
    const loadFromMs = Date.now();
    const l = await loadWithMoves(client, t, file, fleet, instances, committed.seen, run);
    const loadToMs = Date.now();
    const base = percentile(
      [...l.sentAt].filter(([, s]) => s.at < l.moves[0].atMs).map(([k, s]) => committed.seen.byGuid.get(k)! - s.at).sort((a, b) => a - b),
      50,
    );
    say(`  steady load: ${l.events} events at ${LOAD_RATE} ev/s + probes over ${LOAD_SECS} s; probe alert latency before any move p50 ${base.toFixed(0)} ms; load average ${l.load}`);
    say(`    CPU s per instance over the load phase: ${instances.map((i, k) => `${i.name} ${l.cpu[k].toFixed(1)}`).join(', ')}`);
    l.moves.forEach((m, k) => {
      const until = k + 1 < l.moves.length ? l.moves[k + 1].atMs : Infinity;
      const untilWall = k + 1 < l.moves.length ? l.moves[k + 1].wallMs : Infinity;
      const moved = new Set<number>();
      for (const i of instances) for (const a of i.assignments()) if (a.time >= m.wallMs && a.time < untilWall) for (const p of a.added as number[]) moved.add(p);
      const lat = (wanted: boolean) =>
        Math.max(0, ...[...l.sentAt].filter(([, s]) => s.at >= m.atMs - 1000 && s.at < until && moved.has(s.partition) === wanted).map(([key, s]) => committed.seen.byGuid.get(key)! - s.at));
      say(
        `    ${m.what}: partitions moved ${[...moved].sort((a, b) => a - b).join(',') || 'none before the next move'}; longest stall of all processing ${(l.stalls[k] / 1000).toFixed(1)} s; ` +
          `max probe latency ${(lat(true) / 1000).toFixed(1)} s on moved partitions, ${(lat(false) / 1000).toFixed(1)} s on the others`,
      );
    });
    for (const i of instances) {
      const restores = i.run.logs().filter((x) => x.msg === 'restored host state' && x.time >= loadFromMs);
      if (restores.length > 0) say(`    restores by ${i.name}: ${restores.map((r) => `${(r.partitions as number[]).length} partitions, ${r.hosts as number} hosts in ${r.ms as number} ms`).join('; ')}`);
    }
    say(`    assignments: ${instances.map((i) => `${i.name}: ${i.assignments().map((a) => `[${(a.partitions as number[]).join(',')}]`).join(' ')}`).join('; ')}`);
    const live = instances.filter((i) => i.running);
    await settled(live);
    let [processes, hosts] = [0, 0];
    for (const i of live) [processes, hosts] = [processes + (await i.metric('proctree_live_processes')), hosts + (await i.metric('proctree_hosts'))];
    // Less the probe hosts (one per partition) and their processes (none exits).
    say(`  trees at the end: ${hosts - PARTITIONS} generated hosts holding ${processes - l.probes.length} processes (${((processes - l.probes.length) / (hosts - PARTITIONS)).toFixed(0)} per host)`);
    say(`  ${await stateTraffic(client, t.state, loadFromMs, loadToMs)}`);

    for (const i of instances) if (i.running) await i.stop();
    note('checking the alerts against an in-memory engine over the same events');
    const expected = expectedAlerts(file, fleet.written, l.probes);
    const ids = new Set(expected.map((a) => a.id));
    const got = committed.seen.firstAt;
    const missing = [...ids].filter((id) => !got.has(id));
    const extra = [...got.keys()].filter((id) => !ids.has(id));
    const labels = fleet.labels();
    const alerts = [...committed.seen.alerts.values()];
    const report = score(labels, alerts.map((a) => ({ host: a.host, rule: a.rule, processGuid: a.process.guid, time: a.time })));
    say(
      `  alerts (read_committed): ${got.size} distinct of ${ids.size} an in-memory engine raises on the same events; missing ${missing.length}, not expected ${extra.length}; ` +
        `duplicates ${committed.seen.copies - got.size} (read_uncommitted: ${uncommitted.seen.copies - uncommitted.seen.firstAt.size} copies from aborted transactions, same ids)`,
    );
    say(`  labelled anomalies of the fleet: ${report.total.expected}, with their alert ${report.total.truePositives} (probes: ${l.probes.length}, each alerted: ${[...l.sentAt.keys()].every((g) => committed.seen.byGuid.has(g))})`);
    if (missing.length > 0) say(`    missing, e.g.: ${missing.slice(0, 3).join(', ')}`);
    const twice = [...committed.seen.at].filter(([, w]) => w.length > 1);
    for (const [id, where] of twice.slice(0, 5)) {
      const a = committed.seen.alerts.get(id)!;
      say(`    duplicate ${id} (${a.rule} ${a.host}) at partition:offset ${where.join(' ')}`);
    }
  } finally {
    await committed.close();
    await uncommitted.close();
    for (const i of instances) if (i.running) await i.stop().catch(() => {});
  }

  for (const size of TREES) {
    try {
      await restoreTime(client, brokerList, run, size);
    } catch (e) {
      // A tree whose snapshot the state topic refuses stops the processor: say so and go on.
      say(`  restore, one host of ${size} live processes: failed: ${(e as Error).message.split('\n')[0]}`);
      cleanupCli();
    }
  }

  const topics = [...Object.values(t), ...TREES.flatMap((n) => Object.values(topicsOf(`${run}-tree${n}`)))].filter((x) => !x.endsWith('-group'));
  if (process.env.BENCH_SCALE_KEEP_TOPICS !== '1') await admin.deleteTopics(topics).catch((e: Error) => note(`could not delete the run's topics: ${e.message}`));
  await admin.close();
  cleanupCli();
  await broker.stop();
}

main().catch((err) => {
  cleanupCli();
  process.stderr.write(`bench:scale-out: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
