import { describe, expect, it } from 'vitest';
import { DLQ_HEADERS, deadLetter } from './dead-letter.js';

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

  it('shortens very long messages', () => {
    const out = deadLetter({ topic: 't', partition: 0 }, { offset: 0, key: null, value: null, headers: {}, timestampMs: 0 }, {
      reason: 'bad-json',
      message: 'x'.repeat(5000),
    });
    expect(String(out.headers?.[DLQ_HEADERS.message]).length).toBe(501);
  });
});
