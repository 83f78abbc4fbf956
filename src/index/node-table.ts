// A host's nodes by ProcessGuid, in insertion order (the per-host cap evicts the oldest first).
//
// The map is keyed by a 30-bit number hashed from the GUID's 128 bits, not by a string: a
// lookup then builds no key string (the GUID's hex is read where the event holds it) and
// compares numbers in the map's chains, where a string key costs a fresh string per lookup and
// a visit to every candidate key's characters; only a hit reads the node's own key (guid-key.ts)
// to confirm it. Two GUIDs of one host whose hashes collide (about one pair in 2^30) are both
// kept: the later one under a number of its own outside the hashes' range, listed by hash in
// `spilled`, so that every node is still in the one map and the insertion order stays whole.

import { PACKED_LENGTH, guidKey, isCanonicalShape } from './guid-key.js';
import type { ProcNode } from './process-node.js';

/** Hex digit value by character code (0-127); 256 (a bit no digit has) for anything but 0-9 and a-f. */
const HEX = new Int16Array(128).fill(256);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[97 + i] = 10 + i;

const HASH_MASK = 0x3fffffff;

// The GUID of the last lookup: its 128 bits as four words when it is canonical (guid-key.ts
// packs it), otherwise its key string. One lookup at a time, so module state, not an object per call.
let w0 = 0;
let w1 = 0;
let w2 = 0;
let w3 = 0;
let probeKey: string | null = null;

function mix(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ 0x2545f491, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15) ^ b, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ c, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ d, 0x27d4eb2f);
  return (h ^ (h >>> 15)) & HASH_MASK;
}

/** Hash of a key that is not a packed GUID (guid-key.ts keeps those as written). */
function textHash(k: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 15)) & HASH_MASK;
}

/** Eight hex digits at g[i..i+8) as a 32-bit word; `bad` reaches 16 or more when one is no digit. */
let bad = 0;
function hex8(g: string, i: number): number {
  const c0 = g.charCodeAt(i), c1 = g.charCodeAt(i + 1), c2 = g.charCodeAt(i + 2), c3 = g.charCodeAt(i + 3);
  const c4 = g.charCodeAt(i + 4), c5 = g.charCodeAt(i + 5), c6 = g.charCodeAt(i + 6), c7 = g.charCodeAt(i + 7);
  const d0 = HEX[c0 & 127], d1 = HEX[c1 & 127], d2 = HEX[c2 & 127], d3 = HEX[c3 & 127];
  const d4 = HEX[c4 & 127], d5 = HEX[c5 & 127], d6 = HEX[c6 & 127], d7 = HEX[c7 & 127];
  bad |= d0 | d1 | d2 | d3 | d4 | d5 | d6 | d7 | ((c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7) & ~127);
  return (d0 << 28) | (d1 << 24) | (d2 << 20) | (d3 << 16) | (d4 << 12) | (d5 << 8) | (d6 << 4) | d7;
}

function hex4(g: string, i: number): number {
  const c0 = g.charCodeAt(i), c1 = g.charCodeAt(i + 1), c2 = g.charCodeAt(i + 2), c3 = g.charCodeAt(i + 3);
  const d0 = HEX[c0 & 127], d1 = HEX[c1 & 127], d2 = HEX[c2 & 127], d3 = HEX[c3 & 127];
  bad |= d0 | d1 | d2 | d3 | ((c0 | c1 | c2 | c3) & ~127);
  return (d0 << 12) | (d1 << 8) | (d2 << 4) | d3;
}

/** Sets the probe to `guid` as an event writes it and returns its hash. */
function probeGuid(guid: string): number {
  if (isCanonicalShape(guid)) {
    bad = 0;
    w0 = hex8(guid, 1);
    w1 = (hex4(guid, 10) << 16) | hex4(guid, 15);
    w2 = (hex4(guid, 20) << 16) | hex4(guid, 25);
    w3 = hex8(guid, 29);
    if (bad < 16) {
      probeKey = null;
      return mix(w0, w1, w2, w3);
    }
  }
  probeKey = guidKey(guid);
  return textHash(probeKey);
}

function word(k: string, i: number): number {
  return (k.charCodeAt(i) << 24) | (k.charCodeAt(i + 1) << 16) | (k.charCodeAt(i + 2) << 8) | k.charCodeAt(i + 3);
}

/** Sets the probe to a node key and returns its hash. */
function probeOfKey(k: string): number {
  if (k.length === PACKED_LENGTH) {
    probeKey = null;
    w0 = word(k, 0);
    w1 = word(k, 4);
    w2 = word(k, 8);
    w3 = word(k, 12);
    return mix(w0, w1, w2, w3);
  }
  probeKey = k;
  return textHash(k);
}

/** Whether node key `k` is the probe's. */
function isProbe(k: string): boolean {
  if (probeKey !== null) return k === probeKey;
  return k.length === PACKED_LENGTH && word(k, 0) === w0 && word(k, 4) === w1 && word(k, 8) === w2 && word(k, 12) === w3;
}

/** The key string of the probe (a new flat string for a canonical GUID). */
function probeKeyString(): string {
  if (probeKey !== null) return probeKey;
  return String.fromCharCode(
    w0 >>> 24, (w0 >>> 16) & 255, (w0 >>> 8) & 255, w0 & 255,
    w1 >>> 24, (w1 >>> 16) & 255, (w1 >>> 8) & 255, w1 & 255,
    w2 >>> 24, (w2 >>> 16) & 255, (w2 >>> 8) & 255, w2 & 255,
    w3 >>> 24, (w3 >>> 16) & 255, (w3 >>> 8) & 255, w3 & 255,
  );
}

export class NodeTable {
  /** Every node, by its hash or (spilled) by a number below 0. */
  private readonly byNumber = new Map<number, ProcNode>();
  /** By hash, the numbers of the nodes that came while another node held that hash. */
  private spilled: Map<number, number[]> | null = null;
  private nextSpill = -1;
  /** Hash of the last lookup when it found nothing and no node held that hash; -1 otherwise. */
  private freeHash = -1;

  get size(): number {
    return this.byNumber.size;
  }

  /** The node of a ProcessGuid as events write it. */
  get(guid: string): ProcNode | undefined {
    return this.find(probeGuid(guid));
  }

  has(guid: string): boolean {
    return this.get(guid) !== undefined;
  }

  byKeyOf(key: string): ProcNode | undefined {
    return this.find(probeOfKey(key));
  }

  /**
   * The key (guid-key.ts) of the GUID or key of the last lookup: after a lookup found nothing,
   * the key for a new node, built only then.
   */
  lastKey(): string {
    return probeKeyString();
  }

  /**
   * Adds `n`, whose key the last lookup on this table did not find (lastKey()): where no node
   * held its hash either, without looking again.
   */
  addMissed(n: ProcNode): void {
    const h = this.freeHash;
    if (h >= 0 && probeOfKey(n.key) === h) {
      this.freeHash = -1;
      this.byNumber.set(h, n);
      return;
    }
    this.add(n);
  }

  /** Adds `n`, or puts it in the place of the node that has its key. */
  add(n: ProcNode): void {
    this.freeHash = -1;
    const h = probeOfKey(n.key);
    const at = this.numberOf(h);
    if (at !== undefined) {
      this.byNumber.set(at, n);
      return;
    }
    if (!this.byNumber.has(h)) {
      this.byNumber.set(h, n);
      return;
    }
    const num = this.nextSpill--;
    const spilled = (this.spilled ??= new Map());
    const list = spilled.get(h);
    if (list === undefined) spilled.set(h, [num]);
    else list.push(num);
    this.byNumber.set(num, n);
  }

  /** Moves `n` to the end of the insertion order. */
  moveLast(n: ProcNode): void {
    this.freeHash = -1;
    const at = this.numberOf(probeOfKey(n.key));
    if (at === undefined || this.byNumber.get(at) !== n) return;
    this.byNumber.delete(at);
    this.byNumber.set(at, n);
  }

  /** Whether `n` itself (not another node of its GUID) is in the table. */
  holds(n: ProcNode): boolean {
    return this.byKeyOf(n.key) === n;
  }

  delete(n: ProcNode): void {
    this.freeHash = -1;
    const h = probeOfKey(n.key);
    const at = this.numberOf(h);
    if (at === undefined || this.byNumber.get(at) !== n) return;
    this.byNumber.delete(at);
    if (at >= 0) return;
    const list = this.spilled!.get(h)!;
    list.splice(list.indexOf(at), 1);
    if (list.length === 0) this.spilled!.delete(h);
  }

  /** The node added first. */
  first(): ProcNode | undefined {
    const it = this.byNumber.values().next();
    return it.done === true ? undefined : it.value;
  }

  values(): IterableIterator<ProcNode> {
    return this.byNumber.values();
  }

  /** The node of the probe, whose hash is `h`. */
  private find(h: number): ProcNode | undefined {
    const n = this.byNumber.get(h);
    if (n !== undefined && isProbe(n.key)) return n;
    this.freeHash = n === undefined ? h : -1;
    if (this.spilled === null || this.spilled.size === 0) return undefined;
    const at = this.spilledNumber(h);
    if (at === undefined) return undefined;
    this.freeHash = -1;
    return this.byNumber.get(at);
  }

  /** The number the probe's node is held under, if it is held. */
  private numberOf(h: number): number | undefined {
    const n = this.byNumber.get(h);
    if (n !== undefined && isProbe(n.key)) return h;
    return this.spilled === null || this.spilled.size === 0 ? undefined : this.spilledNumber(h);
  }

  private spilledNumber(h: number): number | undefined {
    const list = this.spilled!.get(h);
    if (list === undefined) return undefined;
    for (const at of list) if (isProbe(this.byNumber.get(at)!.key)) return at;
    return undefined;
  }
}

/** Test hook: the hash the table files a key under. */
export function keyHashForTests(key: string): number {
  return probeOfKey(key);
}
