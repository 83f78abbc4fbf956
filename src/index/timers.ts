// Event-time timers of one host: a binary min-heap ordered by (due, sequence), so timers that
// fall due together fire in the order they were set, the same way on every run.

import type { ProcNode } from './process-node.js';

export interface Timer {
  due: number;
  seq: number;
  /** Rule id that set it. */
  rule: string;
  node: ProcNode;
}

export class TimerHeap {
  private readonly heap: Timer[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  peekDue(): number {
    return this.heap.length === 0 ? Infinity : this.heap[0].due;
  }

  push(due: number, rule: string, node: ProcNode): void {
    const t: Timer = { due, seq: this.seq++, rule, node };
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  pop(): Timer | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l], h[m])) m = l;
        if (r < h.length && less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }

  /** Pending timers in firing order (for snapshots). */
  list(): Timer[] {
    return [...this.heap].sort((a, b) => (less(a, b) ? -1 : 1));
  }
}

function less(a: Timer, b: Timer): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
