import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseUtcTime } from '../../decode/fields.js';
import { utcTimeOf } from './extract.js';
import { utf16 } from './values.js';

/** A UTF-16LE value as it sits in a record: at an odd offset, as most do, with room around it. */
function valueOf(s: string, trailingNuls = 0): { buf: Buffer; off: number; size: number } {
  const bytes = Buffer.from(s + '\0'.repeat(trailingNuls), 'utf16le');
  const buf = Buffer.alloc(bytes.length + 3, 0x41);
  bytes.copy(buf, 1);
  return { buf, off: 1, size: bytes.length };
}

/** What buildEvent makes of the value's text: the time, or NaN. */
function viaText(v: { buf: Buffer; off: number; size: number }): number {
  return parseUtcTime(utf16(v.buf, v.off, v.off + v.size));
}

describe('utcTimeOf', () => {
  it('reads Sysmon and ISO times as parseUtcTime reads their text', () => {
    for (const s of ['2020-04-25 22:19:00.127', '2022-05-13T08:54:05.1230000Z', '2019-03-18 16:55:03.735', '2020-02-29 23:59:60.999', '1601-01-01 00:00:00']) {
      const v = valueOf(s);
      expect(utcTimeOf(v.buf, v.off, v.size)).toBe(viaText(v));
      expect(Number.isNaN(utcTimeOf(v.buf, v.off, v.size))).toBe(false);
    }
    const padded = valueOf('2020-04-25 22:19:00.127', 2);
    expect(utcTimeOf(padded.buf, padded.off, padded.size)).toBe(viaText(padded));
  });

  it('gives NaN where the text is no time, so that the text is read and reported instead', () => {
    for (const s of ['', '2020-02-30 00:00:00.000', '2020-04-25 22:19:00.', 'x'.repeat(80), '2020-04-25 22:19:00.127\u0100', '２020-04-25 22:19:00.127']) {
      const v = valueOf(s);
      expect(utcTimeOf(v.buf, v.off, v.size)).toBeNaN();
    }
  });

  it('is either NaN or the time parseUtcTime gives for the same text', () => {
    const digit = fc.constantFrom(...'0123456789');
    const noise = fc.constantFrom(...'0123456789-: T.Z\u00e9\u0100');
    const timeLike = fc.tuple(fc.array(digit, { minLength: 4, maxLength: 4 }), fc.array(fc.oneof(digit, noise), { minLength: 0, maxLength: 30 })).map(([y, rest]) => y.join('') + rest.join(''));
    const sysmon = fc.tuple(fc.integer({ min: 1590, max: 2100 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 61 }), fc.string({ maxLength: 9 })).map(
      ([y, mo, d, h, mi, frac]) => `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')} ${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:${String(mi).padStart(2, '0')}${frac}`,
    );
    fc.assert(
      fc.property(fc.oneof(timeLike, sysmon, fc.string({ maxLength: 40 })), fc.integer({ min: 0, max: 2 }), (s, nuls) => {
        const v = valueOf(s, nuls);
        const t = utcTimeOf(v.buf, v.off, v.size);
        if (!Number.isNaN(t)) expect(t).toBe(viaText(v));
      }),
      { numRuns: 20000 },
    );
  });
});
