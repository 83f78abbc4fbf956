import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32, crc32js } from './crc32.js';

describe('crc32', () => {
  it('matches the standard check value', () => {
    const b = Buffer.from('123456789');
    expect(crc32(b, 0, b.length)).toBe(0xcbf43926);
    expect(crc32js(b, 0, b.length)).toBe(0xcbf43926);
  });
  it('native and JavaScript versions agree, also when continued across two ranges', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(300), (bytes, cut) => {
        const b = Buffer.from(bytes);
        const k = Math.min(cut, b.length);
        expect(crc32(b, 0, b.length)).toBe(crc32js(b, 0, b.length));
        expect(crc32(b, k, b.length, crc32(b, 0, k))).toBe(crc32js(b, 0, b.length));
      }),
    );
  });
});
