// CRC-32 (IEEE 802.3, reflected, as zlib) used by EVTX headers and chunk record data. Every
// chunk's record area (up to 64 KiB) is checksummed, so speed matters: Node's native zlib.crc32
// (Node >= 20.15) is ~4x the JavaScript version below (slicing-by-4), which remains the fallback.

import * as zlib from 'node:zlib';

const T = new Int32Array(4 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  T[n] = c;
}
for (let n = 0; n < 256; n++) {
  T[256 + n] = (T[n] >>> 8) ^ T[T[n] & 0xff];
  T[512 + n] = (T[256 + n] >>> 8) ^ T[T[256 + n] & 0xff];
  T[768 + n] = (T[512 + n] >>> 8) ^ T[T[512 + n] & 0xff];
}

type NativeCrc = (data: Uint8Array, value?: number) => number;
const native = (zlib as unknown as { crc32?: NativeCrc }).crc32;

/** CRC-32 of buf[start, end), optionally continuing from a previous crc. */
export function crc32(buf: Uint8Array, start: number, end: number, prev = 0): number {
  return native !== undefined ? native(buf.subarray(start, end), prev) : crc32js(buf, start, end, prev);
}

/** The portable implementation (exported for the test that checks both agree). */
export function crc32js(buf: Uint8Array, start: number, end: number, prev = 0): number {
  let c = ~prev;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    c ^= buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
    c = T[768 + (c & 0xff)] ^ T[512 + ((c >>> 8) & 0xff)] ^ T[256 + ((c >>> 16) & 0xff)] ^ T[(c >>> 24) & 0xff];
  }
  for (; i < end; i++) c = T[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
