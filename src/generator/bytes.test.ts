import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteWriter, SecondStamp, enc } from './bytes.js';

describe('SecondStamp', () => {
  it('writes its head and the times Date#toISOString gives, in any order of calls', () => {
    // 1900-01-01 .. 2200-01-01, in ms; the cache must not leak one second into another.
    const ms = fc.integer({ min: -2_208_988_800_000, max: 7_258_118_400_000 });
    fc.assert(
      fc.property(fc.array(ms, { minLength: 1, maxLength: 20 }), (times) => {
        const utc = new SecondStamp(new Uint8Array(0), 32);
        const iso = new SecondStamp(enc('<x>'), 84);
        for (const t of times) {
          const w = new ByteWriter(64);
          utc.write(w, t);
          w.byte(124);
          iso.write(w, t);
          const expected = new Date(t).toISOString().slice(0, 23);
          expect(w.slice(0, w.off)).toBe(`${expected.replace('T', ' ')}|<x>${expected}`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('writes hex digits', () => {
    const w = new ByteWriter(16);
    w.hex(0x1f2e, 4);
    w.hex(0xdeadbeef, 8);
    w.hex(0, 2);
    expect(w.slice(0, w.off)).toBe('1f2edeadbeef00');
  });
});
