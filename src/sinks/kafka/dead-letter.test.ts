import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_MESSAGE_BYTES, DLQ_HEADERS, deadLetter } from './dead-letter.js';

describe('deadLetter', () => {
  it('keeps the original bytes, key and headers and adds reason and source', () => {
    const value = Buffer.from([0x3c, 0x45, 0xff, 0x00]);
    const out = deadLetter(
      { topic: 'sysmon', partition: 2 },
      { offset: 41, key: Buffer.from('PC01'), value, headers: { forwarder: Buffer.from('winlogbeat'), gone: undefined }, timestampMs: 0 },
      { reason: 'malformed-xml', message: 'unclosed <Event>' },
    );
    expect(out.value).toBe(value);
    expect(out.key?.toString()).toBe('PC01');
    expect(out.headers).toEqual({
      forwarder: Buffer.from('winlogbeat'),
      [DLQ_HEADERS.reason]: 'malformed-xml',
      [DLQ_HEADERS.message]: 'unclosed <Event>',
      [DLQ_HEADERS.topic]: 'sysmon',
      [DLQ_HEADERS.partition]: '2',
      [DLQ_HEADERS.offset]: '41',
    });
  });

  it('drops headers of our own left by an earlier dead-lettering, which would say what is not so (a fuzz finding)', () => {
    const stale = { [DLQ_HEADERS.truncated]: Buffer.alloc(0), [DLQ_HEADERS.headersDropped]: Buffer.from('3'), [DLQ_HEADERS.reason]: Buffer.from('bad-json'), kept: Buffer.from('y') };
    const out = deadLetter({ topic: 't', partition: 0 }, { offset: 5, key: null, value: Buffer.from('<x'), headers: stale, timestampMs: 0 }, { reason: 'malformed-xml', message: 'm' });
    expect(out.value?.toString()).toBe('<x');
    expect(out.headers?.[DLQ_HEADERS.truncated]).toBeUndefined();
    expect(out.headers?.[DLQ_HEADERS.headersDropped]).toBeUndefined();
    expect(out.headers?.[DLQ_HEADERS.reason]).toBe('malformed-xml');
    expect(out.headers?.kept).toEqual(Buffer.from('y'));
  });

  it('shortens very long messages', () => {
    const out = deadLetter({ topic: 't', partition: 0 }, { offset: 0, key: null, value: null, headers: {}, timestampMs: 0 }, {
      reason: 'bad-json',
      message: 'x'.repeat(5000),
    });
    expect(String(out.headers?.[DLQ_HEADERS.message]).length).toBe(501);
  });
});

/** The record batch a dead letter becomes on the wire, encoded by kafkajs itself: what max.message.bytes limits. */
async function batchBytes(m: ReturnType<typeof deadLetter>): Promise<number> {
  const record = require('kafkajs/src/protocol/recordBatch/record/v0') as (r: object) => { buffer: Buffer };
  const { RecordBatch: recordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: (b: object) => Promise<{ buffer: Buffer }> };
  const r = record({ key: m.key ?? null, value: m.value, headers: m.headers ?? {} });
  // 8-byte FirstOffset and 4-byte Length lead the batch: the broker counts them (sizeInBytes).
  return (await recordBatch({ records: [r] })).buffer.length;
}

const require = createRequire(import.meta.url);

describe('deadLetter within the dead-letter topic\'s max.message.bytes', () => {
  const source = { topic: 'sysmon', partition: 1 };
  const problem = { reason: 'oversized-event', message: 'event of 3000000 bytes is over decode.max_event_bytes' };

  it('cuts an oversized value to fit, keeps its start, and says how long it was', async () => {
    const value = Buffer.alloc(3_000_000, 0x41);
    const out = deadLetter(source, { offset: 9, key: Buffer.from('PC01'), value, headers: { forwarder: Buffer.from('nxlog') }, timestampMs: 0 }, problem);
    expect(await batchBytes(out)).toBeLessThanOrEqual(DEFAULT_MAX_MESSAGE_BYTES);
    expect((out.value as Buffer).length).toBeGreaterThan(DEFAULT_MAX_MESSAGE_BYTES - 4096);
    expect(value.subarray(0, (out.value as Buffer).length).equals(out.value as Buffer)).toBe(true);
    expect(out.headers?.[DLQ_HEADERS.truncated]).toBe('3000000');
    expect(out.headers?.forwarder).toEqual(Buffer.from('nxlog'));
    expect(out.headers?.[DLQ_HEADERS.headersDropped]).toBeUndefined();
  });

  it('leaves a message that fits as it is', async () => {
    const value = Buffer.alloc(DEFAULT_MAX_MESSAGE_BYTES - 8192, 0x42);
    const out = deadLetter(source, { offset: 9, key: null, value, headers: {}, timestampMs: 0 }, problem);
    expect(out.value).toBe(value);
    expect(out.headers?.[DLQ_HEADERS.truncated]).toBeUndefined();
  });

  it('never exceeds the limit, whatever the sizes of key, value and headers', async () => {
    const bytesOf = (n: number) => Buffer.alloc(n, 0x61);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 4096, max: 200_000 }),
        fc.integer({ min: 0, max: 300_000 }),
        fc.integer({ min: 0, max: 120_000 }),
        fc.array(fc.tuple(fc.string({ maxLength: 30 }), fc.integer({ min: 0, max: 60_000 }), fc.boolean()), { maxLength: 5 }),
        async (limit, valueBytes, keyBytes, headerSpecs) => {
          const headers = Object.create(null) as Record<string, Buffer | Buffer[]>;
          for (const [name, n, repeated] of headerSpecs) headers[name] = repeated ? [bytesOf(n), bytesOf(n >> 1)] : bytesOf(n);
          const message = { offset: 123456789, key: bytesOf(keyBytes), value: bytesOf(valueBytes), headers: headers as Record<string, Buffer>, timestampMs: 0 };
          const out = deadLetter(source, message, { reason: 'malformed-xml', message: 'x'.repeat(600) }, limit);
          expect(await batchBytes(out)).toBeLessThanOrEqual(limit);
          expect(out.headers?.[DLQ_HEADERS.reason]).toBe('malformed-xml');
          expect(out.headers?.[DLQ_HEADERS.offset]).toBe('123456789');
        },
      ),
      { numRuns: 200 },
    );
  });
});
