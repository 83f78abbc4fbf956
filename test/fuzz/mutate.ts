// Byte-level mutation of seed inputs, as fast-check arbitraries: the mutations libFuzzer applies
// (flip a bit, set a byte to an interesting value, insert, delete, duplicate, splice another
// seed, overwrite an integer, truncate) plus insertion of dictionary tokens (markup and escapes
// of the format under test). A mutated input is a seed and a list of mutations, so fast-check
// shrinks a failing input towards the seed and the fewest mutations that still fail.

import fc from 'fast-check';

export type Mutation =
  | { kind: 'flip'; pos: number; bit: number }
  | { kind: 'set'; pos: number; byte: number }
  | { kind: 'insert'; pos: number; bytes: Uint8Array }
  | { kind: 'token'; pos: number; token: number; replace: number }
  | { kind: 'delete'; pos: number; len: number }
  | { kind: 'dup'; pos: number; len: number; to: number }
  | { kind: 'splice'; pos: number; seed: number; from: number; len: number }
  | { kind: 'int'; pos: number; width: 1 | 2 | 4; value: number }
  | { kind: 'truncate'; pos: number };

const INTERESTING_BYTES = [0, 1, 0x7f, 0x80, 0xff, 0xfe, 0x0a, 0x0d, 0x09, 0x20, 0x3c, 0x3e, 0x26, 0x22, 0x27, 0x3b, 0x2f, 0x7b, 0x7d, 0x5b, 0x5d, 0x3a, 0x2c, 0x5c, 0xc3, 0xe2, 0xf0];
const INTERESTING_INTS = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 512, 4096, 65536, 65535, 65024];

export interface MutationOptions {
  /** Tokens inserted or written over the input (markup, escapes, numbers of the format). */
  dictionary?: readonly Buffer[];
  maxMutations?: number;
  /** Largest input produced (longer results are cut): keeps every input quick to run. */
  maxBytes?: number;
}

export function mutationArb(seedCount: number, dictSize: number): fc.Arbitrary<Mutation> {
  const pos = fc.nat();
  const arbs: fc.Arbitrary<Mutation>[] = [
    fc.record({ kind: fc.constant('flip' as const), pos, bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('set' as const), pos, byte: fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.integer({ min: 0, max: 255 })) }),
    fc.record({ kind: fc.constant('insert' as const), pos, bytes: fc.uint8Array({ minLength: 1, maxLength: 48 }) }),
    fc.record({ kind: fc.constant('delete' as const), pos, len: fc.integer({ min: 1, max: 512 }) }),
    fc.record({ kind: fc.constant('dup' as const), pos, len: fc.integer({ min: 1, max: 2048 }), to: fc.nat() }),
    fc.record({ kind: fc.constant('splice' as const), pos, seed: fc.integer({ min: 0, max: Math.max(0, seedCount - 1) }), from: fc.nat(), len: fc.integer({ min: 1, max: 4096 }) }),
    fc.record({ kind: fc.constant('int' as const), pos, width: fc.constantFrom(1 as const, 2 as const, 4 as const), value: fc.oneof(fc.constantFrom(...INTERESTING_INTS), fc.nat()) }),
    fc.record({ kind: fc.constant('truncate' as const), pos }),
  ];
  if (dictSize > 0) {
    const token = fc.record({ kind: fc.constant('token' as const), pos, token: fc.integer({ min: 0, max: dictSize - 1 }), replace: fc.integer({ min: 0, max: 16 }) });
    // Tokens are what reach past a parser's first check, so they come up as often as the rest together.
    return fc.oneof({ arbitrary: token, weight: arbs.length }, ...arbs.map((arbitrary) => ({ arbitrary, weight: 1 })));
  }
  return fc.oneof(...arbs);
}

export function applyMutations(seed: Buffer, mutations: readonly Mutation[], seeds: readonly Buffer[], dictionary: readonly Buffer[], maxBytes: number): Buffer {
  let b = seed;
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : m.pos % (b.length + 1);
    switch (m.kind) {
      case 'flip':
        if (b.length > 0) {
          b = Buffer.from(b);
          b[m.pos % b.length] ^= 1 << m.bit;
        }
        break;
      case 'set':
        if (b.length > 0) {
          b = Buffer.from(b);
          b[m.pos % b.length] = m.byte;
        }
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
        break;
      case 'token': {
        const t = dictionary[m.token % dictionary.length];
        b = Buffer.concat([b.subarray(0, at), t, b.subarray(Math.min(b.length, at + m.replace))]);
        break;
      }
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + m.len))]);
        break;
      case 'dup': {
        const piece = b.subarray(at, at + m.len);
        const to = b.length === 0 ? 0 : m.to % (b.length + 1);
        b = Buffer.concat([b.subarray(0, to), piece, b.subarray(to)]);
        break;
      }
      case 'splice': {
        const other = seeds[m.seed % seeds.length];
        const from = other.length === 0 ? 0 : m.from % other.length;
        b = Buffer.concat([b.subarray(0, at), other.subarray(from, from + m.len), b.subarray(at)]);
        break;
      }
      case 'int':
        if (b.length >= m.width) {
          b = Buffer.from(b);
          const p = m.pos % (b.length - m.width + 1);
          if (m.width === 1) b[p] = m.value & 0xff;
          else if (m.width === 2) b.writeUInt16LE(m.value & 0xffff, p);
          else b.writeUInt32LE(m.value >>> 0, p);
        }
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
    }
    if (b.length > maxBytes) b = b.subarray(0, maxBytes);
  }
  return b;
}

export interface MutatedInput {
  seed: number;
  mutations: Mutation[];
  bytes: Buffer;
}

/** A seed picked from `seeds`, with 0..maxMutations mutations applied. */
export function mutated(seeds: readonly Buffer[], options: MutationOptions = {}): fc.Arbitrary<MutatedInput> {
  const dictionary = options.dictionary ?? [];
  const maxBytes = options.maxBytes ?? 1 << 20;
  return fc
    .record({
      seed: fc.integer({ min: 0, max: seeds.length - 1 }),
      mutations: fc.array(mutationArb(seeds.length, dictionary.length), { maxLength: options.maxMutations ?? 8 }),
    })
    .map(({ seed, mutations }) => ({ seed, mutations, bytes: applyMutations(seeds[seed], mutations, seeds, dictionary, maxBytes) }));
}

/** Tokens as bytes in the encodings a target reads. */
export function tokens(list: readonly string[], encodings: readonly BufferEncoding[] = ['utf8']): Buffer[] {
  const out: Buffer[] = [];
  for (const enc of encodings) for (const t of list) out.push(Buffer.from(t, enc));
  return out;
}
