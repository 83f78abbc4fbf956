import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteValueCache, hashOf } from './byte-cache.js';

function view(b: Buffer): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function hashOfText(s: string): number {
  const b = Buffer.from('..' + s + '..', 'latin1');
  return hashOf(b, view(b), 2, s.length);
}

describe('ByteValueCache', () => {
  it('gives back the value kept for the same bytes, and nothing for other bytes', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 4, maxLength: 80, unit: 'grapheme-ascii' }), { minLength: 1, maxLength: 60 }), (keys) => {
        const cache = new ByteValueCache(1000);
        const buf = Buffer.from(keys.join(''), 'latin1');
        const dv = view(buf);
        let at = 0;
        const spans = keys.map((k) => {
          const span = [at, at + k.length] as const;
          at += k.length;
          return span;
        });
        for (let i = 0; i < keys.length; i++) {
          const [a, b] = spans[i];
          expect(cache.get(buf, dv, a, b)).toBeUndefined();
          cache.insert(buf, a, b, `value of ${keys[i]}`);
        }
        for (let i = 0; i < keys.length; i++) expect(cache.get(buf, dv, spans[i][0], spans[i][1])).toBe(`value of ${keys[i]}`);
      }),
    );
  });
});

describe('hashOf', () => {
  it('reads every byte: keys of whole words that differ in one byte never share a hash', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).chain((words) =>
          fc.tuple(fc.uint8Array({ minLength: 4 * words, maxLength: 4 * words }), fc.nat({ max: 4 * words - 1 }), fc.integer({ min: 1, max: 255 })),
        ),
        ([bytes, at, delta]) => {
          const a = Buffer.from(bytes);
          const b = Buffer.from(bytes);
          b[at] = (b[at] + delta) & 0xff;
          expect(hashOf(a, view(a), 0, a.length)).not.toBe(hashOf(b, view(b), 0, b.length));
        },
      ),
    );
  });

  it('spreads numbered host names that agree everywhere but in their digits', () => {
    // A fleet's naming scheme: same length, same prefix and domain. Hashing a few sampled words
    // once put all of them in one run of slots.
    const slots = new Set<number>();
    for (let i = 1; i <= 1000; i++) slots.add(hashOfText(`WS${String(i).padStart(5, '0')}.corp.example.com`) & 0xffff);
    expect(slots.size).toBeGreaterThan(950);
  });
});
