// The index keys its nodes by a 16-character packing of the ProcessGuid instead of the 38
// characters Sysmon writes: a node keeps the packed key as four 32-bit words (packedWord;
// process-node.ts), no string of its own, and the node table hashes and compares those words.
// Only the canonical lower-case form `{8-4-4-4-12}` is packed, so that unpacking gives back
// exactly the text that came in; anything else (upper case, no braces, hostile input) is kept as
// written, behind a marker where it could be mistaken for a packed key (16 characters) or for a
// marked one.

import { guidOfWords } from '../decode/guid-text.js';
import { GuidWords } from '../decode/guid-words.js';

/** Packed keys are exactly this long. */
export const PACKED_LENGTH = 16;
/**
 * Prefix of a GUID kept as written that is 15 or 16 characters long (marked, 17 or 18: never a
 * packed key's length), or longer and starting with NUL (so that a key kept unmarked never starts
 * with the marker). Shorter ones are never marked, so no marked key is shorter than 17.
 */
const MARK = '\u0000\u0000';

const words = new GuidWords();

/** The node-map key of a ProcessGuid as the event wrote it ('' stays ''). A new flat string: it pins no input chunk. */
export function guidKey(guid: string): string {
  if (words.readText(guid)) return keyOfWords(words.w0, words.w1, words.w2, words.w3);
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
