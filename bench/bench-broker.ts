// The broker a Kafka benchmark talks to: KAFKA_BROKERS when set, else a local Apache Kafka
// broker of its own (scripts/kafka/local-broker.mjs, jars from Maven Central), stopped at the end.

import { freePorts, startBroker, stopBroker } from '../scripts/kafka/local-broker.mjs';

export interface BenchBroker {
  /** Comma-separated bootstrap addresses. */
  brokers: string;
  /** Stops the broker this bench started; nothing when it was given one. */
  stop(): Promise<void>;
}

export async function benchBroker(note: (message: string) => void): Promise<BenchBroker> {
  const given = process.env.KAFKA_BROKERS;
  if (given) return { brokers: given, stop: async () => {} };
  const [port, controllerPort] = await freePorts(2);
  const { bootstrap } = await startBroker({ port, controllerPort, log: note });
  return {
    brokers: bootstrap,
    stop: async () => {
      await stopBroker({ port, log: note });
    },
  };
}
