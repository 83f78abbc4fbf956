#!/usr/bin/env node
// npm run broker:start | broker:stop (| node scripts/broker.mjs status) — a local single-node Apache Kafka (KRaft) on 127.0.0.1.
// start: fetch the jars (cached), format a temporary data folder, start kafka.Kafka detached,
// return once it answers, print the bootstrap address on stdout.
// stop: SIGTERM, wait, SIGKILL if needed, remove the temporary folder.
// Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (KAFKA_PORT+1), KAFKA_VERSION, KAFKA_JARS_DIR,
// KAFKA_KEEP_DATA=1 (stop keeps the data folder, and start starts again on it: a broker restart).

import { BrokerError, DEFAULT_KAFKA_VERSION, brokerRunning, startBroker, stopBroker } from './kafka/local-broker.mjs';

function portFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new BrokerError(`${name}: expected a TCP port number (1-65535), got "${raw}"`);
  }
  return port;
}

async function main(command) {
  const port = portFromEnv('KAFKA_PORT', 9092);
  switch (command) {
    case 'start': {
      const controllerPort = portFromEnv('KAFKA_CONTROLLER_PORT', port + 1);
      const version = process.env.KAFKA_VERSION || DEFAULT_KAFKA_VERSION;
      const broker = await startBroker({ port, controllerPort, version, keepData: process.env.KAFKA_KEEP_DATA === '1' });
      process.stderr.write(
        `broker: Apache Kafka ${version} ${broker.reused ? 'already running' : 'started'} (pid ${broker.pid}, data in ${broker.dir})\n`,
      );
      process.stdout.write(`${broker.bootstrap}\n`);
      return;
    }
    case 'stop': {
      const { stopped } = await stopBroker({ port, keepData: process.env.KAFKA_KEEP_DATA === '1' });
      process.stderr.write(stopped ? `broker: stopped the broker on port ${port}\n` : `broker: no broker of ours on port ${port}\n`);
      return;
    }
    case 'status': {
      // Exit 0 when a broker of ours runs on KAFKA_PORT (.ci/run then leaves it running afterwards).
      const running = await brokerRunning({ port });
      process.stderr.write(running ? `broker: running on 127.0.0.1:${port}\n` : `broker: none of ours on port ${port}\n`);
      if (!running) process.exitCode = 3;
      return;
    }
    default:
      throw new BrokerError(`usage: node scripts/broker.mjs start|stop|status (got "${command ?? ''}")`);
  }
}

main(process.argv[2]).then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    process.stderr.write(`broker: ${err instanceof BrokerError ? err.message : err?.stack ?? err}\n`);
    process.exit(1);
  },
);
