import { describe, expect, it } from 'vitest';
import { KafkaClientError, isRetriable } from './client.js';

/** Errors shaped as kafkajs makes them (name, type, retriable, cause), without a broker. */
function kafkajsError(name: string, message: string, extra: { type?: string; retriable?: boolean; cause?: Error } = {}): Error {
  const e = new Error(message, { cause: extra.cause }) as Error & { type?: string; retriable?: boolean };
  e.name = name;
  if (extra.type !== undefined) e.type = extra.type;
  e.retriable = extra.retriable ?? true;
  return e;
}

describe('isRetriable', () => {
  it('waits out what a broker restart, a moving coordinator or exhausted retries look like', () => {
    expect(isRetriable(kafkajsError('KafkaJSConnectionError', 'connect ECONNREFUSED 127.0.0.1:9092'))).toBe(true);
    expect(isRetriable(kafkajsError('KafkaJSNoBrokerAvailableError', 'No broker available', { retriable: false }))).toBe(true);
    expect(isRetriable(kafkajsError('KafkaJSGroupCoordinatorNotFound', 'Failed to find group coordinator', { retriable: false }))).toBe(true);
    const unknownTopic = kafkajsError('KafkaJSProtocolError', 'This server does not host this topic-partition', { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
    expect(isRetriable(kafkajsError('KafkaJSNumberOfRetriesExceeded', unknownTopic.message, { retriable: false, cause: unknownTopic }))).toBe(true);
    expect(isRetriable(new KafkaClientError('the Kafka consumer stopped: x', { cause: kafkajsError('KafkaJSRequestTimeoutError', 'Request timed out') }))).toBe(true);
    expect(isRetriable(new Error('restoring partitions 1 failed', { cause: kafkajsError('KafkaJSConnectionClosedError', 'Closed connection') }))).toBe(true);
  });

  it('gives up on refused credentials and permissions, records the broker never takes, and bugs', () => {
    expect(isRetriable(kafkajsError('KafkaJSSASLAuthenticationError', 'SASL SCRAM SHA512 authentication failed', { retriable: false }))).toBe(false);
    const acl = kafkajsError('KafkaJSProtocolError', 'Not authorized to access topics', { type: 'TOPIC_AUTHORIZATION_FAILED', retriable: false });
    expect(isRetriable(new KafkaClientError('the Kafka consumer stopped', { cause: acl, retriable: true }))).toBe(false);
    expect(isRetriable(kafkajsError('KafkaJSProtocolError', 'too large', { type: 'MESSAGE_TOO_LARGE', retriable: false }))).toBe(false);
    expect(isRetriable(new KafkaClientError('no Kafka brokers given'))).toBe(false);
    expect(isRetriable(new TypeError("Cannot read properties of undefined (reading 'offset')"))).toBe(false);
    expect(isRetriable(new Error('state topic is not ours'))).toBe(false);
  });
});
