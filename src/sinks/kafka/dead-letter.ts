// Dead-letter messages: the original bytes and headers of a message that could not be decoded,
// plus headers saying why and where it came from, so it can be inspected and replayed.
//
// A dead letter must itself fit the dead-letter topic: the input topic may take larger messages
// (an oversized event is one reason to dead-letter), and a dead letter the broker refuses would
// stop the stream. So a dead letter is cut to the topic's max.message.bytes: first the original
// headers go (when they alone are too large), then the value is cut short; headers say so.

import type { InMessage, OutMessage } from '../../kafka/client.js';

/** Header names added to a dead letter (the original headers are kept beside them). */
export const DLQ_HEADERS = {
  reason: 'proctree.dlq.reason',
  message: 'proctree.dlq.message',
  topic: 'proctree.dlq.source.topic',
  partition: 'proctree.dlq.source.partition',
  offset: 'proctree.dlq.source.offset',
  /** Set when the value was cut short: the original value's length in bytes. */
  truncated: 'proctree.dlq.truncated.value.bytes',
  /** Set when the key was cut short (a key over a quarter of the limit): its length in bytes. */
  truncatedKey: 'proctree.dlq.truncated.key.bytes',
  /** Set when the original headers were left out (too large): how many there were. */
  headersDropped: 'proctree.dlq.dropped.headers',
} as const;

const OWN_NAMES = new Set<string>(Object.values(DLQ_HEADERS));

/** Kafka's default max.message.bytes (1 MiB + 12): what a topic takes unless configured otherwise. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/**
 * Room left in a record batch for what is not key, value or header bytes: the batch header (61
 * bytes), the record's varints and attributes, and a varint per header. Generous on purpose.
 */
const BATCH_OVERHEAD = 1024;

/** Header values may be lists (a header repeated): kafkajs hands those over as arrays. */
type HeaderValue = string | Buffer | (string | Buffer)[];

function bytes(v: HeaderValue | undefined | null): number {
  if (v === undefined || v === null) return 0;
  if (Array.isArray(v)) return v.reduce((n, x) => n + bytes(x) + 10, 0);
  return typeof v === 'string' ? Buffer.byteLength(v) : v.length;
}

function headerBytes(headers: Record<string, HeaderValue>): number {
  let n = 0;
  for (const [name, value] of Object.entries(headers)) n += Buffer.byteLength(name) + bytes(value) + 10;
  return n;
}

/**
 * The dead letter of `message`, at most `maxBytes` as a record batch of its own (the dead-letter
 * topic's max.message.bytes; default Kafka's).
 */
export function deadLetter(
  source: { topic: string; partition: number },
  message: InMessage,
  problem: { reason: string; message: string },
  maxBytes = DEFAULT_MAX_MESSAGE_BYTES,
): OutMessage {
  // No prototype: a header named __proto__ (any producer may send one) must stay a header.
  const own = Object.create(null) as Record<string, string | Buffer>;
  own[DLQ_HEADERS.reason] = problem.reason;
  // Header values are small by convention; a message about a 50 MB record is not.
  own[DLQ_HEADERS.message] = problem.message.length > 500 ? `${problem.message.slice(0, 500)}…` : problem.message;
  own[DLQ_HEADERS.topic] = source.topic;
  own[DLQ_HEADERS.partition] = String(source.partition);
  own[DLQ_HEADERS.offset] = String(message.offset);

  // Headers of our own from an earlier dead-lettering (a dead letter replayed into the input) would
  // say something about this one that is not so (fuzzing found a stale truncated-length header).
  const original = Object.create(null) as Record<string, string | Buffer>;
  let originalCount = 0;
  for (const [name, value] of Object.entries(message.headers)) {
    if (value !== undefined && !OWN_NAMES.has(name)) {
      original[name] = value;
      originalCount++;
    }
  }
  let key = message.key;
  if (key !== null && key.length > maxBytes / 4) {
    own[DLQ_HEADERS.truncatedKey] = String(key.length);
    key = key.subarray(0, Math.floor(maxBytes / 4));
  }
  // What the value may take: the limit less the key, our headers (with the ones we may add) and the overhead.
  let room = maxBytes - BATCH_OVERHEAD - bytes(key) - headerBytes(own) - 2 * 64;
  const originalBytes = headerBytes(original);
  // Headers are metadata; the value is what someone will want to look at.
  const dropHeaders = originalBytes > room / 2;
  if (dropHeaders) own[DLQ_HEADERS.headersDropped] = String(originalCount);
  else room -= originalBytes;
  let value = message.value;
  if (value !== null && value.length > room) {
    own[DLQ_HEADERS.truncated] = String(value.length);
    value = value.subarray(0, Math.max(0, room));
  }
  const headers = dropHeaders ? own : Object.assign(original, own);
  return { key, value, headers };
}
