// Substitution and Value token values as the text Windows' own XML rendering carries
// (wevtutil / Event Viewer): GUIDs upper-case in braces, hex integers zero-padded as
// python-evtx and evtxexport print them, booleans 'true'/'false', times in ISO 8601 UTC with
// 100 ns digits, binary as upper-case hex, SIDs as S-R-A-S... Arrays come back as string[].

import {
  EvtxFormatError,
  VT_ANSI_STRING,
  VT_ARRAY,
  VT_BINARY,
  VT_BOOL,
  VT_EVT_HANDLE,
  VT_EVT_XML,
  VT_FILETIME,
  VT_GUID,
  VT_HEXINT32,
  VT_HEXINT64,
  VT_INT16,
  VT_INT32,
  VT_INT64,
  VT_INT8,
  VT_NULL,
  VT_REAL32,
  VT_REAL64,
  VT_SID,
  VT_SIZET,
  VT_STRING,
  VT_SYSTEMTIME,
  VT_UINT16,
  VT_UINT32,
  VT_UINT64,
  VT_UINT8,
} from './format.js';
import { writeCivilSecond, writeDigits } from '../../util/civil-time.js';


/**
 * Buffer's own decoders, called without toString's argument handling and encoding lookup: a
 * value's text costs ~170 ns instead of ~260-360 (measured, 20-60 characters), and a replay
 * makes about a dozen per event. toString where a Node.js lacks them. Callers pass in-bounds
 * ranges (the slices throw where toString would clamp).
 */
interface NativeSlices {
  ucs2Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
}
const NATIVE_SLICES = typeof (Buffer.prototype as Partial<NativeSlices>).ucs2Slice === 'function' && typeof (Buffer.prototype as Partial<NativeSlices>).latin1Slice === 'function';

export function ucs2Text(buf: Buffer, start: number, end: number): string {
  return NATIVE_SLICES ? (buf as unknown as NativeSlices).ucs2Slice(start, end) : buf.toString('utf16le', start, end);
}

export function latin1Text(buf: Buffer, start: number, end: number): string {
  return NATIVE_SLICES ? (buf as unknown as NativeSlices).latin1Slice(start, end) : buf.toString('latin1', start, end);
}

/** The end of UTF-16LE text at [start, end) without an odd last byte and the trailing NULs writers often include in the size. */
export function utf16End(buf: Uint8Array, start: number, end: number): number {
  let e = Math.min(end, buf.length);
  e -= (e - start) & 1;
  while (e - 2 >= start && buf[e - 2] === 0 && buf[e - 1] === 0) e -= 2;
  return e;
}

/** UTF-16LE text without the trailing NULs writers often include in the size. */
export function utf16(buf: Buffer, start: number, end: number): string {
  const e = utf16End(buf, start, end);
  if (e <= start) return '';
  // Measured: one native decode beats building even short strings char by char.
  return ucs2Text(buf, start, e);
}

/** Entries of a TextCache (a power of two). */
const TEXT_CACHE_SIZE = 4096;
/** Longer texts are decoded every time (hashing them costs more than it saves). */
const TEXT_CACHE_MAX_UNITS = 260;

/**
 * The texts of UTF-16LE values that repeat record after record (image paths, user and host
 * names): a value whose code units are those of a text seen before gives that same string back,
 * found by a hash of its bytes, instead of a new string. That saves the decode, the garbage, and
 * the hashing of a fresh string where the decoders intern it. Direct-mapped and bounded: a
 * collision replaces the entry.
 */
export class TextCache {
  private readonly texts: (string | undefined)[] = new Array<string | undefined>(TEXT_CACHE_SIZE).fill(undefined);

  /**
   * canonical: what is kept of a newly decoded text (the decoders' interned copy, so that
   * interning the text again finds that very string, by identity).
   */
  constructor(private readonly canonical: (s: string) => string = (s) => s) {}

  /** utf16(buf, start, end), from the cache when it holds it. */
  utf16(buf: Buffer, start: number, end: number): string {
    const e = utf16End(buf, start, end);
    const units = (e - start) >> 1;
    if (units <= 0) return '';
    if (units > TEXT_CACHE_MAX_UNITS) return ucs2Text(buf, start, e);
    let h = 0x811c9dc5 ^ units;
    for (let i = start; i < e; i += 2) h = Math.imul(h ^ (buf[i] | (buf[i + 1] << 8)), 0x01000193);
    const slot = (h ^ (h >>> 15)) & (TEXT_CACHE_SIZE - 1);
    const hit = this.texts[slot];
    if (hit !== undefined && hit.length === units) {
      let same = true;
      for (let k = 0, i = start; k < units; k++, i += 2) {
        if (hit.charCodeAt(k) !== (buf[i] | (buf[i + 1] << 8))) {
          same = false;
          break;
        }
      }
      if (same) return hit;
    }
    const s = this.canonical(ucs2Text(buf, start, e));
    this.texts[slot] = s;
    return s;
  }
}

/** Entries of a GuidCache (a power of two). */
const GUID_CACHE_SIZE = 2048;

/**
 * Lower-case GUID texts of repeated GUID values (a parent's process GUID, the process of a flood
 * of registry events): found by a hash of the 16 bytes and compared, as TextCache does for texts.
 */
export class GuidCache {
  private readonly keys = new Uint8Array(GUID_CACHE_SIZE * 16);
  private readonly texts: (string | undefined)[] = new Array<string | undefined>(GUID_CACHE_SIZE).fill(undefined);

  /** guidText(buf, p, true), from the cache when it holds it. */
  lower(buf: Uint8Array, p: number): string {
    const a = u32(buf, p);
    const b = u32(buf, p + 4);
    const c = u32(buf, p + 8);
    const d = u32(buf, p + 12);
    let h = Math.imul(a ^ Math.imul(b, 0x85ebca6b), 0x9e3779b1) ^ Math.imul(c ^ Math.imul(d, 0xc2b2ae35), 0x27d4eb2f);
    h ^= h >>> 15;
    const slot = h & (GUID_CACHE_SIZE - 1);
    const k = slot * 16;
    const keys = this.keys;
    const hit = this.texts[slot];
    if (hit !== undefined && u32(keys, k) === a && u32(keys, k + 4) === b && u32(keys, k + 8) === c && u32(keys, k + 12) === d) return hit;
    for (let i = 0; i < 16; i++) keys[k + i] = buf[p + i];
    const s = guidText(buf, p, true);
    this.texts[slot] = s;
    return s;
  }
}

function latin1(buf: Buffer, start: number, end: number): string {
  let e = Math.min(end, buf.length);
  while (e > start && buf[e - 1] === 0) e--;
  return e <= start ? '' : latin1Text(buf, start, e);
}

export function u32(buf: Uint8Array, p: number): number {
  return (buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24)) >>> 0;
}

/** Unsigned 64-bit little-endian as a JS number (exact below 2^53: record ids, counters). */
export function u64(buf: Uint8Array, p: number): number {
  return u32(buf, p) + u32(buf, p + 4) * 4294967296;
}

function u64Text(buf: Uint8Array, p: number): string {
  const hi = u32(buf, p + 4);
  if (hi < 0x200000) return String(u32(buf, p) + hi * 4294967296);
  return ((BigInt(hi) << 32n) | BigInt(u32(buf, p))).toString();
}

/**
 * Short hex texts are spelled into this scratch buffer and read out with one native call:
 * concatenating two-digit pieces built a chain of intermediate strings per value.
 */
const scratch = Buffer.alloc(64);
const DIGITS_UPPER = Buffer.from('0123456789ABCDEF', 'latin1');
const DIGITS_LOWER = Buffer.from('0123456789abcdef', 'latin1');

/** '0x' and n little-endian bytes as lower-case hex, big-endian first, into out at o; returns the end. */
export function hexInto(buf: Uint8Array, p: number, n: number, out: Uint8Array, o: number): number {
  out[o++] = 48; // 0
  out[o++] = 120; // x
  for (let i = n - 1; i >= 0; i--) {
    const v = buf[p + i];
    out[o++] = DIGITS_LOWER[v >> 4];
    out[o++] = DIGITS_LOWER[v & 15];
  }
  return o;
}

function hexBytesLE(buf: Uint8Array, p: number, n: number): string {
  return latin1Text(scratch, 0, hexInto(buf, p, n, scratch, 0));
}

/** Byte order of a GUID's text (its first three groups are little-endian); -1 is a dash. */
const GUID_ORDER = [3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11, 12, 13, 14, 15];

/** '{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}' into out at o (lower: in lower case); returns the end. */
export function guidInto(buf: Uint8Array, p: number, out: Uint8Array, o: number, lower = false): number {
  const digits = lower ? DIGITS_LOWER : DIGITS_UPPER;
  out[o++] = 123; // {
  for (let k = 0; k < GUID_ORDER.length; k++) {
    const i = GUID_ORDER[k];
    if (i < 0) {
      out[o++] = 45; // -
      continue;
    }
    const v = buf[p + i];
    out[o++] = digits[v >> 4];
    out[o++] = digits[v & 15];
  }
  out[o++] = 125; // }
  return o;
}

/** The GUID as Windows writes it; lower: in lower case. */
export function guidText(buf: Uint8Array, p: number, lower = false): string {
  return latin1Text(scratch, 0, guidInto(buf, p, scratch, 0, lower));
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

/** 10000-01-01T00:00:00Z in Unix seconds: from there toISOString spells years with six digits. */
const YEAR_10000 = 253402300800;

/**
 * FILETIME (100 ns ticks since 1601-01-01 UTC) as 'YYYY-MM-DDTHH:MM:SS.fffffffZ' (28 bytes)
 * into out at o; returns the end, or -1 for years past 9999 (filetimeText leaves those to Date).
 */
export function filetimeInto(buf: Uint8Array, p: number, out: Uint8Array, o: number): number {
  const lo = u32(buf, p);
  const hi = u32(buf, p + 4);
  // Whole ms and the 100 ns remainder of hi * 2^32 + lo, exact in doubles (no BigInt):
  // 2^32 = 429496 * 10000 + 7296, and hi * 7296 + lo stays below 2^53.
  const r = hi * 7296 + lo;
  const ms = hi * 429496 + Math.floor(r / 10000) - 11644473600000;
  const s = Math.floor(ms / 1000);
  if (s >= YEAR_10000) return -1;
  writeSecond(out, o, s);
  out[o + 19] = 46; // .
  writeDigits(out, o + 20, ms - s * 1000, 3);
  writeDigits(out, o + 23, r % 10000, 4);
  out[o + 27] = 90; // Z
  return o + 28;
}

/**
 * The date part of the last day spelled: records follow each other in time, so most of them fall
 * on the day before them and only the time of day needs the arithmetic.
 */
let lastDay = NaN;
const lastDate = new Uint8Array(19);

/** 'YYYY-MM-DDTHH:MM:SS' of Unix second s (years 0-9999) into out at o. */
function writeSecond(out: Uint8Array, o: number, s: number): void {
  const day = Math.floor(s / 86400);
  if (day !== lastDay) {
    writeCivilSecond(lastDate, 0, day * 86400, 84); // T
    lastDay = day;
  }
  for (let i = 0; i < 11; i++) out[o + i] = lastDate[i];
  let rem = s - day * 86400;
  const hour = Math.floor(rem / 3600);
  rem -= hour * 3600;
  const minute = Math.floor(rem / 60);
  rem -= minute * 60;
  out[o + 11] = 48 + Math.floor(hour / 10);
  out[o + 12] = 48 + (hour % 10);
  out[o + 13] = 58; // :
  out[o + 14] = 48 + Math.floor(minute / 10);
  out[o + 15] = 48 + (minute % 10);
  out[o + 16] = 58;
  out[o + 17] = 48 + Math.floor(rem / 10);
  out[o + 18] = 48 + (rem % 10);
}

/** FILETIME (100 ns ticks since 1601-01-01 UTC) as 'YYYY-MM-DDTHH:MM:SS.fffffffZ'. */
export function filetimeText(buf: Uint8Array, p: number): string {
  const end = filetimeInto(buf, p, scratch, 0);
  if (end >= 0) return latin1Text(scratch, 0, end);
  // Years past 9999: as this has always rendered them (toISOString's '+YYYYYY-...', cut at 23).
  const lo = u32(buf, p);
  const hi = u32(buf, p + 4);
  const r = hi * 7296 + lo;
  const iso = new Date(hi * 429496 + Math.floor(r / 10000) - 11644473600000).toISOString();
  return iso.slice(0, 23) + pad(r % 10000, 4) + 'Z';
}

/** SYSTEMTIME (eight u16: year, month, weekday, day, hour, minute, second, ms). */
function systemtimeText(buf: Uint8Array, p: number): string {
  const w = (i: number): number => buf[p + 2 * i] | (buf[p + 2 * i + 1] << 8);
  return `${pad(w(0), 4)}-${pad(w(1), 2)}-${pad(w(3), 2)}T${pad(w(4), 2)}:${pad(w(5), 2)}:${pad(w(6), 2)}.${pad(w(7), 3)}0000Z`;
}

function sidText(buf: Uint8Array, p: number, size: number): string {
  if (size < 8) throw new EvtxFormatError('SID shorter than 8 bytes', p);
  const subs = buf[p + 1];
  if (8 + 4 * subs > size) throw new EvtxFormatError('SID sub-authorities run past the value', p);
  let auth = 0;
  for (let i = 2; i < 8; i++) auth = auth * 256 + buf[p + i];
  let s = `S-${buf[p]}-${auth}`;
  for (let i = 0; i < subs; i++) s += '-' + u32(buf, p + 8 + 4 * i);
  return s;
}

function binaryText(buf: Uint8Array, p: number, size: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + p, size).toString('hex').toUpperCase();
}

/** Byte size of one element of a fixed-size type; 0 for variable-size types. */
export function fixedSize(type: number): number {
  switch (type) {
    case VT_INT8:
    case VT_UINT8:
      return 1;
    case VT_INT16:
    case VT_UINT16:
      return 2;
    case VT_INT32:
    case VT_UINT32:
    case VT_REAL32:
    case VT_BOOL:
    case VT_HEXINT32:
      return 4;
    case VT_INT64:
    case VT_UINT64:
    case VT_REAL64:
    case VT_FILETIME:
    case VT_HEXINT64:
      return 8;
    case VT_GUID:
    case VT_SYSTEMTIME:
      return 16;
    default:
      return 0;
  }
}

/**
 * Text of one scalar value of the given type at buf[p, p+size). Throws EvtxFormatError when the
 * size does not fit the type. BinXml values are rendered by the caller (they are trees).
 */
export function scalarText(buf: Buffer, p: number, size: number, type: number): string {
  const need = fixedSize(type);
  if (need > 0 && size < need) throw new EvtxFormatError(`value of type 0x${type.toString(16)} has ${size} bytes, needs ${need}`, p);
  switch (type) {
    case VT_NULL:
      return '';
    case VT_STRING:
    case VT_EVT_XML:
      return utf16(buf, p, p + size);
    case VT_ANSI_STRING:
      return latin1(buf, p, p + size);
    case VT_INT8:
      return String((buf[p] << 24) >> 24);
    case VT_UINT8:
      return String(buf[p]);
    case VT_INT16:
      return String(((buf[p] | (buf[p + 1] << 8)) << 16) >> 16);
    case VT_UINT16:
      return String(buf[p] | (buf[p + 1] << 8));
    case VT_INT32:
      return String(buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24));
    case VT_UINT32:
      return String(u32(buf, p));
    case VT_INT64:
      return buf.readBigInt64LE(p).toString();
    case VT_UINT64:
      return u64Text(buf, p);
    case VT_REAL32:
      return String(buf.readFloatLE(p));
    case VT_REAL64:
      return String(buf.readDoubleLE(p));
    case VT_BOOL:
      return u32(buf, p) !== 0 ? 'true' : 'false';
    case VT_BINARY:
      return binaryText(buf, p, size);
    case VT_GUID:
      return guidText(buf, p);
    case VT_SIZET:
    case VT_EVT_HANDLE:
      return size >= 8 ? hexBytesLE(buf, p, 8) : size >= 4 ? hexBytesLE(buf, p, 4) : '';
    case VT_FILETIME:
      return filetimeText(buf, p);
    case VT_SYSTEMTIME:
      return systemtimeText(buf, p);
    case VT_SID:
      return sidText(buf, p, size);
    case VT_HEXINT32:
      return hexBytesLE(buf, p, 4);
    case VT_HEXINT64:
      return hexBytesLE(buf, p, 8);
    default:
      throw new EvtxFormatError(`unknown value type 0x${type.toString(16)}`, p);
  }
}

/** Elements of an array value (type has VT_ARRAY set): NUL-separated strings or fixed-size items. */
export function arrayItems(buf: Buffer, p: number, size: number, type: number): string[] {
  const base = type & ~VT_ARRAY;
  const out: string[] = [];
  if (base === VT_STRING) {
    const end = p + size - (size & 1);
    let s = p;
    for (let i = p; i + 1 < end; i += 2) {
      if (buf[i] === 0 && buf[i + 1] === 0) {
        out.push(buf.toString('utf16le', s, i));
        s = i + 2;
      }
    }
    if (s < end) out.push(buf.toString('utf16le', s, end));
    return out;
  }
  const n = fixedSize(base);
  if (n === 0) throw new EvtxFormatError(`array of variable-size type 0x${base.toString(16)}`, p);
  for (let i = p; i + n <= p + size; i += n) out.push(scalarText(buf, i, n, base));
  return out;
}
