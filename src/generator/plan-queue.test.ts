import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PlanQueue, type Queued } from './plan-queue.js';

interface Item extends Queued<Item> {
  id: number;
}

describe('PlanQueue', () => {
  it('gives plans in (time, insertion) order, near and far, whole and fractional, past and future', () => {
    // Times relative to the latest popped one: ties, the past, fractions, the wheel's edge (2^18 ms) and far beyond.
    const offset = fc.oneof(
      fc.integer({ min: -3, max: 3 }),
      fc.double({ min: -2, max: 5, noNaN: true }),
      fc.integer({ min: 262_140, max: 262_150 }),
      fc.integer({ min: 0, max: 2_000_000 }),
    );
    const op = fc.oneof(fc.record({ push: offset }), fc.constant({ pop: true }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), fc.array(op, { maxLength: 400 }), (start, ops) => {
        const q = new PlanQueue<Item>(start);
        const model: Item[] = [];
        const order = (a: Item, b: Item) => a.t - b.t || a.id - b.id;
        let now = start;
        let id = 0;
        for (const o of ops) {
          if ('push' in o) {
            const x: Item = { t: now + o.push, seq: 0, next: null, id: id++ };
            q.push(x);
            model.push(x);
            model.sort(order);
          } else {
            const x = q.pop();
            expect(x).toBe(model.shift());
            // Like the fleet: time goes on from the plan just taken, even when it was in the past.
            if (x !== undefined) now = Math.max(now, x.t);
          }
          expect(q.size).toBe(model.length);
          expect(q.peek()).toBe(model[0]);
        }
        while (model.length > 0) expect(q.pop()).toBe(model.shift());
        expect(q.pop()).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});
