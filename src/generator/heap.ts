// A binary min-heap ordered by (time, seq). seq breaks ties in insertion order so that the
// output does not depend on heap internals: same seed, same bytes. The keys are copied into
// typed arrays beside the items: comparisons read contiguous numbers instead of following a
// pointer to each item (a cache miss apiece). An item's t and seq must not change while it is in
// the heap.

export interface Timed {
  t: number;
  seq: number;
}

export class TimeHeap<T extends Timed> {
  private readonly items: T[] = [];
  private times = new Float64Array(16);
  private seqs = new Float64Array(16);

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(x: T): void {
    const a = this.items;
    a.push(x);
    if (a.length > this.times.length) this.grow();
    const ts = this.times;
    const ss = this.seqs;
    const xt = x.t;
    const xs = x.seq;
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!(xt < ts[p] || (xt === ts[p] && xs < ss[p]))) break;
      a[i] = a[p];
      ts[i] = ts[p];
      ss[i] = ss[p];
      i = p;
    }
    a[i] = x;
    ts[i] = xt;
    ss[i] = xs;
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) this.siftDown(last);
    return top;
  }

  private grow(): void {
    const ts = new Float64Array(this.times.length * 2);
    const ss = new Float64Array(this.seqs.length * 2);
    ts.set(this.times);
    ss.set(this.seqs);
    this.times = ts;
    this.seqs = ss;
  }

  private siftDown(x: T): void {
    const a = this.items;
    const ts = this.times;
    const ss = this.seqs;
    const n = a.length;
    const xt = x.t;
    const xs = x.seq;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && (ts[r] < ts[l] || (ts[r] === ts[l] && ss[r] < ss[l])) ? r : l;
      if (!(ts[c] < xt || (ts[c] === xt && ss[c] < xs))) break;
      a[i] = a[c];
      ts[i] = ts[c];
      ss[i] = ss[c];
      i = c;
    }
    a[i] = x;
    ts[i] = xt;
    ss[i] = xs;
  }
}
