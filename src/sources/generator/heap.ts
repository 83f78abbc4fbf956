// A binary min-heap ordered by (time, seq). seq breaks ties in insertion order so that the
// output does not depend on heap internals: same seed, same bytes.

export interface Timed {
  t: number;
  seq: number;
}

export class TimeHeap<T extends Timed> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(x: T): void {
    const a = this.items;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(x, a[p])) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = x;
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) this.siftDown(last);
    return top;
  }

  /** Replace the top with x (cheaper than pop + push); used when the top's time moves on. */
  replaceTop(x: T): void {
    this.siftDown(x);
  }

  /** Remove every item for which drop is true (rare: a host reboots and its plans are void). */
  removeWhere(drop: (x: T) => boolean): void {
    const kept = this.items.filter((x) => !drop(x));
    this.items.length = 0;
    for (const x of kept) this.push(x);
  }

  private siftDown(x: T): void {
    const a = this.items;
    const n = a.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(a[r], a[l]) ? r : l;
      if (!before(a[c], x)) break;
      a[i] = a[c];
      i = c;
    }
    a[i] = x;
  }
}

function before(x: Timed, y: Timed): boolean {
  return x.t < y.t || (x.t === y.t && x.seq < y.seq);
}
