// The index keys its nodes by a 16-character packing of the ProcessGuid instead of the 38
// characters Sysmon writes: a node keeps the packed key as four 32-bit words (packedWord;
// process-node.ts), no string of its own, and the node table hashes and compares those words. Only the canonical lower-case form `{8-4-4-4-12}` is packed,
// so that unpacking gives back exactly the text that came in; anything else (upper case, no
// braces, hostile input) is kept as written, behind a marker where it could be mistaken for a
// packed key (16 characters) or for a marked one.

/** Packed keys are exactly this long. */
export const PACKED_LENGTH = 16;
/**
 * Prefix of a GUID kept as written that is 15 or 16 characters long (marked, 17 or 18: never a
 * packed key's length), or longer and starting with NUL (so that a key kept unmarked never starts
 * with the marker). Shorter ones are never marked, so no marked key is shorter than 17.
 */
const MARK = '\u0000\u0000';

/** Hex digit value by character code; -1 for anything but 0-9 and a-f. */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[97 + i] = 10 + i;
const DIGITS = '0123456789abcdef';
/** Two hex digits for each byte value. */
const PAIRS: string[] = [];
for (let i = 0; i < 256; i++) PAIRS.push(DIGITS[i >> 4] + DIGITS[i & 15]);

/** Positions of the 32 hex digits' pairs in `{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}`. */
const PAIR_AT = [1, 3, 5, 7, 10, 12, 15, 17, 20, 22, 25, 27, 29, 31, 33, 35];

function byteAt(g: string, i: number): number {
  const hi = g.charCodeAt(i);
  const lo = g.charCodeAt(i + 1);
  // Codes of 128 and more index past the table: undefined, which fails the check below.
  const h = HEX[hi] ?? -1;
  const l = HEX[lo] ?? -1;
  return h < 0 || l < 0 ? -1 : (h << 4) | l;
}

export function isCanonicalShape(g: string): boolean {
  return (
    g.length === 38 &&
    g.charCodeAt(0) === 123 && // {
    g.charCodeAt(9) === 45 &&
    g.charCodeAt(14) === 45 &&
    g.charCodeAt(19) === 45 &&
    g.charCodeAt(24) === 45 &&
    g.charCodeAt(37) === 125 // }
  );
}

/** The node-map key of a ProcessGuid as the event wrote it ('' stays ''). A new flat string: it pins no input chunk. */
export function guidKey(guid: string): string {
  if (isCanonicalShape(guid)) {
    const b0 = byteAt(guid, 1), b1 = byteAt(guid, 3), b2 = byteAt(guid, 5), b3 = byteAt(guid, 7);
    const b4 = byteAt(guid, 10), b5 = byteAt(guid, 12), b6 = byteAt(guid, 15), b7 = byteAt(guid, 17);
    const b8 = byteAt(guid, 20), b9 = byteAt(guid, 22), b10 = byteAt(guid, 25), b11 = byteAt(guid, 27);
    const b12 = byteAt(guid, 29), b13 = byteAt(guid, 31), b14 = byteAt(guid, 33), b15 = byteAt(guid, 35);
    if ((b0 | b1 | b2 | b3 | b4 | b5 | b6 | b7 | b8 | b9 | b10 | b11 | b12 | b13 | b14 | b15) >= 0) {
      return String.fromCharCode(b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15);
    }
  }
  const n = guid.length;
  if (n === PACKED_LENGTH - 1 || n === PACKED_LENGTH || (n > PACKED_LENGTH && guid.charCodeAt(0) === 0)) return flatCopy(MARK + guid);
  return flatCopy(guid);
}

/** The ProcessGuid text a key was made from. */
export function guidOfKey(key: string): string {
  if (key.length !== PACKED_LENGTH) return key.length > PACKED_LENGTH && key.startsWith(MARK) ? key.slice(MARK.length) : key;
  return guidOfWords(packedWord(key, 0), packedWord(key, 1), packedWord(key, 2), packedWord(key, 3));
}

/** Characters 4i..4i+4 of packed key `k` as one 32-bit word (ProcNode keeps a packed key so). */
export function packedWord(k: string, i: number): number {
  const j = 4 * i;
  return (k.charCodeAt(j) << 24) | (k.charCodeAt(j + 1) << 16) | (k.charCodeAt(j + 2) << 8) | k.charCodeAt(j + 3);
}

/** The packed key of the four words packedWord() gives. */
export function keyOfWords(w0: number, w1: number, w2: number, w3: number): string {
  return String.fromCharCode(
    w0 >>> 24, (w0 >>> 16) & 255, (w0 >>> 8) & 255, w0 & 255,
    w1 >>> 24, (w1 >>> 16) & 255, (w1 >>> 8) & 255, w1 & 255,
    w2 >>> 24, (w2 >>> 16) & 255, (w2 >>> 8) & 255, w2 & 255,
    w3 >>> 24, (w3 >>> 16) & 255, (w3 >>> 8) & 255, w3 & 255,
  );
}

const hex = (w: number): string => PAIRS[w >>> 24] + PAIRS[(w >>> 16) & 255] + PAIRS[(w >>> 8) & 255] + PAIRS[w & 255];

/** The ProcessGuid text of a packed key given as its four words. */
export function guidOfWords(w0: number, w1: number, w2: number, w3: number): string {
  const b = hex(w1);
  const c = hex(w2);
  return `{${hex(w0)}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${hex(w3)}}`;
}

const ONE_BYTE = /^[\0-\xff]*$/;

/**
 * A copy of `s` in one flat string of its own. A slice of a large input string would keep that
 * string alive, and the usual `(' ' + s).slice(1)` copy leaves a 32-byte slice object in front
 * of a copy one character longer: in a node kept for hours that is most of what a command line
 * costs beyond its characters.
 */
export function flatCopy(s: string): string {
  if (s.length < 13) return s; // V8 copies substrings this short instead of slicing them
  if (ONE_BYTE.test(s)) return Buffer.from(s, 'latin1').toString('latin1');
  return Buffer.from(s, 'ucs2').toString('ucs2');
}
