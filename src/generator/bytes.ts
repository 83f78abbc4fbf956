// Writing events straight into the output buffer: pre-encoded pieces are copied with
// TypedArray#set (a memmove), numbers and times are written digit by digit. No per-event
// strings, so no rope flattening and little garbage on the hot path.

import { writeCivilSecond } from '../util/civil-time.js';

/** Encode a byte string (one char per byte, see text.ts) once, for copying many times. */
export function enc(s: string): Uint8Array {
  return Buffer.from(s, 'latin1');
}

/** Buffer#latin1Write: a plain byte copy of a one-byte string (Node has it; the types do not). */
type Latin1Buffer = Buffer & { latin1Write(s: string, offset: number): number; latin1Slice(a: number, b: number): string };

const HEX = Buffer.from('0123456789abcdef', 'latin1');

export class ByteWriter {
  buf: Buffer;
  off = 0;

  constructor(buf: Buffer | number) {
    this.buf = typeof buf === 'number' ? Buffer.allocUnsafe(buf) : buf;
  }

  bytes(b: Uint8Array): void {
    this.buf.set(b, this.off);
    this.off += b.length;
  }

  byte(c: number): void {
    this.buf[this.off++] = c;
  }

  /** A non-negative integer in decimal. */
  uint(n: number): void {
    const buf = this.buf;
    if (n < 10) {
      buf[this.off++] = 48 + n;
      return;
    }
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    let i = this.off + digits;
    this.off = i;
    while (n >= 10) {
      const q = Math.floor(n / 10);
      buf[--i] = 48 + n - q * 10;
      n = q;
    }
    buf[--i] = 48 + n;
  }

  /** n in exactly `width` decimal digits (zero-padded). */
  fixed(n: number, width: number): void {
    const buf = this.buf;
    let i = this.off + width;
    this.off = i;
    for (let k = 0; k < width; k++) {
      const q = Math.floor(n / 10);
      buf[--i] = 48 + n - q * 10;
      n = q;
    }
  }

  /** n in exactly `width` lower-case hex digits (zero-padded). */
  hex(n: number, width: number): void {
    const buf = this.buf;
    let i = this.off + width;
    this.off = i;
    for (let k = 0; k < width; k++) {
      buf[--i] = HEX[n & 15];
      n >>>= 4;
    }
  }

  /** A whole byte string (for the rare long dynamic text, such as a reformatted line). */
  latin1(s: string): void {
    this.off += (this.buf as Latin1Buffer).latin1Write(s, this.off);
  }

  /** The bytes in [a, b) as a byte string. */
  slice(a: number, b: number): string {
    return (this.buf as Latin1Buffer).latin1Slice(a, b);
  }
}

/**
 * A run of bytes ending in the time 'YYYY-MM-DD?HH:MM:SS.' (sep between date and time), for event
 * times. Consecutive events mostly share a second, so the date is computed once per second and
 * copied together with what precedes it (the event's start for TimeCreated): one copy per event.
 */
export class SecondStamp {
  private readonly bytes: Uint8Array;
  private sec = Number.NaN;

  constructor(
    /** Copied before the time. */
    private readonly head: Uint8Array,
    private readonly sep: number,
  ) {
    this.bytes = new Uint8Array(head.length + 20);
    this.bytes.set(head);
    this.bytes[head.length + 19] = 46;
  }

  /** head, then ms as 'YYYY-MM-DD?HH:MM:SS.mmm'. */
  write(w: ByteWriter, ms: number): void {
    const s = Math.floor(ms / 1000);
    if (s !== this.sec) {
      this.sec = s;
      writeCivilSecond(this.bytes, this.head.length, s, this.sep);
    }
    w.bytes(this.bytes);
    w.fixed(ms - s * 1000, 3);
  }
}

