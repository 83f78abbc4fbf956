// Dead-letter messages: the original bytes and headers of a message that could not be decoded,
// plus headers saying why and where it came from, so it can be inspected and replayed.

import type { InMessage, OutMessage } from '../../kafka/client.js';

/** Header names added to a dead letter (the original headers are kept beside them). */
export const DLQ_HEADERS = {
  reason: 'proctree.dlq.reason',
  message: 'proctree.dlq.message',
  topic: 'proctree.dlq.source.topic',
  partition: 'proctree.dlq.source.partition',
  offset: 'proctree.dlq.source.offset',
} as const;

export function deadLetter(
  source: { topic: string; partition: number },
  message: InMessage,
  problem: { reason: string; message: string },
): OutMessage {
  // No prototype: a header named __proto__ (any producer may send one) must stay a header.
  const headers = Object.create(null) as Record<string, string | Buffer>;
  for (const [name, value] of Object.entries(message.headers)) if (value !== undefined) headers[name] = value;
  headers[DLQ_HEADERS.reason] = problem.reason;
  // Header values are small by convention; a message about a 50 MB record is not.
  headers[DLQ_HEADERS.message] = problem.message.length > 500 ? `${problem.message.slice(0, 500)}…` : problem.message;
  headers[DLQ_HEADERS.topic] = source.topic;
  headers[DLQ_HEADERS.partition] = String(source.partition);
  headers[DLQ_HEADERS.offset] = String(message.offset);
  return { key: message.key, value: message.value, headers };
}
