import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteWriter, TimeBytes } from './bytes.js';

describe('TimeBytes', () => {
  it('writes the times Date#toISOString gives, in any order of calls', () => {
    // 1900-01-01 .. 2200-01-01, in ms; the cache must not leak one second into another.
    const ms = fc.integer({ min: -2_208_988_800_000, max: 7_258_118_400_000 });
    fc.assert(
      fc.property(fc.array(fc.tuple(ms, fc.integer({ min: 0, max: 9999 })), { minLength: 1, maxLength: 20 }), (times) => {
        const tb = new TimeBytes();
        for (const [t, sub] of times) {
          const w = new ByteWriter(64);
          tb.utc(w, t);
          w.byte(32);
          tb.systemTime(w, t, sub);
          const iso = new Date(t).toISOString().slice(0, 23);
          expect(w.slice(0, w.off)).toBe(`${iso.replace('T', ' ')} ${iso}${String(sub).padStart(4, '0')}Z`);
        }
      }),
      { numRuns: 300 },
    );
  });
});
