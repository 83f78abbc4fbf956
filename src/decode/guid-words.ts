// A process GUID's 128 bits as the four 32-bit words the index keys its nodes by
// (index/guid-key.ts packs the same form into the same words), read once by the decoder: the byte
// scanner reads them where the bytes are, four at a time, instead of the index reading the
// event's string again at every lookup. Only the canonical lower-case `{8-4-4-4-12}` has words;
// any other spelling is keyed by its text.

import { GUID_WORDS, type SysmonEvent } from './event.js';

/** `{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}` */
const GUID_LENGTH = 38;

/** Sign bits of each byte of a word: set where the byte passed a test. */
const HIGH = 0x80808080 | 0;

/**
 * The four hex digits of little-endian word `x` (first character in the low byte) as a 16-bit
 * value, or -1 when a byte is not 0-9 or a-f. Per byte, with its top bit cleared (a byte of 0x80
 * or more fails on that bit), adding 0x80 - c sets bit 7 where the byte is at least c; no lane
 * carries into the next.
 */
function hex4Bytes(x: number): number {
  const low = x & 0x7f7f7f7f;
  const atLeast0 = (low + 0x50505050) | 0;
  const past9 = (low + 0x46464646) | 0;
  const atLeastA = (low + 0x1f1f1f1f) | 0;
  const pastF = (low + 0x19191919) | 0;
  if ((((atLeast0 & ~past9) | (atLeastA & ~pastF)) & ~x & HIGH) !== HIGH) return -1;
  // '0'-'9' carry their value in the low nibble; 'a'-'f' 1-6 there, and bit 6 (+9).
  const lanes = (x & 0x0f0f0f0f) + ((x >>> 6) & 0x01010101) * 9;
  // Nibbles n0 n1 n2 n3 in bytes 0-3 -> n0n1 in byte 0 and n2n3 in byte 2.
  const pairs = ((lanes << 4) | (lanes >>> 8)) & 0x00ff00ff;
  return ((pairs & 0xff) << 8) | (pairs >>> 16);
}

/** Hex digit value by character code (0-127); 256 (a bit no digit has) for anything but 0-9 and a-f. */
const HEX = new Int16Array(128).fill(256);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[97 + i] = 10 + i;

/** Set to 16 or more by hex4Text when a character is no digit. */
let bad = 0;

/** Four hex digits at g[i..i+4) as a 16-bit value. */
function hex4Text(g: string, i: number): number {
  const c0 = g.charCodeAt(i), c1 = g.charCodeAt(i + 1), c2 = g.charCodeAt(i + 2), c3 = g.charCodeAt(i + 3);
  const d0 = HEX[c0 & 127], d1 = HEX[c1 & 127], d2 = HEX[c2 & 127], d3 = HEX[c3 & 127];
  bad |= d0 | d1 | d2 | d3 | ((c0 | c1 | c2 | c3) & ~127);
  return (d0 << 12) | (d1 << 8) | (d2 << 4) | d3;
}

/** Whether `g` has the braces and dashes of the canonical form, whatever its digits. */
export function isCanonicalShape(g: string): boolean {
  return (
    g.length === GUID_LENGTH &&
    g.charCodeAt(0) === 123 && // {
    g.charCodeAt(9) === 45 &&
    g.charCodeAt(14) === 45 &&
    g.charCodeAt(19) === 45 &&
    g.charCodeAt(24) === 45 &&
    g.charCodeAt(37) === 125 // }
  );
}

/**
 * The words of the last canonical GUID read: w0 the first eight digits, w1 and w2 the next two
 * groups of four each, w3 the last eight (index/guid-key.ts packedWord of its packed key). One
 * object per reader, reused: four numbers come back without an allocation.
 */
export class GuidWords {
  w0 = 0;
  w1 = 0;
  w2 = 0;
  w3 = 0;

  /**
   * Reads the GUID written at buf[a, b) (dv: a view of the same memory); false, the words left
   * as they were, when those bytes are not the canonical form (which then has no upper case and
   * no entity: the text is the bytes).
   */
  read(buf: Uint8Array, dv: DataView, a: number, b: number): boolean {
    if (b - a !== GUID_LENGTH || buf[a] !== 123 /* { */ || buf[a + 37] !== 125 /* } */) return false;
    if (buf[a + 9] !== 45 || buf[a + 14] !== 45 || buf[a + 19] !== 45 || buf[a + 24] !== 45) return false;
    const d0 = hex4Bytes(dv.getInt32(a + 1, true));
    const d1 = hex4Bytes(dv.getInt32(a + 5, true));
    const d2 = hex4Bytes(dv.getInt32(a + 10, true));
    const d3 = hex4Bytes(dv.getInt32(a + 15, true));
    const d4 = hex4Bytes(dv.getInt32(a + 20, true));
    const d5 = hex4Bytes(dv.getInt32(a + 25, true));
    const d6 = hex4Bytes(dv.getInt32(a + 29, true));
    const d7 = hex4Bytes(dv.getInt32(a + 33, true));
    if ((d0 | d1 | d2 | d3 | d4 | d5 | d6 | d7) < 0) return false;
    this.w0 = (d0 << 16) | d1;
    this.w1 = (d2 << 16) | d3;
    this.w2 = (d4 << 16) | d5;
    this.w3 = (d6 << 16) | d7;
    return true;
  }

  /** Reads GUID text `g` as read() reads bytes; false, the words left as they were, when it is not canonical. */
  readText(g: string): boolean {
    if (!isCanonicalShape(g)) return false;
    bad = 0;
    const d0 = hex4Text(g, 1), d1 = hex4Text(g, 5), d2 = hex4Text(g, 10), d3 = hex4Text(g, 15);
    const d4 = hex4Text(g, 20), d5 = hex4Text(g, 25), d6 = hex4Text(g, 29), d7 = hex4Text(g, 33);
    if (bad >= 16) return false;
    this.w0 = (d0 << 16) | d1;
    this.w1 = (d2 << 16) | d3;
    this.w2 = (d4 << 16) | d5;
    this.w3 = (d6 << 16) | d7;
    return true;
  }
}

/**
 * Gives `ev` the words `w` for one of its GUIDs (`which`: a GUID_WORDS bit), or marks them absent
 * (null), all 0 then, so that every decoder leaves the same event.
 */
export function putGuidWords(ev: SysmonEvent, which: number, w: GuidWords | null): void {
  const a = w === null ? 0 : w.w0;
  const b = w === null ? 0 : w.w1;
  const c = w === null ? 0 : w.w2;
  const d = w === null ? 0 : w.w3;
  if (which === GUID_WORDS.process) {
    ev.p0 = a;
    ev.p1 = b;
    ev.p2 = c;
    ev.p3 = d;
  } else {
    ev.q0 = a;
    ev.q1 = b;
    ev.q2 = c;
    ev.q3 = d;
  }
  ev.guidWords = w === null ? ev.guidWords & ~which : ev.guidWords | which;
}

const scratch = new GuidWords();

/** Fills in the words of `ev`'s process GUIDs from their texts: for decoders that read text, not bytes. */
export function fillGuidWords(ev: SysmonEvent): void {
  putGuidWords(ev, GUID_WORDS.process, scratch.readText(ev.processGuid) ? scratch : null);
  putGuidWords(ev, GUID_WORDS.parent, scratch.readText(ev.parentProcessGuid) ? scratch : null);
}
