// What a Kafka client alone costs per message: kafkajs (ours) against @platformatic/kafka, each
// reading the same topic from its start as a new consumer group and doing nothing with the
// messages, in alternating runs, each in its own process (CPU from process.cpuUsage). The second
// client is not a dependency: install it beside, without saving, to measure it.
//
//   npm install --no-save @platformatic/kafka@1.35.0      (the last line that runs on Node 20)
//   KAFKA_BROKERS=127.0.0.1:9092 vite-node bench/kafka-clients.ts TOPIC MESSAGES [RUNS]
//
// TOPIC: any topic holding at least MESSAGES messages, e.g. the input topic bench:kafka leaves.

import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { createKafkajsClient } from '../src/kafka/kafkajs-client.js';

const ROOT = resolve(import.meta.dirname, '..');
const [topic, messagesArg, runsArg, only] = process.argv.slice(2);
const total = Number(messagesArg);
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const FETCH = { maxBytesPerPartition: 4 << 20, maxBytes: 32 << 20, maxWaitMs: 500 };

/** Counts messages from the first one on; resolves with the rate and the CPU per message. */
function counter() {
  let seen = 0;
  let first = 0;
  let cpu = process.cpuUsage();
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  return {
    finished,
    add(n: number) {
      if (first === 0) {
        first = performance.now();
        cpu = process.cpuUsage();
      }
      seen += n;
      if (seen >= total) done();
    },
    report(name: string) {
      const secs = (performance.now() - first) / 1000;
      const used = process.cpuUsage(cpu);
      return `${name}: ${(total / secs).toFixed(0)} msg/s, ${((used.user + used.system) / total).toFixed(2)} us CPU/message, load average ${loadavg()[0].toFixed(1)}`;
    },
  };
}

async function kafkajs(): Promise<string> {
  const c = counter();
  const consumer = createKafkajsClient({ brokers, clientId: 'bench-clients' }).consumer({ groupId: `bench-clients-kafkajs-${Date.now()}`, topics: [topic], maxBytesPerPartition: FETCH.maxBytesPerPartition });
  await consumer.run({ onBatch: async (b) => c.add(b.messages.length) });
  await c.finished;
  const line = c.report('kafkajs 2.2.4 (src/kafka/kafkajs-client.ts)');
  await consumer.close();
  return line;
}

async function platformatic(): Promise<string> {
  const name = '@platformatic/kafka';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const mod: any = await import(name).catch(() => undefined);
  if (mod === undefined) return `${name}: not installed (npm install --no-save ${name}@1.35.0), skipped`;
  const c = counter();
  const consumer = new mod.Consumer({ groupId: `bench-clients-platformatic-${Date.now()}`, clientId: 'bench-clients', bootstrapBrokers: brokers, maxBytesPerPartition: FETCH.maxBytesPerPartition, maxBytes: FETCH.maxBytes, maxWaitTime: FETCH.maxWaitMs });
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
  stream.on('data', () => c.add(1));
  await c.finished;
  const { version } = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
  const line = c.report(`${name} ${version}`);
  await stream.close();
  await consumer.close(true);
  return line;
}

if (only !== undefined) {
  // One client in this process (the parent runs each in its own, so that CPU is the client's alone).
  process.stdout.write(`${await (only === 'kafkajs' ? kafkajs() : platformatic())}\n`);
  process.exit(0);
}
if (!topic || !(total > 0)) throw new Error('usage: bench/kafka-clients.ts TOPIC MESSAGES [RUNS]');
for (let i = 0; i < Number(runsArg ?? 3); i++) {
  for (const which of ['kafkajs', 'platformatic']) {
    const r = spawnSync('npx', ['vite-node', 'bench/kafka-clients.ts', topic, messagesArg, '1', which], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: process.env });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}
