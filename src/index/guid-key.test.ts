import { describe, expect, it } from 'vitest';
import { guidOfWords } from '../decode/guid-text.js';
import { flatCopy, guidKey, guidOfKey, keyOfWords, packedWord } from './guid-key.js';

describe('guid keys', () => {
  it('pack the canonical form into 16 characters and give back exactly its text', () => {
    const g = '{747f3d96-0a1b-5ea4-0000-0010c0ffee09}';
    const k = guidKey(g);
    expect(k).toHaveLength(16);
    expect(guidOfKey(k)).toBe(g);
    expect(guidKey('{747f3d96-0a1b-5ea4-0000-0010c0ffee0a}')).not.toBe(k);
  });

  it('keep anything else as written, never mistaken for a packed key', () => {
    const odd = [
      '',
      '{747F3D96-0A1B-5EA4-0000-0010C0FFEE09}', // upper case: packing would lower it
      '747f3d96-0a1b-5ea4-0000-0010c0ffee09',
      '{747f3d96-0a1b-5ea4-0000-0010c0ffee0g}',
      '{747f3d96-0a1b-5ea4-0000-0010c0ffee0\u00e9}',
      'sixteen-chars-ab', // as long as a packed key
      '\u0000marked already', // 15: marked, it would be 16
      '\u0000\u0000marked already',
      '\u0000\u0000\u0000 and longer than sixteen',
      '\u0000\u0000 and longer than sixteen',
      '\u0000 short',
      '\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000',
    ];
    const keys = new Set<string>();
    for (const g of odd) {
      const k = guidKey(g);
      expect(guidOfKey(k)).toBe(g);
      keys.add(k);
    }
    // A packed key made of the same characters as a kept one still differs from it.
    keys.add(guidKey('{00000000-0000-0000-0000-000000000000}'));
    keys.add(guidKey('{73697874-6565-6e2d-6368-6172732d6162}')); // packs to 'sixteen-chars-ab'
    expect(keys.size).toBe(odd.length + 2);
    expect(guidOfKey(guidKey('{73697874-6565-6e2d-6368-6172732d6162}'))).toBe('{73697874-6565-6e2d-6368-6172732d6162}');
  });
});

describe('packed keys as four words', () => {
  it('give back the key and the GUID text, whatever the bytes (signed words included)', () => {
    for (const g of ['{747f3d96-0a1b-5ea4-0000-0010c0ffee09}', '{00000000-0000-0000-0000-000000000000}', '{ffffffff-ffff-ffff-ffff-ffffffffffff}', '{80000000-8000-7fff-0001-fedcba987654}']) {
      const k = guidKey(g);
      const w = [0, 1, 2, 3].map((i) => packedWord(k, i));
      expect(w.every((x) => x === (x | 0))).toBe(true);
      expect(keyOfWords(w[0], w[1], w[2], w[3])).toBe(k);
      expect(guidOfWords(w[0], w[1], w[2], w[3])).toBe(g);
    }
  });
});

describe('flatCopy', () => {
  it('copies one-byte and two-byte text exactly, lone surrogates included', () => {
    const big = 'x'.repeat(500);
    for (const s of [`${big}"C:\\Program Files\\App\\app.exe" --flag`.slice(500), 'short', 'caf\u00e9 \u00ae and more text', 'C:\\\u4e2d\u6587\\app.exe --x', 'lone \ud800 surrogate here']) {
      expect(flatCopy(s)).toBe(s);
    }
  });
});
