// Decoded values by the raw bytes they were decoded from, for the byte scanner's repeating fields
// (images, users, event types, LogonIds, host names, parents' GUIDs and command lines...): a hit
// gives the decoded, normalised, interned string without making a string of the bytes, hashing
// it in a Map or checking it for entities. The RawValueCache of the string scanner, keyed by bytes.
//
// An open-addressing table: a key's hash reads 32-bit words of it (hashOf), and a hit is confirmed by comparing every byte with the copy the
// table keeps, so two spellings never share an entry however they hash. Bounded like the
// interner: dropped and rebuilt when full; keys longer than MAX_KEY bytes are not kept.
//
// Values that seldom repeat (a field that is new in most events of some input) would only pay
// for the lookups and the copies: a cache that finds fewer than one value in four over a window
// of lookups stands aside for a while (lookups miss without searching, nothing is kept), then
// tries again.

const MAX_KEY = 512;
const NO_BYTES = new Uint8Array(0);
const NO_VIEW = new DataView(NO_BYTES.buffer);
/** Shorter keys are not kept: such values cost little to decode, and one compare loop serves every key. */
const MIN_KEY = 4;
const ARENA_LIMIT = 8 << 20;
const WINDOW = 8192;
const ASIDE = 8 * WINDOW;

export class ByteValueCache {
  private readonly mask: number;
  /** Entry index + 1 per slot; 0: empty. */
  private readonly slots: Int32Array;
  private readonly keyAt: Int32Array;
  private readonly keyLength: Int32Array;
  private readonly values: string[] = [];
  private count = 0;
  /** Replaced by a larger copy as keys come in (see the constructor). */
  private arena = NO_BYTES;
  private arenaView = NO_VIEW;
  private used = 0;
  /** Where the last miss of get() would put its key (insert), or -1. */
  private freeSlot = -1;
  /**
   * The first window is 64 lookups long and judges nothing (as many hits as a whole window), so
   * that judge() has run before the lookups are hot: optimised code that never saw it run would
   * be thrown away and compiled again, with every caller that inlined it, when the first window ends.
   */
  private lookups = WINDOW - 64;
  private hits = WINDOW;
  /** Lookups left while standing aside. */
  private aside = 0;

  constructor(private readonly maxEntries = 50_000) {
    let size = 1024;
    while (size < maxEntries * 2) size <<= 1;
    this.mask = size - 1;
    this.slots = new Int32Array(size);
    this.keyAt = new Int32Array(maxEntries);
    this.keyLength = new Int32Array(maxEntries);
    // Written a second time here, so that V8 sees fields that change from the start: optimised
    // code built while the first arena was the only one assumed it never changes, and every
    // function that read it (the scanner's value readers) was thrown away and compiled again when
    // the arena first grew. It starts small, so that it first grows within the first events,
    // before insert() is hot (the first growth of a hot insert() was another recompilation).
    this.arena = new Uint8Array(1 << 10);
    this.arenaView = new DataView(this.arena.buffer);
    // Likewise: 0 until a cache first stands aside, by then long after the lookups are hot.
    this.aside = -1;
    this.aside = 0;
  }

  get size(): number {
    return this.count;
  }

  /**
   * The value kept for the bytes buf[a, b) (dv: a view of the same memory as buf); undefined on
   * a miss, after which insert() may keep the value for these bytes.
   */
  get(buf: Uint8Array, dv: DataView, a: number, b: number): string | undefined {
    this.freeSlot = -1;
    if (this.aside > 0) {
      this.aside--;
      return undefined;
    }
    if (++this.lookups === WINDOW) this.judge();
    const n = b - a;
    if (n > MAX_KEY || n < MIN_KEY) return undefined;
    let i = hashOf(buf, dv, a, n) & this.mask;
    for (;;) {
      const e = this.slots[i];
      if (e === 0) break;
      if (this.keyLength[e - 1] === n && this.sameBytes(buf, dv, a, n, this.keyAt[e - 1])) {
        this.hits++;
        return this.values[e - 1];
      }
      i = (i + 1) & this.mask;
    }
    this.freeSlot = i;
    return undefined;
  }

  /** Keep `value` for the bytes buf[a, b) that the last get() missed; returns it. */
  insert(buf: Uint8Array, a: number, b: number, value: string): string {
    let slot = this.freeSlot;
    this.freeSlot = -1;
    if (slot === -1) return value;
    const n = b - a;
    if (this.count >= this.maxEntries || this.used + n > ARENA_LIMIT) {
      this.clear();
      slot = hashOf(buf, new DataView(buf.buffer, buf.byteOffset, buf.byteLength), a, n) & this.mask;
    }
    if (this.used + n > this.arena.length) {
      const bigger = new Uint8Array(Math.max(this.arena.length * 2, this.used + n));
      bigger.set(this.arena.subarray(0, this.used));
      this.arena = bigger;
      this.arenaView = new DataView(bigger.buffer);
    }
    const at = this.used;
    const arena = this.arena;
    for (let k = 0; k < n; k++) arena[at + k] = buf[a + k];
    const e = this.count++;
    this.keyAt[e] = at;
    this.keyLength[e] = n;
    this.values[e] = value;
    this.used += n;
    this.slots[slot] = e + 1;
    return value;
  }

  /** End of a window of lookups: stand aside if too few were found. */
  private judge(): void {
    if (this.hits * 4 < WINDOW) this.aside = ASIDE;
    this.lookups = this.hits = 0;
  }

  private clear(): void {
    this.slots.fill(0);
    this.values.length = 0;
    this.count = 0;
    this.used = 0;
  }

  /** Keys of at least MIN_KEY bytes: whole words, the last one overlapping the one before it. */
  private sameBytes(buf: Uint8Array, dv: DataView, a: number, n: number, at: number): boolean {
    const arena = this.arenaView;
    const last = n - 4;
    for (let k = 0; k < last; k += 4) if (dv.getInt32(a + k, true) !== arena.getInt32(at + k, true)) return false;
    return dv.getInt32(a + last, true) === arena.getInt32(at + last, true);
  }
}

/**
 * Every byte of the key, a word at a time (the last word overlapping the one before it, as
 * sameBytes reads them), each word mixed into all 32 bits. Sampling a few words was cheaper but
 * blind to the rest: host names such as WS00001.corp.example.com .. WS01000.corp.example.com,
 * alike at every sampled place, fell into one run of slots, and 1,000 hosts cost 2 µs per event
 * in lookups. A hit compares every word anyway (sameBytes), so this at most doubles that.
 */
export function hashOf(buf: Uint8Array, dv: DataView, a: number, n: number): number {
  let h = Math.imul(n, 0x9e3779b1);
  if (n < 4) {
    for (let k = 0; k < n; k++) h = Math.imul(h ^ buf[a + k], 0x01000193);
  } else {
    const last = a + n - 4;
    for (let p = a; p < last; p += 4) {
      h = Math.imul(h ^ dv.getInt32(p, true), 0x9e3779b1);
      h ^= h >>> 15;
    }
    h = Math.imul(h ^ dv.getInt32(last, true), 0x9e3779b1);
  }
  return (h ^ (h >>> 15)) >>> 0;
}
