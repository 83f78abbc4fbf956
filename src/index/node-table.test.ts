import { beforeAll, describe, expect, it } from 'vitest';
import { SysmonEvent } from '../decode/event.js';
import { fillGuidWords } from '../decode/guid-words.js';
import { guidKey } from './guid-key.js';
import { NodeTable, hashSeedForTests, keyHashForTests } from './node-table.js';
import { ProcNode } from './process-node.js';

// Pairs of GUIDs whose 30-bit hashes collide with seed 0 (found by search over 400k GUIDs).
const A1 = '{747f3d96-0186-5ea4-0000-00100aab78d3}';
const A2 = '{747f3d96-6ea2-5ea4-0000-001006731049}';
const B1 = '{747f3d96-ced2-5ea4-0000-0010a7c43f64}';
const B2 = '{747f3d96-dc66-5ea4-0000-001006ceb216}';

const node = (guid: string): ProcNode => new ProcNode(guidKey(guid));
const guids = (t: NodeTable): string[] => [...t.values()].map((n) => n.guid);

describe('NodeTable', () => {
  beforeAll(() => hashSeedForTests(0));

  it('finds nodes by GUID text and by key, in insertion order, whatever the GUID looks like', () => {
    const t = new NodeTable();
    const odd = ['{747F3D96-0A1B-5EA4-0000-0010C0FFEE09}', '', 'sixteen-chars-ab', '{747f3d96-0a1b-5ea4-0000-0010c0ffee0g}', '{747f3d96-0a1b-5ea4-0000-0010c0ffee0\u00e9}'];
    const all = ['{747f3d96-0a1b-5ea4-0000-0010c0ffee09}', ...odd, '{73697874-6565-6e2d-6368-6172732d6162}'];
    for (const g of all) {
      expect(t.get(g)).toBeUndefined();
      const n = t.newNode();
      expect(n.guid).toBe(g);
      t.add(n);
    }
    expect(t.size).toBe(all.length);
    expect(guids(t)).toEqual(all);
    for (const g of all) {
      expect(t.get(g)?.guid).toBe(g);
      expect(t.has(g)).toBe(true);
      expect(t.byKeyOf(guidKey(g))?.guid).toBe(g);
    }
    expect(t.get('{747f3d96-0a1b-5ea4-0000-0010c0ffee0a}')).toBeUndefined();
    const first = t.first()!;
    t.moveLast(first);
    expect(guids(t)).toEqual([...all.slice(1), all[0]]);
    t.delete(t.get(odd[1])!);
    expect(t.get(odd[1])).toBeUndefined();
    expect(t.size).toBe(all.length - 1);
  });

  it("finds an event's process and parent by the words the decoder gave, or by their texts without them", () => {
    const t = new NodeTable();
    const all = [A1, B1, '{747F3D96-0A1B-5EA4-0000-0010C0FFEE09}', 'sixteen-chars-ab', ''];
    for (const g of all) {
      t.get(g);
      t.add(t.newNode());
    }
    for (const g of all) {
      for (const p of all) {
        const ev = new SysmonEvent();
        ev.processGuid = g;
        ev.parentProcessGuid = p;
        expect(t.process(ev)?.guid).toBe(g);
        expect(t.parent(ev)?.guid).toBe(p);
        fillGuidWords(ev);
        expect(ev.guidWords).toBe((g.startsWith('{747f') ? 1 : 0) | (p.startsWith('{747f') ? 2 : 0));
        expect(t.process(ev)?.guid).toBe(g);
        expect(t.parent(ev)?.guid).toBe(p);
      }
    }
    const ev = new SysmonEvent();
    ev.processGuid = A2;
    fillGuidWords(ev);
    expect(t.process(ev)).toBeUndefined();
    // The miss leaves the probe to newNode(): a node of the words' GUID.
    const n = t.newNode();
    expect(n.guid).toBe(A2);
    t.addMissed(n);
    expect(t.get(A2)).toBe(n);
  });

  it('keeps both nodes of GUIDs whose hashes collide, in insertion order, through deletes and re-adds', () => {
    expect(keyHashForTests(guidKey(A1))).toBe(keyHashForTests(guidKey(A2)));
    expect(keyHashForTests(guidKey(B1))).toBe(keyHashForTests(guidKey(B2)));
    const t = new NodeTable();
    const [a1, b1, a2, b2] = [node(A1), node(B1), node(A2), node(B2)];
    for (const n of [a1, b1, a2, b2]) t.add(n);
    expect(guids(t)).toEqual([A1, B1, A2, B2]);
    for (const n of [a1, b1, a2, b2]) {
      expect(t.get(n.guid)).toBe(n);
      expect(t.holds(n)).toBe(true);
    }
    // The spilled node moves and leaves like any other.
    t.moveLast(a2);
    expect(guids(t)).toEqual([A1, B1, B2, A2]);
    // The hash's first holder leaves: the spilled one is still found, and a new holder comes back.
    t.delete(a1);
    expect(t.get(A1)).toBeUndefined();
    expect(t.get(A2)).toBe(a2);
    const a1again = node(A1);
    t.add(a1again);
    expect(t.get(A1)).toBe(a1again);
    expect(t.holds(a1)).toBe(false);
    t.delete(a1); // not in the table any more: nothing happens
    expect(t.get(A1)).toBe(a1again);
    t.delete(a2);
    t.delete(b2);
    expect(t.get(A2)).toBeUndefined();
    expect(t.get(B2)).toBeUndefined();
    expect(guids(t)).toEqual([B1, A1]);
    // A node added with a key already held takes its place.
    const b1again = node(B1);
    t.add(b1again);
    expect(guids(t)).toEqual([B1, A1]);
    expect(t.get(B1)).toBe(b1again);
    expect(t.size).toBe(2);
  });

  it('adds a node the last lookup missed without looking again, and spills it where its hash is held', () => {
    const t = new NodeTable();
    expect(t.get(A1)).toBeUndefined();
    const a1 = t.newNode();
    t.addMissed(a1);
    expect(t.get(A2)).toBeUndefined(); // its hash is A1's
    const a2 = t.newNode();
    t.addMissed(a2);
    expect(t.get(B1)).toBeUndefined();
    const b1 = t.newNode();
    t.add(node(B2)); // another change in between: the miss is looked up again
    t.addMissed(b1);
    expect(guids(t)).toEqual([A1, A2, B2, B1]);
    for (const n of [a1, a2, b1]) expect(t.get(n.guid)).toBe(n);
    expect(t.size).toBe(4);
  });

  it('does not place a node under the key of an earlier miss where a later miss stopped', () => {
    const t = new NodeTable();
    expect(t.get(A1)).toBeUndefined();
    const a1 = t.newNode();
    expect(t.get(B1)).toBeUndefined(); // another miss, whose key is never asked for
    t.addMissed(a1);
    expect(t.get(A1)).toBe(a1);
    expect(t.get(B1)).toBeUndefined();
    const b1 = t.newNode();
    t.addMissed(b1);
    expect(t.get(B1)).toBe(b1);
    expect(guids(t)).toEqual([A1, B1]);
  });

  it('does not place a node under a key built after a lookup in another table', () => {
    const t = new NodeTable();
    const u = new NodeTable();
    expect(t.get(A1)).toBeUndefined();
    expect(u.get(B1)).toBeUndefined();
    const b1 = u.newNode(); // B1's key, with t's miss of A1 still pending
    t.addMissed(b1);
    expect(t.get(B1)).toBe(b1);
    expect(t.get(A1)).toBeUndefined();
    expect(t.size).toBe(1);
  });
});

describe('NodeTable against a Map', () => {
  it('finds, orders and removes like an insertion-ordered Map through long churn', () => {
    const t = new NodeTable();
    const m = new Map<string, ProcNode>();
    let seed = 7;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const guidOf = (i: number): string => `{747f3d96-${(i & 0xffff).toString(16).padStart(4, '0')}-5ea4-0000-0010${i.toString(16).padStart(8, '0')}}`;
    for (let step = 0; step < 20000; step++) {
      const g = guidOf(rand(3000));
      const op = rand(10);
      const have = m.get(g);
      expect(t.get(g)).toBe(have);
      if (op < 5 && have === undefined) {
        const n = t.newNode();
        t.addMissed(n);
        m.set(g, n);
      } else if (op < 8 && have !== undefined) {
        t.delete(have);
        m.delete(g);
      } else if (op === 8 && have !== undefined) {
        t.moveLast(have);
        m.delete(g);
        m.set(g, have);
      }
      expect(t.size).toBe(m.size);
      if (step % 997 === 0) {
        expect([...t.values()]).toEqual([...m.values()]);
        expect(t.first()).toBe(m.values().next().value);
      }
    }
    expect([...t.values()]).toEqual([...m.values()]);
    for (const [g, n] of m) expect(t.get(g)).toBe(n);
    for (const n of [...m.values()]) t.delete(n);
    expect([t.size, t.first(), [...t.values()]]).toEqual([0, undefined, []]);
  });
});
