// Writing a JSON line from the bytes of a rendered event, for the JSON output layouts
// (formats.ts): the line goes right after the event in the output buffer, then over it.
// String content comes out as JSON.stringify writes a byte string (one char per UTF-8 byte):
// `"`, `\` and chars below 0x20 escaped, every other byte as it is, so the line stays UTF-8.
//
// Costs that decide the shape (Node 20, per call or byte): a native call (Buffer#indexOf,
// copyWithin, TypedArray#set) ~20-30 ns whatever it does, a JS loop ~1.3 ns per byte, a
// DataView 4-byte access a quarter of that. So: bytes that are rare in an event (`"`, `&`,
// tab, LF, CR, and `\`, ~11 per event) are found with Buffer#indexOf (memchr) from one
// occurrence to the next; short copies and scans go 4 bytes at a time; long copies are one
// copyWithin. Raw control characters other than tab, LF and CR cannot stand in XML 1.0 (the
// renderer writes them as references, which XML decoding turns back into bytes), so those
// three are the only ones searched for in long runs; short runs take a byte loop that escapes
// every one.

import type { ByteWriter } from './bytes.js';

const BS = 92;
const QUOTE = 34;
const AMP = 38;
const SEMI = 59;
export const LT = 60;
export const APOS = 39;

/**
 * Placed right after the event, so that every search below stops there at the latest instead
 * of running on through the stale bytes of the rest of the buffer.
 */
const SENTINELS = Uint8Array.of(BS, QUOTE, AMP, 9, 10, 13, LT, APOS);

/** Ranges shorter than this are escaped by a byte loop (no searches), copies below it by words. */
const SHORT_RUN = 32;

/** The letter of the two-char escapes JSON.stringify uses (\b \t \n \f \r \" \\); 0: \u00XX or none. */
const SHORT_ESCAPE = new Uint8Array(256);
/** 1: a byte a string escape or an entity starts at (the byte loop's test). */
const SPECIAL = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) SPECIAL[c] = 1;
SPECIAL[QUOTE] = SPECIAL[BS] = SPECIAL[AMP] = 1;
for (const [c, letter] of [
  [8, 'b'],
  [9, 't'],
  [10, 'n'],
  [12, 'f'],
  [13, 'r'],
  [QUOTE, '"'],
  [BS, '\\'],
] as const) {
  SHORT_ESCAPE[c] = letter.charCodeAt(0);
}
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/** The five predefined XML entities by name, and the byte each stands for. */
const ENTITIES: Array<[Uint8Array, number]> = [
  [Buffer.from('amp;'), AMP],
  [Buffer.from('lt;'), LT],
  [Buffer.from('gt;'), 62],
  [Buffer.from('quot;'), QUOTE],
  [Buffer.from('apos;'), APOS],
];

/** Bytes searched for with Buffer#indexOf, from one occurrence to the next. */
const SEARCHED = Uint8Array.of(BS, QUOTE, AMP, 9, 10, 13);

/** A byte string that is compared 4 bytes at a time (at least 4 bytes long). */
export class Tag {
  readonly length: number;
  /** Offsets of the 4-byte words compared (the last one overlaps the one before), and their values. */
  readonly at: Int32Array;
  readonly words: Int32Array;

  constructor(readonly bytes: Uint8Array) {
    if (bytes.length < 4) throw new RangeError('a Tag is at least 4 bytes long');
    this.length = bytes.length;
    const n = Math.ceil(bytes.length / 4);
    this.at = new Int32Array(n);
    this.words = new Int32Array(n);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    for (let k = 0; k < n; k++) {
      this.at[k] = Math.min(4 * k, bytes.length - 4);
      this.words[k] = dv.getInt32(this.at[k]);
    }
  }
}

/** buf holds `word` at i. */
function bytesAt(buf: Buffer, i: number, word: Uint8Array): boolean {
  for (let k = 0; k < word.length; k++) if (buf[i + k] !== word[k]) return false;
  return true;
}

/** The JSON line being written after the event: its bytes, and where it goes on. */
export class JsonLine {
  buf: Buffer = Buffer.alloc(0);
  private dv = new DataView(this.buf.buffer);
  /** Where the next byte of the line goes. */
  o = 0;
  /** Where the line starts (after the event and its sentinels). */
  private from = 0;
  private start = 0;
  /**
   * Per byte of SEARCHED: its first occurrence at or after `base` (the sentinel when none is left
   * in the event), which answers a search from anywhere in [base, next].
   */
  private readonly next = new Int32Array(SEARCHED.length);
  private readonly base = new Int32Array(SEARCHED.length);
  /** The first of them, which answers a search from anywhere in [lo, first]. */
  private first = 0;
  private lo = 0;
  /** The first of them but the backslash. */
  private others = 0;

  /** Start a line for the event at w.buf[start, w.off). */
  begin(w: ByteWriter, start: number): void {
    if (w.buf !== this.buf) {
      this.buf = w.buf;
      this.dv = new DataView(w.buf.buffer, w.buf.byteOffset, w.buf.byteLength);
    }
    this.buf.set(SENTINELS, w.off);
    this.from = this.o = w.off + SENTINELS.length;
    this.start = start;
    // The first search of an event runs from its start, whatever range asks, so that every range after it can use it.
    this.next.fill(-1);
    this.base.fill(start);
    this.first = this.lo = this.others = -1;
  }

  /** Move the line over the event at start; w.off ends after it. */
  end(w: ByteWriter, start: number): void {
    if (this.o > this.buf.length) throw new RangeError(`a re-laid out event needs ${this.o - this.from} bytes, more than the output buffer has left`);
    this.buf.copyWithin(start, this.from, this.o);
    w.off = start + this.o - this.from;
  }

  bytes(b: Uint8Array): void {
    this.buf.set(b, this.o);
    this.o += b.length;
  }

  byte(c: number): void {
    this.buf[this.o++] = c;
  }

  /** Copy buf[a, b), which lies before the line. */
  copy(a: number, b: number): void {
    let o = this.o;
    if (b - a >= SHORT_RUN) {
      this.buf.copyWithin(o, a, b);
      this.o = o + b - a;
      return;
    }
    const dv = this.dv;
    for (; a + 4 <= b; a += 4, o += 4) dv.setUint32(o, dv.getUint32(a));
    const buf = this.buf;
    while (a < b) buf[o++] = buf[a++];
    this.o = o;
  }

  /** buf[i, i + tag.length) is tag. */
  startsWith(i: number, tag: Tag): boolean {
    const dv = this.dv;
    const at = tag.at;
    const words = tag.words;
    for (let k = 0; k < at.length; k++) if (dv.getInt32(i + at[k]) !== words[k]) return false;
    return true;
  }

  /** buf[a, b) is tag. */
  equals(a: number, b: number, tag: Tag): boolean {
    return b - a === tag.length && this.startsWith(a, tag);
  }

  /** The first `c` (LT or APOS: a sentinel stops the search) at or after i, 4 bytes at a time. */
  find(i: number, c: typeof LT | typeof APOS): number {
    const dv = this.dv;
    const rep = c * 0x01010101;
    for (;;) {
      const t = dv.getUint32(i) ^ rep;
      if (((t - 0x01010101) & ~t & 0x80808080) !== 0) break;
      i += 4;
    }
    const buf = this.buf;
    while (buf[i] !== c) i++;
    return i;
  }

  /** buf[a, b) as JSON string content: JSON.stringify(s).slice(1, -1) for the byte string s. */
  text(a: number, b: number): void {
    this.write(a, b, false);
  }

  /** XML text buf[a, b), entities decoded (the five names and numeric references), as JSON string content. */
  xmlText(a: number, b: number): void {
    this.write(a, b, true);
  }

  /** The first byte of SEARCHED at or after `from`. */
  private special(from: number): number {
    return from >= this.lo && from <= this.first ? this.first : this.search(from);
  }

  private search(from: number): number {
    const next = this.next;
    const base = this.base;
    // The usual case: the search has passed a backslash and nothing else.
    if (from >= this.lo && next[0] < from && this.others >= from) {
      const i = (next[0] = this.nextBackslash(from));
      base[0] = this.lo = from;
      this.first = i < this.others ? i : this.others;
      return this.first;
    }
    let lo = 0;
    let others = 0x7fffffff;
    for (let k = 0; k < SEARCHED.length; k++) {
      let i = next[k];
      if (i < from || base[k] > from) {
        const at = i < 0 ? this.start : from;
        i = next[k] = this.buf.indexOf(SEARCHED[k], at);
        base[k] = at;
      }
      if (k > 0 && i < others) others = i;
      if (base[k] > lo) lo = base[k];
    }
    this.lo = lo;
    this.others = others;
    this.first = next[0] < others ? next[0] : others;
    return this.first;
  }

  /** The first backslash at or after `from`: in paths the next one is a few bytes on, cheaper to look at than to search for. */
  private nextBackslash(from: number): number {
    const dv = this.dv;
    for (let p = from, stop = from + 16; p < stop; p += 4) {
      const t = dv.getUint32(p) ^ 0x5c5c5c5c;
      if (((t - 0x01010101) & ~t & 0x80808080) !== 0) {
        const buf = this.buf;
        while (buf[p] !== BS) p++;
        return p;
      }
    }
    return this.buf.indexOf(BS, from + 16);
  }

  private write(a: number, b: number, xml: boolean): void {
    if (a < this.lo && b - a < SHORT_RUN) {
      this.writeShort(a, b, xml);
      return;
    }
    const buf = this.buf;
    let run = a;
    let from = a;
    for (;;) {
      const i = this.special(from);
      if (i >= b) break;
      const c = buf[i];
      if (c === AMP && !xml) {
        from = i + 1;
        continue;
      }
      this.copy(run, i);
      if (c === AMP) run = this.entity(i, b);
      else {
        this.escape(c);
        run = i + 1;
      }
      from = run;
    }
    this.copy(run, b);
  }

  /** The same for a short range, in one loop. */
  private writeShort(a: number, b: number, xml: boolean): void {
    const buf = this.buf;
    let o = this.o;
    for (let i = a; i < b; i++) {
      const c = buf[i];
      if (SPECIAL[c] === 0 || (c === AMP && !xml)) {
        buf[o++] = c;
        continue;
      }
      this.o = o;
      if (c === AMP) i = this.entity(i, b) - 1;
      else this.escape(c);
      o = this.o;
    }
    this.o = o;
  }

  /**
   * The entity at buf[amp] (within [amp, b)) decoded and escaped; returns where the text goes on.
   * Read as the string version's xmlUnescape read it: up to the next `;`, the five names and
   * numeric references; anything else, or no `;`, kept as it stands.
   */
  private entity(amp: number, b: number): number {
    const buf = this.buf;
    let semi = amp + 1;
    while (semi < b && buf[semi] !== SEMI) semi++;
    if (semi >= b) {
      this.writeShort(amp, b, false);
      return b;
    }
    for (const [name, c] of ENTITIES) {
      if (semi - amp === name.length && bytesAt(buf, amp + 1, name)) {
        if (c === QUOTE) this.escape(c);
        else this.byte(c);
        return semi + 1;
      }
    }
    if (semi > amp + 1 && buf[amp + 1] === 35) this.numeric(amp + 2, semi);
    else this.writeShort(amp, semi + 1, false);
    return semi + 1;
  }

  /**
   * A numeric reference's digits buf[a, b) (after `&#`) as UTF-8. Rare (references stand only
   * for characters XML cannot carry raw), so it goes through strings: parseInt and
   * String.fromCodePoint read it as xmlUnescape did, errors included.
   */
  private numeric(a: number, b: number): void {
    const buf = this.buf;
    const digits = buf.toString('latin1', a, b);
    const code = digits.charCodeAt(0) === 120 ? parseInt(digits.slice(1), 16) : parseInt(digits, 10);
    const o = this.o;
    const n = buf.write(String.fromCodePoint(code), o, 'utf8');
    if (n === 1 && SPECIAL[buf[o]] !== 0 && buf[o] !== AMP) this.escape(buf[o]);
    else this.o = o + n;
  }

  /** Byte c escaped the way JSON.stringify does (c is `"`, `\` or below 0x20). */
  private escape(c: number): void {
    const buf = this.buf;
    const o = this.o;
    buf[o] = BS;
    const letter = SHORT_ESCAPE[c];
    if (letter !== 0) {
      buf[o + 1] = letter;
      this.o = o + 2;
      return;
    }
    buf[o + 1] = 117; // u00XX
    buf[o + 2] = 48;
    buf[o + 3] = 48;
    buf[o + 4] = HEX[c >> 4];
    buf[o + 5] = HEX[c & 15];
    this.o = o + 6;
  }
}
