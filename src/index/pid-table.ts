// The live process holding each PID on one host (HostState.pids): an open-addressing table of
// PIDs in an Int32Array beside an array of nodes, instead of a Map. A Map entry costs three
// words and a share of the bucket array (28-56 B on 64-bit Node as the table fills); here a
// slot is 12 B and the table is kept between 1/4 and 7/8 full (doubled past 7/8, halved below
// 1/4), so a live process costs ~15-25 B in it (1M live processes on 10k hosts: 18 MB against
// 39 MB of Maps), and a lookup reads a run of PIDs, 16 to a cache line, before it touches any
// node: runs are long when the table is nearly full, but short to read. Linear probing, deletion by
// shifting the run back (no tombstones), so the table stays as full as what it holds on a host
// that churns processes forever.

import type { ProcNode } from './process-node.js';

const EMPTY = 0;
const MIN_CAPACITY = 8;

/** Whether `pid` goes in the typed slots: a whole number that fits (PIDs are multiples of 4 below 2^32; hostile input aside). */
function slotted(pid: number): boolean {
  return pid > 0 && pid <= 0x7fffffff && Math.floor(pid) === pid;
}

export class PidTable {
  private keys = new Int32Array(MIN_CAPACITY);
  private vals: (ProcNode | undefined)[] = new Array<ProcNode | undefined>(MIN_CAPACITY).fill(undefined);
  /** 32 - log2(capacity): a PID's home slot is the top bits of its Fibonacci hash. */
  private shift = 32 - 3;
  private count = 0;
  /** PIDs the slots cannot hold (0, negative, fractional or past 2^31 - 1): only hostile input has them. */
  private odd: Map<number, ProcNode> | null = null;

  get size(): number {
    return this.count + (this.odd?.size ?? 0);
  }

  get(pid: number): ProcNode | undefined {
    if (!slotted(pid)) return this.odd?.get(pid);
    const keys = this.keys;
    const mask = keys.length - 1;
    for (let i = Math.imul(pid, 0x9e3779b1) >>> this.shift; ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === pid) return this.vals[i];
      if (k === EMPTY) return undefined;
    }
  }

  set(pid: number, n: ProcNode): void {
    if (!slotted(pid)) {
      (this.odd ??= new Map()).set(pid, n);
      return;
    }
    if ((this.count + 1) * 8 > this.keys.length * 7) this.resize(this.keys.length * 2);
    const keys = this.keys;
    const mask = keys.length - 1;
    for (let i = Math.imul(pid, 0x9e3779b1) >>> this.shift; ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === pid) {
        this.vals[i] = n;
        return;
      }
      if (k === EMPTY) {
        keys[i] = pid;
        this.vals[i] = n;
        this.count++;
        return;
      }
    }
  }

  delete(pid: number): void {
    if (!slotted(pid)) {
      this.odd?.delete(pid);
      return;
    }
    const keys = this.keys;
    const vals = this.vals;
    const mask = keys.length - 1;
    let i = Math.imul(pid, 0x9e3779b1) >>> this.shift;
    for (; ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === pid) break;
      if (k === EMPTY) return;
    }
    this.count--;
    // Shift the rest of the run back over the hole, each entry no further than its home slot.
    for (let j = (i + 1) & mask; keys[j] !== EMPTY; j = (j + 1) & mask) {
      const home = Math.imul(keys[j], 0x9e3779b1) >>> this.shift;
      // The entry at j may move to i when its home is not cyclically within (i, j].
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        keys[i] = keys[j];
        vals[i] = vals[j];
        i = j;
      }
    }
    keys[i] = EMPTY;
    vals[i] = undefined;
    if (this.count * 4 < keys.length && keys.length > MIN_CAPACITY) this.resize(keys.length / 2);
  }

  /** PIDs and their holders, in PID order. */
  entries(): [number, ProcNode][] {
    const out: [number, ProcNode][] = [];
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== EMPTY) out.push([this.keys[i], this.vals[i]!]);
    if (this.odd !== null) for (const e of this.odd) out.push(e);
    return out.sort((a, b) => a[0] - b[0]);
  }

  private resize(capacity: number): void {
    const keys = this.keys;
    const vals = this.vals;
    this.keys = new Int32Array(capacity);
    this.vals = new Array<ProcNode | undefined>(capacity).fill(undefined);
    this.shift = 32 - Math.log2(capacity);
    this.count = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) this.set(keys[i], vals[i]!);
  }
}
