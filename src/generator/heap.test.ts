import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimeHeap, type Timed } from './heap.js';

describe('TimeHeap', () => {
  it('gives items in (t, seq) order through pushes and pops', () => {
    const op = fc.oneof(
      fc.record({ push: fc.integer({ min: 0, max: 5 }) }), // few times: many ties, so that seq must decide
      fc.constant({ pop: true }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const heap = new TimeHeap<Timed>();
        const model: Timed[] = [];
        const order = (a: Timed, b: Timed) => a.t - b.t || a.seq - b.seq;
        let seq = 0;
        for (const o of ops) {
          if ('push' in o) {
            const x = { t: o.push, seq: seq++ };
            heap.push(x);
            model.push(x);
          } else {
            model.sort(order);
            expect(heap.pop()).toBe(model.shift());
          }
          model.sort(order);
          expect(heap.size).toBe(model.length);
          expect(heap.peek()).toBe(model[0]);
        }
        while (model.length > 0) expect(heap.pop()).toBe(model.shift());
        expect(heap.pop()).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});
