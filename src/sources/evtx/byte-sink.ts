// A growable byte buffer that XML is written into as UTF-8, escaped as escapeXml(s, false, true)
// escapes it (decode/xml-escape.ts): evtx-dump renders records straight from the chunk's
// UTF-16LE bytes into it, with no intermediate strings, and writes it out in large pieces.

import { escapeXml } from '../../decode/xml-escape.js';

/** Escapes of the ASCII characters that need one (null: written as is). */
const ASCII_ESCAPES: (Uint8Array | null)[] = [];
for (let c = 0; c < 128; c++) {
  let rep: string | null = null;
  if (c === 38) rep = '&amp;';
  else if (c === 60) rep = '&lt;';
  else if (c === 62) rep = '&gt;';
  else if (c === 34) rep = '&quot;';
  else if (c === 9 || c === 10 || c === 13) rep = `&#${c};`;
  else if (c < 32) rep = `&#x${c.toString(16)};`;
  ASCII_ESCAPES.push(rep === null ? null : Buffer.from(rep, 'latin1'));
}
/** 1 for the ASCII characters with an escape in ASCII_ESCAPES: one byte load decides the common case. */
const NEEDS_ESCAPE = new Uint8Array(128);
for (let c = 0; c < 128; c++) NEEDS_ESCAPE[c] = ASCII_ESCAPES[c] === null ? 0 : 1;
/** NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR: line breaks to some splitters, so references. */
const NEL = Buffer.from('&#133;', 'latin1');
const LS = Buffer.from('&#8232;', 'latin1');
const PS = Buffer.from('&#8233;', 'latin1');
/** Most bytes one UTF-16 code unit can become ('&#8232;'). */
const MAX_BYTES_PER_UNIT = 7;

/**
 * Markup encoded once (a tag, an attribute's head), kept as whole little-endian 32-bit words
 * and the 0-3 bytes after them: written with one store per word, a tag of 10-40 bytes costs
 * ~9 ns against ~13 for set() (a memcpy call) and ~20 for a byte loop (measured).
 */
export class Piece {
  readonly words: Int32Array;

  constructor(readonly bytes: Buffer) {
    this.words = new Int32Array(bytes.length >> 2);
    for (let i = 0; i < this.words.length; i++) this.words[i] = bytes.readInt32LE(4 * i);
  }
}

export class ByteSink {
  private _buf!: Buffer;
  /** A view of _buf, for the word stores. */
  private dv!: DataView;
  pos = 0;
  /** The last UTF-16 source read and a view of it (sources are chunks: few, each read often). */
  private src: Uint8Array | null = null;
  private srcDv: DataView = new DataView(new ArrayBuffer(0));

  constructor(buf: Buffer) {
    this.buf = buf;
  }

  get buf(): Buffer {
    return this._buf;
  }

  /** Writing goes on in `buf` (from `pos`, which the caller sets). */
  set buf(buf: Buffer) {
    this._buf = buf;
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
  }

  /** Room for n more bytes (a larger buffer, the written bytes copied, when needed). */
  ensure(n: number): void {
    if (this.pos + n <= this._buf.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this._buf.length * 2, this.pos + n));
    this._buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** Markup that needs no escaping, encoded once. */
  piece(p: Piece): void {
    const bytes = p.bytes;
    this.ensure(bytes.length);
    const dv = this.dv;
    const words = p.words;
    let o = this.pos;
    for (let i = 0; i < words.length; i++, o += 4) dv.setInt32(o, words[i], true);
    const b = this._buf;
    for (let i = words.length << 2; i < bytes.length; i++) b[o++] = bytes[i];
    this.pos = o;
  }

  byte(c: number): void {
    this.ensure(1);
    this._buf[this.pos++] = c;
  }

  /** A non-negative integer below 2^53 in decimal. */
  uint(v: number): void {
    this.ensure(16);
    const b = this._buf;
    let o = this.pos;
    if (v < 10) {
      b[o++] = 48 + v;
    } else if (v <= 0x7fffffff) {
      // Integer arithmetic for the common sizes (ids, process ids, levels).
      let n = 1;
      for (let x = (v / 10) | 0; x > 0; x = (x / 10) | 0) n++;
      for (let i = o + n - 1; i >= o; i--) {
        const q = (v / 10) | 0;
        b[i] = 48 + v - q * 10;
        v = q;
      }
      o += n;
    } else {
      let n = 0;
      for (let x = v; x >= 1; x = Math.floor(x / 10)) n++;
      for (let i = o + n - 1; i >= o; i--) {
        b[i] = 48 + (v % 10);
        v = Math.floor(v / 10);
      }
      o += n;
    }
    this.pos = o;
  }

  /** A JS string as UTF-8, unescaped (markup; the slow path's whole lines). */
  raw(s: string): void {
    this.ensure(3 * s.length);
    this.pos += this._buf.write(s, this.pos, 'utf8');
  }

  private escape(rep: Uint8Array, o: number): number {
    const b = this._buf;
    for (let j = 0; j < rep.length; j++) b[o++] = rep[j];
    return o;
  }

  /**
   * UTF-16LE text at src[start, end), escaped, as UTF-8. Returns its length in UTF-16 code
   * units, or -1 (nothing written) when it holds a surrogate: a lone one would become U+FFFD
   * and could pair with a neighbouring value's in a string rendering, so such text is left to it.
   */
  utf16(src: Uint8Array, start: number, end: number): number {
    const units = (end - start) >> 1;
    this.ensure(MAX_BYTES_PER_UNIT * units);
    const b = this._buf;
    const dv = this.dv;
    if (src !== this.src) {
      this.src = src;
      this.srcDv = new DataView(src.buffer, src.byteOffset, src.length);
    }
    const sv = this.srcDv;
    let o = this.pos;
    for (let i = start; i < end; i += 2) {
      // Four units at a time while they are ASCII that needs no escape (most of what Windows
      // writes): one check of two words, one store; half the time of the loop below alone.
      while (i + 8 <= end) {
        const x = sv.getInt32(i, true);
        const y = sv.getInt32(i + 4, true);
        if (((x | y) & 0xff80ff80) !== 0 || (NEEDS_ESCAPE[x & 0x7f] | NEEDS_ESCAPE[x >>> 16] | NEEDS_ESCAPE[y & 0x7f] | NEEDS_ESCAPE[y >>> 16]) !== 0) break;
        dv.setInt32(o, (x & 0x7f) | ((x >>> 16) << 8) | ((y & 0x7f) << 16) | ((y >>> 16) << 24), true);
        o += 4;
        i += 8;
      }
      if (i >= end) break;
      const c = src[i] | (src[i + 1] << 8);
      if (c < 0x80) {
        if (NEEDS_ESCAPE[c] === 0) b[o++] = c;
        else o = this.escape(ASCII_ESCAPES[c]!, o);
      } else if (c < 0x800) {
        if (c === 0x85) o = this.escape(NEL, o);
        else {
          b[o++] = 0xc0 | (c >> 6);
          b[o++] = 0x80 | (c & 0x3f);
        }
      } else if (c >= 0xd800 && c <= 0xdfff) {
        return -1;
      } else if (c === 0x2028) {
        o = this.escape(LS, o);
      } else if (c === 0x2029) {
        o = this.escape(PS, o);
      } else {
        b[o++] = 0xe0 | (c >> 12);
        b[o++] = 0x80 | ((c >> 6) & 0x3f);
        b[o++] = 0x80 | (c & 0x3f);
      }
    }
    this.pos = o;
    return units;
  }

  /** Latin-1 bytes src[start, end) (ANSI strings), escaped, as UTF-8. */
  latin1(src: Uint8Array, start: number, end: number): void {
    this.ensure(MAX_BYTES_PER_UNIT * (end - start));
    const b = this._buf;
    let o = this.pos;
    for (let i = start; i < end; i++) {
      const c = src[i];
      if (c < 0x80) {
        const rep = ASCII_ESCAPES[c];
        if (rep === null) b[o++] = c;
        else o = this.escape(rep, o);
      } else if (c === 0x85) {
        o = this.escape(NEL, o);
      } else {
        b[o++] = 0xc0 | (c >> 6);
        b[o++] = 0x80 | (c & 0x3f);
      }
    }
    this.pos = o;
  }

  /** A JS string without surrogates (numbers, GUIDs, times, SIDs, hex), escaped, as UTF-8. */
  text(s: string): void {
    const n = s.length;
    this.ensure(MAX_BYTES_PER_UNIT * n);
    const b = this._buf;
    let o = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        const rep = ASCII_ESCAPES[c];
        if (rep === null) b[o++] = c;
        else o = this.escape(rep, o);
      } else {
        // Rare (scalar values render as ASCII): the string escaper and the native encoder.
        this.pos = o;
        this.raw(escapeXml(s.slice(i), false, true));
        return;
      }
    }
    this.pos = o;
  }
}
