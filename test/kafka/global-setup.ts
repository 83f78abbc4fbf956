// Gives the Kafka integration tests a real broker, in this order: KAFKA_BROKERS if set; a
// testcontainers Kafka when a Docker engine answers; otherwise the local broker from Maven
// Central jars (scripts/kafka/local-broker.mjs, the same code as npm run broker:start).
// Runs only when a test of the "kafka" project is queued (vitest.config.ts).

import type { TestProject } from 'vitest/node';
import { BrokerError, freePorts, startBroker, stopBroker } from '../../scripts/kafka/local-broker.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Comma-separated bootstrap addresses. */
    kafkaBrokers: string;
  }
}

const HOW_TO =
  'The Kafka tests need a broker. Either set KAFKA_BROKERS=host:port of a running Apache Kafka, ' +
  'start a Docker engine (testcontainers), or install Java 17+ and Maven so the tests can fetch ' +
  'and run one (npm run broker:start does the same by hand).';

type Teardown = () => Promise<void>;

async function dockerBroker(): Promise<{ brokers: string; teardown: Teardown } | undefined> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  try {
    await getContainerRuntimeClient();
  } catch {
    return undefined; // no Docker engine: the next option
  }
  const { KafkaContainer } = await import('@testcontainers/kafka');
  // Confluent Platform 8.x ships Apache Kafka 4.x.
  const container = await new KafkaContainer('confluentinc/cp-kafka:8.1.0').start();
  return {
    brokers: `${container.getHost()}:${container.getMappedPort(9093)}`,
    teardown: async () => void (await container.stop()),
  };
}

async function localBroker(): Promise<{ brokers: string; teardown: Teardown }> {
  // Free ports, so the tests never collide with a broker a developer already runs on 9092.
  const [port, controllerPort] = await freePorts(2);
  const log = (message: string) => process.stderr.write(`kafka tests: ${message}\n`);
  const broker = await startBroker({ port, controllerPort, log });
  return { brokers: broker.bootstrap, teardown: async () => void (await stopBroker({ port, log })) };
}

export default async function setup(project: TestProject): Promise<Teardown | undefined> {
  const fromEnv = process.env.KAFKA_BROKERS?.trim();
  if (fromEnv) {
    project.provide('kafkaBrokers', fromEnv);
    return undefined;
  }
  let started: { brokers: string; teardown: Teardown } | undefined;
  try {
    started = (await dockerBroker()) ?? (await localBroker());
  } catch (err) {
    const why = err instanceof BrokerError ? err.message : String((err as Error)?.stack ?? err);
    throw new Error(`${HOW_TO}\nStarting one failed: ${why}`);
  }
  project.provide('kafkaBrokers', started.brokers);
  return started.teardown;
}
