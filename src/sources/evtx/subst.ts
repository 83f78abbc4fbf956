// A template instance's substitution array: type, size and chunk-relative offset of each value.

import { EvtxFormatError } from './format.js';

/** Values beyond this many are treated as corruption (real templates hold a few dozen). */
const MAX_SUBSTITUTIONS = 4096;

export class SubstValues {
  count = 0;
  types: Uint8Array;
  sizes: Uint16Array;
  offsets: Int32Array;

  constructor(capacity = 64) {
    this.types = new Uint8Array(capacity);
    this.sizes = new Uint16Array(capacity);
    this.offsets = new Int32Array(capacity);
  }

  /**
   * Reads the array at pos (count, descriptors, then the values back to back) and returns the
   * position after it. Reuses this object's storage, so the fast path allocates nothing.
   */
  read(buf: Uint8Array, pos: number, end: number): number {
    if (pos + 4 > end) throw new EvtxFormatError('substitution array runs past the record', pos);
    const n = buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16) | (buf[pos + 3] << 24);
    if (n < 0 || n > MAX_SUBSTITUTIONS) throw new EvtxFormatError(`implausible substitution count ${n}`, pos);
    pos += 4;
    if (pos + 4 * n > end) throw new EvtxFormatError('substitution descriptors run past the record', pos);
    if (n > this.types.length) {
      this.types = new Uint8Array(n);
      this.sizes = new Uint16Array(n);
      this.offsets = new Int32Array(n);
    }
    let v = pos + 4 * n;
    for (let i = 0; i < n; i++) {
      const d = pos + 4 * i;
      const size = buf[d] | (buf[d + 1] << 8);
      this.sizes[i] = size;
      this.types[i] = buf[d + 2];
      this.offsets[i] = v;
      v += size;
    }
    if (v > end) throw new EvtxFormatError('substitution values run past the record', pos);
    this.count = n;
    return v;
  }

  /** An independent copy, for trees that outlive the scratch array (rendering). */
  clone(): SubstValues {
    const c = new SubstValues(Math.max(1, this.count));
    c.count = this.count;
    c.types.set(this.types.subarray(0, this.count));
    c.sizes.set(this.sizes.subarray(0, this.count));
    c.offsets.set(this.offsets.subarray(0, this.count));
    return c;
  }
}
