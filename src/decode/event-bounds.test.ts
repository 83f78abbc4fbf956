// The byte framing functions against the text ones on the latin1 view of the same bytes.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BytePrefixCache, findEventStart, findEventStartIn } from './event-bounds.js';

const PIECES = ['<Event', '<Event ', '<Event>', '<Event/', '<Event\t', '<Event\r\n', '<EventID>', '<EventData>', '<EventRecordID>', '</Event>', '<e:Event ', '<x:Eventx', ':Event>', '<Eve', 'nt ', '<', 'E', 'x', ' ', '\n', '>', '/', '<<', 'é', '\u0000'];

describe('findEventStartIn', () => {
  it('finds what findEventStart finds in the latin1 view, from every offset (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }), (parts) => {
        const buf = Buffer.from(parts.join(''), 'utf8');
        const text = buf.toString('latin1');
        const prefixed = new BytePrefixCache(buf);
        for (let from = 0; from <= buf.length; from++) {
          expect(findEventStartIn(buf, from, prefixed)).toBe(findEventStart(text, from));
          expect(findEventStartIn(buf, from)).toBe(findEventStart(text, from));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('finds an event start in a subarray of a larger buffer, and one that ends it', () => {
    const big = Buffer.from('xxxxxxx<EventID>1</EventID><Event xmlns="a"><System/></Event>  <Event>', 'latin1');
    const sub = big.subarray(3);
    const text = sub.toString('latin1');
    for (let from = 0; from <= sub.length; from++) expect(findEventStartIn(sub, from)).toBe(findEventStart(text, from));
  });
});
