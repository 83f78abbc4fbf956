// A plain kafkajs group member in a process of its own, for tests that need another member of a
// group that can be frozen (SIGSTOP: it answers no rebalance, so a join waits for it) and thawed.
// Prints each assignment as a JSON line on stdout; SIGTERM leaves the group and exits.
// Usage: node group-member.mjs <brokers> <group> <topic>

import kafkajs from 'kafkajs';

const [brokers, groupId, topic] = process.argv.slice(2);
const kafka = new kafkajs.Kafka({ clientId: 'test-member', brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING });
// Its fetch loop (and so its heartbeat) turns every second while its partitions are paused.
const consumer = kafka.consumer({ groupId, sessionTimeout: 30_000, heartbeatInterval: 3000, maxWaitTimeInMs: 1000, retry: { restartOnFailure: async () => false } });
consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
  const partitions = payload.memberAssignment[topic] ?? [];
  // Holds its partitions without reading them.
  if (partitions.length > 0) consumer.pause([{ topic, partitions }]);
  process.stdout.write(`${JSON.stringify({ partitions, atMs: Date.now() })}\n`);
});
process.on('SIGTERM', () => void consumer.disconnect().finally(() => process.exit(0)));
await consumer.connect();
await consumer.subscribe({ topics: [topic] });
await consumer.run({ eachBatch: async () => {} });
