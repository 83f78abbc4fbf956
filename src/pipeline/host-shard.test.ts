// Which worker takes an event: read from the event's bytes, the same for every spelling of a host
// name that differs only in case, and -1 (worker 0) for names the decoder would read differently.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HostShards, hostHashOf } from './host-shard.js';

function hashOf(xml: string): number {
  const buf = Buffer.from(`  ${xml}  `, 'utf8');
  return hostHashOf(buf, 2, buf.length - 2);
}

const event = (computer: string): string => `<Event><System><EventID>1</EventID><Computer>${computer}</Computer></System><EventData/></Event>`;

describe('hostHashOf', () => {
  it('hashes the plain host name, ignoring case', () => {
    const h = hashOf(event('WS01.corp.local'));
    expect(h).toBeGreaterThanOrEqual(0);
    expect(hashOf(event('ws01.CORP.LOCAL'))).toBe(h);
    expect(hashOf(event('ws02.corp.local'))).not.toBe(h);
  });

  it('is -1 where the decoder would read the name otherwise, or there is none', () => {
    expect(hashOf(event('a&amp;b'))).toBe(-1);
    expect(hashOf(event(' ws01'))).toBe(-1);
    expect(hashOf(event('wsé01'))).toBe(-1);
    expect(hashOf(event(''))).toBe(-1);
    expect(hashOf('<Event><System><EventID>1</EventID></System></Event>')).toBe(-1);
    expect(hashOf('<Event><System><Computer>ws01</Comp')).toBe(-1);
  });

  it('reads only the event it is given', () => {
    const buf = Buffer.from(event('a') + event('b'), 'utf8');
    const first = event('a').length;
    expect(hostHashOf(buf, first, buf.length)).toBe(hashOf(event('b')));
    expect(hostHashOf(buf, 0, 10)).toBe(-1);
  });
});

/** hostHashOf as first written: String.indexOf of the whole tags on the latin1 view. */
function reference(buf: Buffer, a: number, b: number): number {
  const s = buf.toString('latin1');
  const open = s.indexOf('<Computer>', a);
  if (open === -1 || open >= b) return -1;
  let h = 0x811c9dc5;
  let i = open + 10;
  for (; i < b && s[i] !== '<'; i++) {
    const c = s.toLowerCase().charCodeAt(i);
    if (s.charCodeAt(i) > 127 || c === 38 || c <= 32) return -1;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return i === open + 10 || i + 11 > b || !s.startsWith('</Computer>', i) ? -1 : h >>> 0;
}

describe('hostHashOf against the whole-tag search', () => {
  it('finds the same tag and name in any mix of near misses (property)', () => {
    const piece = fc.constantFrom('<Computer>', '</Computer>', 'Compute', '<Compute', 'Computer', 'r>', '<', 'C', 'ws01', 'A.b', ' ', '&amp;', 'é', '<Event>');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), fc.nat(), fc.nat(), (pieces, x, y) => {
        const buf = Buffer.from(pieces.join(''), 'utf8');
        const a = x % (buf.length + 1);
        const b = a + (y % (buf.length - a + 1));
        expect(hostHashOf(buf, a, b)).toBe(reference(buf, a, b));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('HostShards', () => {
  it('keeps a host on one worker and gives a new host to the least loaded', () => {
    const shards = new HostShards(2);
    const at = (name: string): number => {
      const buf = Buffer.from(event(name), 'utf8');
      return shards.of(buf, 0, buf.length);
    };
    expect(at('a')).toBe(0);
    expect(at('b')).toBe(1);
    expect(at('A')).toBe(0);
    expect(at('c')).toBe(1);
    expect(at('B')).toBe(1);
    expect(at('a&amp;')).toBe(0);
    expect(shards.load).toEqual([3, 3]);
  });
});
