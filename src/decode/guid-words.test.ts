import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guidOfWords } from './guid-text.js';
import { GuidWords } from './guid-words.js';

/** The words of `g` read from its bytes and from its text; null where one refuses it. */
function both(g: string): { bytes: number[] | null; text: number[] | null } {
  const buf = Buffer.from('..' + g + '..', 'latin1');
  const w = new GuidWords();
  const bytes = w.read(buf, new DataView(buf.buffer, buf.byteOffset, buf.byteLength), 2, 2 + g.length) ? [w.w0, w.w1, w.w2, w.w3] : null;
  const t = new GuidWords();
  const text = t.readText(g) ? [t.w0, t.w1, t.w2, t.w3] : null;
  return { bytes, text };
}

const canonical = fc
  .array(fc.integer({ min: 0, max: 15 }), { minLength: 32, maxLength: 32 })
  .map((d) => {
    const h = d.map((x) => x.toString(16)).join('');
    return `{${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}}`;
  });

describe('GUID words', () => {
  it('are the same from bytes and from text, and give back the GUID', () => {
    fc.assert(
      fc.property(canonical, (g) => {
        const { bytes, text } = both(g);
        expect(bytes).not.toBeNull();
        expect(bytes).toEqual(text);
        expect(guidOfWords(bytes![0], bytes![1], bytes![2], bytes![3])).toBe(g);
      }),
      { numRuns: 500 },
    );
    for (const g of ['{00000000-0000-0000-0000-000000000000}', '{ffffffff-ffff-ffff-ffff-ffffffffffff}', '{80000000-8000-8000-8000-800000000000}']) {
      const { bytes, text } = both(g);
      expect(bytes).toEqual(text);
      expect(guidOfWords(bytes![0], bytes![1], bytes![2], bytes![3])).toBe(g);
    }
  });

  it('are refused alike for any other character anywhere, and for other lengths', () => {
    const g = '{0123abcd-ef45-6789-a0b1-c2d3e4f5a6b7}';
    for (let i = 0; i < g.length; i++) {
      for (let c = 0; c < 256; c++) {
        const s = g.slice(0, i) + String.fromCharCode(c) + g.slice(i + 1);
        const { bytes, text } = both(s);
        expect(bytes, `${i} ${c}`).toEqual(text);
        if (bytes !== null) expect(guidOfWords(bytes[0], bytes[1], bytes[2], bytes[3])).toBe(s);
      }
    }
    for (const s of ['', '{}', g.slice(0, -1), g + '}', g.toUpperCase(), g.slice(1, -1)]) expect(both(s)).toEqual({ bytes: null, text: null });
  });
});
