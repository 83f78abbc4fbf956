// Which worker takes an event: read from the event's bytes, the same for every spelling of a host
// name that differs only in case, and -1 (worker 0) for names the decoder would read differently.

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
