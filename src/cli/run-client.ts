// The Kafka client of `proctree run`, built from what both of its threads can be handed: the
// processor's thread (producers, restores, admin) and the main thread (the consumer, see
// kafka/thread-consumer.ts) each build one from the same spec.

import type { Logger } from 'pino';
import type { KafkaClient } from '../kafka/client.js';
import { createKafkajsClient } from '../kafka/kafkajs-client.js';
import { kafkajsSecurity, type KafkaSecurityConfig } from '../kafka/security.js';

/** Plain data (it crosses threads): the pipeline's brokers, client id and security section. */
export interface RunClientSpec {
  brokers: string[];
  clientId: string;
  security?: KafkaSecurityConfig;
}

/** Throws KafkaSecurityError when the security section cannot be used (a missing file or variable). */
export function createRunClient(spec: RunClientSpec, logger: Logger): KafkaClient {
  return createKafkajsClient({ brokers: spec.brokers, clientId: spec.clientId, logger, security: kafkajsSecurity(spec.security, process.env) });
}
