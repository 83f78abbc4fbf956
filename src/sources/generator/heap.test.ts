import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimeHeap, type Timed } from './heap.js';

describe('TimeHeap', () => {
  it('gives items in (t, seq) order through pushes, pops, top replacements and removals', () => {
    const op = fc.oneof(
      fc.record({ push: fc.integer({ min: 0, max: 5 }) }), // few times: many ties, so that seq must decide
      fc.constant({ pop: true }),
      fc.record({ moveTop: fc.integer({ min: 0, max: 5 }) }),
      fc.constant({ dropOdd: true }),
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
          } else if ('pop' in o) {
            model.sort(order);
            expect(heap.pop()).toBe(model.shift());
          } else if ('moveTop' in o) {
            const top = heap.peek();
            if (top === undefined) continue;
            top.t += o.moveTop;
            heap.replaceTop(top);
          } else {
            heap.removeWhere((x) => x.seq % 2 === 1);
            model.splice(0, model.length, ...model.filter((x) => x.seq % 2 === 0));
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
