// A host's nodes by ProcessGuid, in insertion order (the per-host cap evicts the oldest first).
//
// No Map and no key string per lookup: the GUID's 128 bits, as the decoder read them from its
// bytes (SysmonEvent.guidWords) or else from the event's text, are hashed to 30 bits, which an
// open-addressing table of Int32 slots files beside each node's position in an array kept in
// insertion order. A lookup reads a run of slots and only for a
// matching hash the node, whose key (guid-key.ts) it holds as four small-integer words, to
// confirm it; a miss touches no node. The hashes of packed keys and of keys kept as text differ
// in their top bit, so a matching hash also says which of the two the node holds. Where
// a Map's entry costs three words and a share of its buckets (28-56 B) and each candidate key is
// a string to visit, a node costs here one 8-byte slot at 3/8-7/8 load and one array element.
// GUIDs whose hashes collide (about one pair in 2^30) simply sit in the same run.

import { GUID_WORDS, type SysmonEvent } from '../decode/event.js';
import { GuidWords } from '../decode/guid-words.js';
import { PACKED_LENGTH, guidKey, packedWord } from './guid-key.js';
import { ProcNode } from './process-node.js';

/** Hashes of packed keys are below TEXT_HASH, those of keys kept as text at or above. */
const HASH_MASK = 0x1fffffff;
const TEXT_HASH = 0x20000000;

// The GUID of the last lookup: its 128 bits as four words when it is canonical (guid-key.ts
// packs it), otherwise its key string. One lookup at a time, so module state, not an object per call.
let w0 = 0;
let w1 = 0;
let w2 = 0;
let w3 = 0;
let probeKey: string | null = null;

/**
 * Per process, so that nobody can choose GUIDs that all fall in one run of the table (V8 seeds
 * its string hashes for the same reason); nothing the index gives out depends on it (the order is
 * the insertion order).
 */
let seed = (Math.random() * 2 ** 32) | 0;

function mix(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ 0x2545f491 ^ seed, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15) ^ b ^ seed, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ c ^ seed, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ d ^ seed, 0x27d4eb2f);
  return (h ^ (h >>> 15)) & HASH_MASK;
}

/** Hash of a key that is not a packed GUID (guid-key.ts keeps those as written). */
function textHash(k: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
  return ((h ^ (h >>> 15)) & HASH_MASK) | TEXT_HASH;
}

const textWords = new GuidWords();

/**
 * Sets the probe to `guid` as an event writes it and returns its hash: for GUIDs whose words the
 * decoder did not give (SysmonEvent.guidWords), and those of a snapshot.
 */
function probeGuid(guid: string): number {
  if (textWords.readText(guid)) return probeWords(textWords.w0, textWords.w1, textWords.w2, textWords.w3);
  probeKey = guidKey(guid);
  return textHash(probeKey);
}

/** Sets the probe to the packed key of words a-d (packedWord) and returns its hash. */
function probeWords(a: number, b: number, c: number, d: number): number {
  probeKey = null;
  w0 = a;
  w1 = b;
  w2 = c;
  w3 = d;
  return mix(a, b, c, d);
}

/** Sets the probe to a node key and returns its hash. */
function probeOfKey(k: string): number {
  if (k.length === PACKED_LENGTH) return probeWords(packedWord(k, 0), packedWord(k, 1), packedWord(k, 2), packedWord(k, 3));
  probeKey = k;
  return textHash(k);
}

/** Sets the probe to node `n`'s key and returns its hash. */
function probeOfNode(n: ProcNode): number {
  if (n.hasTextKey) {
    probeKey = n.key;
    return textHash(probeKey);
  }
  return probeWords(n.k0, n.k1, n.k2, n.k3);
}

/**
 * Whether node `n`, filed under the probe's hash, has the probe's key. The hash says whether `n`
 * holds a packed key or one kept as text: the probe's kind.
 */
function isProbe(n: ProcNode): boolean {
  if (probeKey !== null) return n.key === probeKey;
  return n.k0 === w0 && n.k1 === w1 && n.k2 === w2 && n.k3 === w3;
}

/** The hash of node `n`'s key, the probe left as it was. */
function hashOfNode(n: ProcNode): number {
  if (n.hasTextKey) return textHash(n.key);
  return mix(n.k0, n.k1, n.k2, n.k3);
}

const MIN_SLOTS = 8;
/** Tables of this many slots (8 KB) or more are kept at most 3/4 full, smaller ones 7/8. */
const SMALL_SLOTS = 1024;

export class NodeTable {
  /**
   * Open addressing, linear probing: per slot, the hash + 1 (0: empty) and the node's position
   * in `order`. A table of SMALL_SLOTS or more is doubled past 3/4 full: a lookup that finds
   * nothing (every creation's own GUID) reads ~8 slots on average at 3/4 but ~32 at 7/8, and a
   * host's table that size is out of the cache. A smaller one, which stays in the cache, is
   * doubled past 7/8 (a fleet of small hosts: 100 nodes fit in 128 slots, not 256). At least
   * 3/8 full, so a node costs ~9-21 B here.
   */
  private slots = new Int32Array(2 * MIN_SLOTS);
  private shift = 32 - 3;
  /** The nodes in insertion order; a node that left leaves a hole (undefined) until compaction. */
  private order: (ProcNode | undefined)[] = [];
  /** order[0, head) holds only holes. */
  private head = 0;
  private holes = 0;
  private count = 0;
  /** Slot where the last lookup on this table stopped finding nothing, and the hash it looked for; -1: none. */
  private freeSlot = -1;
  private freeHash = -1;

  constructor() {
    // These change only once nodes leave the table, long after its lookups are hot: changed here
    // once, they are ordinary fields from the start, not constants V8 compiles into the lookups
    // and must throw away (with every caller that inlined them) when the first node leaves.
    this.head = this.holes = -1;
    this.head = this.holes = 0;
    this.order = [];
  }

  get size(): number {
    return this.count;
  }

  /** The node of a ProcessGuid as events write it. */
  get(guid: string): ProcNode | undefined {
    return this.find(probeGuid(guid));
  }

  /** The node of the event's ProcessGuid: by the words the decoder read from its bytes, or by its text. */
  process(ev: SysmonEvent): ProcNode | undefined {
    return this.find((ev.guidWords & GUID_WORDS.process) !== 0 ? probeWords(ev.p0, ev.p1, ev.p2, ev.p3) : probeGuid(ev.processGuid));
  }

  /** The node of the event's ParentProcessGuid, as process() finds the ProcessGuid's. */
  parent(ev: SysmonEvent): ProcNode | undefined {
    return this.find((ev.guidWords & GUID_WORDS.parent) !== 0 ? probeWords(ev.q0, ev.q1, ev.q2, ev.q3) : probeGuid(ev.parentProcessGuid));
  }

  has(guid: string): boolean {
    return this.get(guid) !== undefined;
  }

  byKeyOf(key: string): ProcNode | undefined {
    return this.find(probeOfKey(key));
  }

  /**
   * A new node (a placeholder) keyed by the GUID or key of the last lookup: after a lookup found
   * nothing, the node to add, with no key string built for a canonical GUID.
   */
  newNode(): ProcNode {
    return probeKey === null ? ProcNode.packed(w0, w1, w2, w3) : new ProcNode(probeKey);
  }

  /** Adds `n`, whose key the last lookup on this table did not find (newNode()), without looking again. */
  addMissed(n: ProcNode): void {
    const at = this.freeSlot;
    if (at >= 0 && hashOfNode(n) === this.freeHash) this.place(at, this.freeHash, n);
    else this.add(n);
  }

  /** Adds `n`, or puts it in the place of the node that has its key. */
  add(n: ProcNode): void {
    const h = probeOfNode(n);
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    for (let i = this.home(h); ; i = (i + 1) & mask) {
      const s = slots[2 * i];
      if (s === 0) {
        this.place(i, h, n);
        return;
      }
      if (s === h + 1 && isProbe(this.order[slots[2 * i + 1]]!)) {
        this.order[slots[2 * i + 1]] = n;
        return;
      }
    }
  }

  /** Moves `n` to the end of the insertion order. */
  moveLast(n: ProcNode): void {
    const i = this.slotOf(n);
    if (i < 0) return;
    this.freeSlot = -1;
    this.order[this.slots[2 * i + 1]] = undefined;
    this.holes++;
    this.slots[2 * i + 1] = this.order.length;
    this.order.push(n);
    this.skipHoles();
    if (this.holes > 32 && this.holes * 2 > this.order.length) this.rebuild(this.slots.length >> 1);
  }

  /** Whether `n` itself (not another node of its GUID) is in the table. */
  holds(n: ProcNode): boolean {
    return this.slotOf(n) >= 0;
  }

  delete(n: ProcNode): void {
    let i = this.slotOf(n);
    if (i < 0) return;
    this.freeSlot = -1;
    const slots = this.slots;
    this.order[slots[2 * i + 1]] = undefined;
    this.holes++;
    this.count--;
    // Shift the rest of the run back over the freed slot, each entry no further than its home.
    const mask = (slots.length >> 1) - 1;
    for (let j = (i + 1) & mask; slots[2 * j] !== 0; j = (j + 1) & mask) {
      const home = this.home(slots[2 * j] - 1);
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        slots[2 * i] = slots[2 * j];
        slots[2 * i + 1] = slots[2 * j + 1];
        i = j;
      }
    }
    slots[2 * i] = 0;
    slots[2 * i + 1] = 0;
    this.skipHoles();
    if (this.holes > 32 && this.holes * 2 > this.order.length) this.rebuild(slots.length >> 1);
  }

  /** The node added first. */
  first(): ProcNode | undefined {
    return this.order[this.head];
  }

  /** The nodes in insertion order (do not add or delete while iterating). */
  *values(): IterableIterator<ProcNode> {
    const order = this.order;
    for (let i = this.head; i < order.length; i++) {
      const n = order[i];
      if (n !== undefined) yield n;
    }
  }

  private home(h: number): number {
    return Math.imul(h, 0x9e3779b1) >>> this.shift;
  }

  /** The node of the probe, whose hash is `h`. */
  private find(h: number): ProcNode | undefined {
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    for (let i = this.home(h); ; i = (i + 1) & mask) {
      const s = slots[2 * i];
      if (s === 0) {
        this.freeSlot = i;
        this.freeHash = h;
        return undefined;
      }
      if (s === h + 1) {
        const n = this.order[slots[2 * i + 1]]!;
        if (isProbe(n)) return n;
      }
    }
  }

  /** The slot holding `n` itself, or -1. */
  private slotOf(n: ProcNode): number {
    const h = hashOfNode(n);
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    for (let i = this.home(h); ; i = (i + 1) & mask) {
      const s = slots[2 * i];
      if (s === 0) return -1;
      if (s === h + 1 && this.order[slots[2 * i + 1]] === n) return i;
    }
  }

  /** Fills empty slot `i` (where a lookup of `h` stopped) with `n`, at the end of the order. */
  private place(i: number, h: number, n: ProcNode): void {
    this.freeSlot = -1;
    this.slots[2 * i] = h + 1;
    this.slots[2 * i + 1] = this.order.length;
    this.order.push(n);
    this.count++;
    const capacity = this.slots.length >> 1;
    if (capacity < SMALL_SLOTS ? this.count * 8 > capacity * 7 : this.count * 4 > capacity * 3) this.rebuild(capacity * 2);
  }

  private skipHoles(): void {
    const order = this.order;
    while (this.head < order.length && order[this.head] === undefined) this.head++;
  }

  /**
   * New slots of `capacity` (less where the nodes fit in fewer), and the order without its holes.
   * The slots hold each node's hash, so no node is read.
   */
  private rebuild(capacity: number): void {
    this.freeSlot = -1;
    const old = this.slots;
    let remap: Int32Array | null = null;
    if (this.holes > 0) {
      const from = this.order;
      const order: ProcNode[] = [];
      remap = new Int32Array(from.length);
      for (let i = this.head; i < from.length; i++) {
        const n = from[i];
        if (n === undefined) continue;
        remap[i] = order.length;
        order.push(n);
      }
      this.order = order;
      this.head = 0;
      this.holes = 0;
    }
    while (capacity > MIN_SLOTS && this.count * 8 < capacity * 3) capacity >>= 1;
    const slots = new Int32Array(2 * capacity);
    this.shift = 32 - Math.log2(capacity);
    const mask = capacity - 1;
    for (let j = 0; j < old.length; j += 2) {
      const s = old[j];
      if (s === 0) continue;
      let i = this.home(s - 1);
      while (slots[2 * i] !== 0) i = (i + 1) & mask;
      slots[2 * i] = s;
      slots[2 * i + 1] = remap === null ? old[j + 1] : remap[old[j + 1]];
    }
    this.slots = slots;
  }
}

/** Test hook: hashes as with `s` for seed, for tables made from now on. */
export function hashSeedForTests(s: number): void {
  seed = s;
}

/** Test hook: the hash the table files a key under. */
export function keyHashForTests(key: string): number {
  return probeOfKey(key);
}
