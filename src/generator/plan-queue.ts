// The fleet's planned events in (time, insertion) order: a timing wheel of one-millisecond slots
// for the next few minutes of event time, and a heap for plans further out (service exits hours
// away, the next RDP logon). Nearly every plan lands within the wheel's span, so pushing is an
// append to a slot's list and popping reads the slot under the cursor: O(1), where a heap per host
// merged by a heap of hosts cost two sift-downs per event. Ties keep insertion order, so that the
// output does not depend on the structure: same seed, same bytes.

import { TimeHeap } from './heap.js';

/** An item of the queue: its time, and fields the queue owns. */
export interface Queued<T> {
  t: number;
  /** Insertion order, set by push(). */
  seq: number;
  /** Next item in the same slot. */
  next: T | null;
}

/** Slots in the wheel: 2^18 ms, about 4.4 minutes of event time. */
const SLOTS = 1 << 18;
const MASK = SLOTS - 1;
const WORDS = SLOTS >> 5;

export class PlanQueue<T extends Queued<T>> {
  private readonly heads: Array<T | null> = new Array<T | null>(SLOTS).fill(null);
  private readonly tails: Array<T | null> = new Array<T | null>(SLOTS).fill(null);
  /** A bit per slot that holds plans: the cursor jumps over empty milliseconds (sparse fleets have many). */
  private readonly occupied = new Int32Array(WORDS);
  /** Plans at or beyond cursor + SLOTS. */
  private readonly far = new TimeHeap<T>();
  /** The millisecond whose slot is read next; plans earlier than it go into its slot. */
  private cursor: number;
  /** Plans in the wheel. */
  private inWheel = 0;
  private seq = 0;

  constructor(start: number) {
    this.cursor = Math.floor(start);
  }

  get size(): number {
    return this.inWheel + this.far.size;
  }

  push(x: T): void {
    x.seq = this.seq++;
    x.next = null;
    if (x.t >= this.cursor + SLOTS) this.far.push(x);
    else this.insert(x);
  }

  /** The earliest plan, or undefined when none is left. */
  peek(): T | undefined {
    if (this.inWheel === 0) {
      const first = this.far.peek();
      if (first === undefined) return undefined;
      // Nothing within the wheel's span: jump to the next plan instead of stepping to it.
      this.cursor = Math.floor(first.t);
      this.migrate();
    }
    if (this.heads[this.cursor & MASK] === null) {
      this.cursor = this.nextOccupied();
      this.migrate();
    }
    return this.heads[this.cursor & MASK] as T;
  }

  pop(): T | undefined {
    const x = this.peek();
    if (x === undefined) return undefined;
    const slot = this.cursor & MASK;
    this.heads[slot] = x.next;
    if (x.next === null) {
      this.tails[slot] = null;
      this.occupied[slot >> 5] &= ~(1 << (slot & 31));
    }
    x.next = null;
    this.inWheel--;
    return x;
  }

  private insert(x: T): void {
    this.inWheel++;
    const slot = (x.t < this.cursor ? this.cursor : Math.floor(x.t)) & MASK;
    const tail = this.tails[slot];
    if (tail === null) {
      this.heads[slot] = x;
      this.tails[slot] = x;
      this.occupied[slot >> 5] |= 1 << (slot & 31);
      return;
    }
    // x has the highest seq: after every plan of the same time.
    if (tail.t <= x.t) {
      tail.next = x;
      this.tails[slot] = x;
      return;
    }
    // Rare: a fraction of a millisecond earlier than the last plan, or a plan in the past.
    let prev: T | null = null;
    let cur = this.heads[slot];
    while (cur !== null && cur.t <= x.t) {
      prev = cur;
      cur = cur.next;
    }
    x.next = cur;
    if (prev === null) this.heads[slot] = x;
    else prev.next = x;
  }

  /** The time of the first occupied slot from the cursor on, in wheel order (the wheel holds plans). */
  private nextOccupied(): number {
    const from = this.cursor & MASK;
    let word = from >> 5;
    let bits = this.occupied[word] & (-1 << (from & 31));
    while (bits === 0) {
      word = (word + 1) & (WORDS - 1);
      // Back at the first word after a full turn: its bits before `from` are the wheel's latest times.
      bits = this.occupied[word];
    }
    const slot = (word << 5) | (31 - Math.clz32(bits & -bits));
    return this.cursor + ((slot - from) & MASK);
  }

  /** Moves plans that the cursor's advance brought within the wheel's span into it. */
  private migrate(): void {
    const far = this.far;
    const limit = this.cursor + SLOTS;
    for (let x = far.peek(); x !== undefined && x.t < limit; x = far.peek()) this.insert(far.pop() as T);
  }
}
