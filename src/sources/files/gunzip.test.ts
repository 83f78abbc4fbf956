// The damage-tolerant gunzip: whole, multi-member, cut short at any byte, corrupt in the middle.

import { constants, gzipSync, inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gunzip, type GunzipOptions, type GzipProblem } from './gunzip.js';

async function* pieces(buf: Buffer, cuts: number[]): AsyncGenerator<Buffer> {
  let pos = 0;
  for (const c of cuts) {
    if (pos >= buf.length) return;
    yield buf.subarray(pos, pos + c);
    pos += c;
  }
  if (pos < buf.length) yield buf.subarray(pos);
}

async function inflate(buf: Buffer, cuts: number[] = [1 << 20], options: GunzipOptions = {}): Promise<{ out: Buffer; problems: GzipProblem[] }> {
  const problems: GzipProblem[] = [];
  const parts: Buffer[] = [];
  for await (const b of gunzip(pieces(buf, cuts), (p) => problems.push(p), options)) parts.push(b);
  return { out: Buffer.concat(parts), problems };
}

let seed = 42;
function hex(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 28).toString(16);
  return s;
}

function text(n: number, tag: string): Buffer {
  let s = '';
  for (let i = 0; i < n; i++) s += `<Event><Id>${tag}-${i}</Id><Data>${hex(24)}</Data></Event>\n`;
  return Buffer.from(s);
}

/** Everything a perfect reader could inflate from a member's deflate data cut at `len`. */
function prefixOutput(member: Buffer, len: number): Buffer {
  if (len <= 10) return Buffer.alloc(0);
  return inflateRawSync(member.subarray(10, Math.min(len, member.length - 8)), { finishFlush: constants.Z_SYNC_FLUSH });
}

const SMALL: GunzipOptions = { pieceBytes: 97, outputBytes: 300 };

describe('gunzip', () => {
  const a = text(300, 'a');
  const b = text(200, 'b');
  const c = text(250, 'c');
  const ga = gzipSync(a);
  const gb = gzipSync(b, { level: 1 });
  const gc = gzipSync(c);

  it('inflates one member and several, with zero padding after them, wherever the input is cut', async () => {
    const multi = Buffer.concat([ga, gb, Buffer.alloc(7), gc, Buffer.alloc(3)]);
    const want = Buffer.concat([a, b, c]);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 4000 }), { minLength: 1, maxLength: 40 }), fc.boolean(), async (cuts, small) => {
        const r = await inflate(multi, cuts, small ? SMALL : {});
        expect(r.problems).toEqual([]);
        expect(r.out.equals(want)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('reads header fields (extra, name, comment, header CRC) split across chunks', async () => {
    const raw = ga.subarray(10);
    const extra = Buffer.from([0x41, 0x42, 0x03, 0x00, 1, 2, 3]);
    const header = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0x1e, 0, 0, 0, 0, 0, 3]), Buffer.from([extra.length, 0]), extra, Buffer.from('name.xml\0comment\0'), Buffer.from([0xaa, 0xbb])]);
    const gz = Buffer.concat([header, raw]);
    for (const cut of [1, 5, 11, 14, 20, 30]) {
      const r = await inflate(gz, [cut, 3, 1 << 20]);
      expect(r.problems).toEqual([]);
      expect(r.out.equals(a)).toBe(true);
    }
  });

  it('gives everything before the cut of a file cut short at any byte, then one truncated-gzip problem (property)', async () => {
    const two = Buffer.concat([ga, gb]);
    const full = Buffer.concat([a, b]);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: two.length - 1 }), fc.boolean(), async (len, small) => {
        const r = await inflate(two.subarray(0, len), [777, 1 << 20], small ? SMALL : {});
        const want = len <= ga.length ? prefixOutput(ga, len) : Buffer.concat([a, prefixOutput(gb, len - ga.length)]);
        expect(r.out.equals(want)).toBe(true);
        expect(full.subarray(0, r.out.length).equals(r.out)).toBe(true);
        if (len === ga.length) {
          expect(r.problems).toEqual([]);
        } else {
          expect(r.problems).toEqual([{ reason: 'truncated-gzip', message: expect.stringContaining('cut short'), compressedOffset: len, offset: r.out.length, discontinuity: false }]);
        }
      }),
      { numRuns: 120 },
    );
  });

  it('skips a corrupt member in the middle: the bytes before the damage, then the next member', async () => {
    const bad = Buffer.from(gb);
    // Overwrite the middle of member b's deflate data until zlib rejects it.
    let at = bad.length >> 1;
    for (let i = 0; ; i++) {
      bad.fill(0xff, at, at + 40);
      try {
        inflateRawSync(bad.subarray(10, bad.length - 8));
        at += 7;
        bad.set(gb.subarray(10), 10);
      } catch {
        break;
      }
      if (i > 200) throw new Error('could not corrupt the member');
    }
    const input = Buffer.concat([ga, bad, gc]);
    for (const small of [false, true]) {
      const r = await inflate(input, [1 << 20], small ? SMALL : {});
      expect(r.problems).toHaveLength(1);
      const p = r.problems[0];
      expect(p.reason).toBe('bad-gzip');
      expect(p.discontinuity).toBe(true);
      expect(p.compressedOffset).toBeGreaterThan(ga.length + 10);
      expect(p.compressedOffset).toBeLessThan(ga.length + bad.length);
      // Exact recovery: what a perfect reader inflates from member b's data up to the failing byte.
      const fromB = prefixOutput(bad, p.compressedOffset - ga.length);
      expect(p.offset).toBe(a.length + fromB.length);
      expect(fromB.length).toBeGreaterThan(0);
      // Everything the undamaged bytes before `at` give is there (what zlib made of the damage before noticing it follows).
      const clean = prefixOutput(gb, at);
      expect(fromB.length).toBeGreaterThanOrEqual(clean.length);
      expect(fromB.subarray(0, clean.length).equals(b.subarray(0, clean.length))).toBe(true);
      expect(r.out.equals(Buffer.concat([a, fromB, c]))).toBe(true);
    }
  });

  it('reports garbage between members, skips it and reads the member after it', async () => {
    const input = Buffer.concat([ga, Buffer.from('this is not gzip at all \x1f\x8b but almost'), gc]);
    const r = await inflate(input, [50, 1 << 20]);
    expect(r.out.equals(Buffer.concat([a, c]))).toBe(true);
    expect(r.problems).toEqual([
      { reason: 'bad-gzip', message: expect.stringContaining('not a gzip header'), compressedOffset: ga.length, offset: a.length, discontinuity: true },
    ]);
  });

  it('reports a member whose CRC-32 or length does not match, and goes on without a gap', async () => {
    const bad = Buffer.from(ga);
    bad.writeUInt32LE((bad.readUInt32LE(bad.length - 8) ^ 1) >>> 0, bad.length - 8);
    const r = await inflate(Buffer.concat([bad, gb]));
    expect(r.out.equals(Buffer.concat([a, b]))).toBe(true);
    expect(r.problems).toEqual([{ reason: 'bad-gzip', message: expect.stringContaining('CRC-32'), compressedOffset: ga.length - 8, offset: a.length, discontinuity: false }]);
  });

  it('keeps memory bounded on a member that inflates 1000:1 (output handed on in pieces)', async () => {
    const bomb = gzipSync(Buffer.alloc(64 << 20), { level: 9 });
    let largest = 0;
    let total = 0;
    for await (const out of gunzip(pieces(bomb, [1 << 20]), () => {})) {
      largest = Math.max(largest, out.length);
      total += out.length;
    }
    expect(total).toBe(64 << 20);
    expect(largest).toBeLessThan(48 << 20);
  });
});
