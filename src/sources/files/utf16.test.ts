import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Utf16leToUtf8 } from './utf16.js';

/** The reference: one streaming TextDecoder, a new one at each reset (what open-input did before). */
function reference(pieces: Buffer[], resets: Set<number>): Buffer {
  let d = new TextDecoder('utf-16le');
  const out: Buffer[] = [];
  pieces.forEach((p, i) => {
    if (resets.has(i)) d = new TextDecoder('utf-16le');
    out.push(Buffer.from(d.decode(p, { stream: true }), 'utf8'));
  });
  out.push(Buffer.from(d.decode(), 'utf8'));
  return Buffer.concat(out);
}

function converted(pieces: Buffer[], resets: Set<number>): Buffer {
  const c = new Utf16leToUtf8();
  const out: Buffer[] = [];
  pieces.forEach((p, i) => {
    if (resets.has(i)) c.reset();
    out.push(c.push(p));
  });
  out.push(c.end());
  return Buffer.concat(out);
}

/** Code units: mostly text, with byte order marks, surrogate pairs and lone surrogates. */
const unit = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 2, arbitrary: fc.constantFrom(0xe9, 0xae, 0x4e2d, 0xfeff, 0x0a) },
  { weight: 1, arbitrary: fc.constantFrom(0xd83d, 0xde00, 0xdbff, 0xdc00) },
);

describe('Utf16leToUtf8', () => {
  it('gives what one streaming TextDecoder gives, wherever the pieces are cut and reset (property)', () => {
    fc.assert(
      fc.property(
        fc.array(unit, { maxLength: 200 }),
        fc.boolean(),
        fc.array(fc.nat({ max: 401 }), { maxLength: 8 }),
        fc.array(fc.nat({ max: 8 }), { maxLength: 2 }),
        (units, oddTail, cuts, resetAt) => {
          const bytes = Buffer.alloc(units.length * 2 + (oddTail ? 1 : 0), 0x41);
          units.forEach((u, i) => bytes.writeUInt16LE(u, 2 * i));
          const at = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
          const pieces: Buffer[] = [];
          let from = 0;
          for (const c of [...at, bytes.length]) {
            pieces.push(bytes.subarray(from, c));
            from = c;
          }
          const resets = new Set(resetAt.filter((r) => r > 0 && r < pieces.length));
          expect(converted(pieces, resets).toString('hex')).toBe(reference(pieces, resets).toString('hex'));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
