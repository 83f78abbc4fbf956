import { describe, expect, it } from 'vitest';
import { guidKey, packedWord } from './guid-key.js';
import { ProcNode, WATCH_PENDING, WATCH_UNJUDGED } from './process-node.js';

describe('ProcNode', () => {
  it('gives back its key and GUID, held as four words or kept as text, however it was made', () => {
    const g = '{747f3d96-0a1b-5ea4-0000-0010c0ffee09}';
    const k = guidKey(g);
    const a = new ProcNode(k);
    const b = ProcNode.packed(packedWord(k, 0), packedWord(k, 1), packedWord(k, 2), packedWord(k, 3));
    for (const n of [a, b]) expect([n.key, n.guid, n.hasTextKey, n.placeholder]).toEqual([k, g, false, true]);
    for (const odd of ['', 'k', '{747F3D96-0A1B-5EA4-0000-0010C0FFEE09}', 'sixteen-chars-ab']) {
      const n = new ProcNode(guidKey(odd));
      expect([n.key, n.guid, n.hasTextKey, n.placeholder, n.epoch]).toEqual([guidKey(odd), odd, true, true, 0]);
      n.epoch = 7;
      n.placeholder = false;
      expect([n.guid, n.hasTextKey, n.epoch]).toEqual([odd, true, 7]);
    }
  });

  it('gives back every time it was given, near the base, far from it, fractional or none', () => {
    const n = new ProcNode('k');
    expect([n.start, n.end, n.alive]).toEqual([NaN, NaN, true]);
    for (const t of [1_700_000_000_000, 1_700_000_000_123, 1_600_000_000_000, 0, -5, 1_700_000_000_000.25, 2 ** 52, Infinity]) {
      n.start = t;
      n.end = t + 1;
      expect([n.start, n.end, n.alive]).toEqual([t, t + 1, false]);
    }
    n.end = NaN;
    expect(n.alive).toBe(true);
  });

  it('keeps its flags, exit watch and boot epoch apart', () => {
    const n = new ProcNode('k');
    expect([n.placeholder, n.master, n.closedAtReboot, n.evictable, n.evicted, n.exitWatch, n.epoch]).toEqual([true, false, false, false, false, 0, 0]);
    n.epoch = 2_000_000;
    n.exitWatch = WATCH_UNJUDGED;
    n.master = true;
    n.placeholder = false;
    n.start = 1_700_000_000_000;
    n.end = 1;
    expect([n.placeholder, n.master, n.exitWatch, n.epoch, n.start, n.end]).toEqual([false, true, WATCH_UNJUDGED, 2_000_000, 1_700_000_000_000, 1]);
    n.exitWatch = WATCH_PENDING;
    n.evicted = true;
    n.closedAtReboot = true;
    n.master = false;
    expect([n.placeholder, n.master, n.closedAtReboot, n.evictable, n.evicted, n.exitWatch, n.epoch]).toEqual([false, false, true, false, true, WATCH_PENDING, 2_000_000]);
    // Past what fits beside the flags (hostile input: millions of boots on one host).
    n.epoch = 2 ** 40;
    expect([n.master, n.evicted, n.exitWatch, n.epoch]).toEqual([false, true, WATCH_PENDING, 2 ** 40]);
    n.epoch = 3;
    expect([n.master, n.evicted, n.exitWatch, n.epoch]).toEqual([false, true, WATCH_PENDING, 3]);
  });

  it('lists its children in the order they were added, through removals from the front, middle and end', () => {
    const p = new ProcNode('p');
    const kids = ['a', 'b', 'c', 'd', 'e'].map((k) => new ProcNode(k));
    expect([p.children, p.hasChildren]).toEqual([null, false]);
    for (const c of kids) {
      c.linkParent(p, -1);
      p.addChild(c);
    }
    const keys = (): string[] | undefined => p.children?.map((c) => c.key);
    expect(keys()).toEqual(['a', 'b', 'c', 'd', 'e']);
    for (const [k, rest] of [['c', ['a', 'b', 'd', 'e']], ['e', ['a', 'b', 'd']], ['a', ['b', 'd']]] as const) {
      p.removeChild(kids.find((c) => c.key === k)!);
      expect(keys()).toEqual(rest);
    }
    p.addChild(kids[0]);
    expect(keys()).toEqual(['b', 'd', 'a']);
    p.dropChildren();
    expect([p.children, p.hasChildren, kids[1].parent, kids[1].parentKey]).toEqual([null, false, null, 'p']);
  });

  it('keeps the alert bits of each node apart', () => {
    const [a, b] = [new ProcNode('a'), new ProcNode('b')];
    a.alerted |= 1 << 30;
    b.alerted |= 2;
    b.alerted |= 1;
    expect([a.alerted, b.alerted]).toEqual([1 << 30, 3]);
    a.alerted = 0;
    expect([a.alerted, b.alerted]).toEqual([0, 3]);
  });

  it('gives back the parentPid it was given, whether or not a parent is linked, whatever the PID of the parent becomes', () => {
    const [p, q, c] = [new ProcNode('p'), new ProcNode('q'), new ProcNode('c')];
    p.pid = 100;
    q.pid = 200;
    expect(c.parentPid).toBe(-1);
    c.parentPid = 100; // no parent linked yet: kept beside the node
    expect(c.parentPid).toBe(100);
    c.parent = p;
    expect(c.parentPid).toBe(100);
    c.parent = q; // relinked: still what the creation said
    expect(c.parentPid).toBe(100);
    c.parentPid = 200;
    expect(c.parentPid).toBe(200);
    c.parent = null;
    expect([c.parent, c.parentPid, c.parentKey]).toEqual([null, 200, 'q']);
    c.parentKey = 'p';
    expect([c.parentPid, c.parentKey]).toEqual([200, 'p']);
    const d = new ProcNode('d');
    d.linkParent(p, 100);
    p.addChild(d);
    expect(d.parentPid).toBe(100);
    p.pid = 101; // the parent's own creation said otherwise: the child keeps what its creation named
    expect([p.pid, d.parentPid]).toEqual([101, 100]);
    d.parentKey = 'other';
    expect([d.parent, d.parentKey, d.parentPid]).toEqual([null, 'other', 100]);
    const e = new ProcNode('e');
    e.linkParent(q, -1);
    expect(e.parentPid).toBe(-1);
  });
});
