import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PidTable } from './pid-table.js';
import { ProcNode } from './process-node.js';

describe('PidTable', () => {
  it('answers as a Map would through any mix of sets, replacements and deletes, odd PIDs included', () => {
    const pid = fc.oneof(
      fc.integer({ min: 1, max: 64 }).map((i) => i * 4), // few PIDs: long runs, many collisions
      fc.integer({ min: 1, max: 0x7fffffff }),
      fc.constantFrom(0, -8, 0x80000000, 2 ** 40, 10.5),
    );
    const op = fc.tuple(fc.constantFrom('set', 'set', 'delete'), pid);
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const t = new PidTable();
        const m = new Map<number, ProcNode>();
        ops.forEach(([kind, p], i) => {
          if (kind === 'set') {
            const n = new ProcNode(String(i));
            t.set(p, n);
            m.set(p, n);
          } else {
            t.delete(p);
            m.delete(p);
          }
          expect(t.size).toBe(m.size);
        });
        for (const [p, n] of m) expect(t.get(p)).toBe(n);
        for (const [, p] of ops) expect(t.get(p)).toBe(m.get(p));
        expect(t.entries()).toEqual([...m].sort((a, b) => a[0] - b[0]));
      }),
      { numRuns: 300 },
    );
  });

  it('grows and shrinks with what it holds', () => {
    const t = new PidTable();
    const nodes = Array.from({ length: 5000 }, (_, i) => new ProcNode(String(i)));
    nodes.forEach((n, i) => t.set(8 + 4 * i, n));
    nodes.forEach((n, i) => expect(t.get(8 + 4 * i)).toBe(n));
    for (let i = 0; i < 4990; i++) t.delete(8 + 4 * i);
    expect(t.size).toBe(10);
    expect((t as unknown as { keys: Int32Array }).keys.length).toBeLessThanOrEqual(64);
    for (let i = 4990; i < 5000; i++) expect(t.get(8 + 4 * i)).toBe(nodes[i]);
  });
});
