// Text helpers for the generator's hot path. Generated events are "byte strings": every char
// is one byte of the UTF-8 output (latin1 code units), so a whole chunk is written with
// Buffer.latin1Write, a plain copy. Non-ASCII text (the '®' in every Product, localised user
// names) is converted once, when the catalog is built, never per event.

import { escapeXml } from '../decode/xml-escape.js';

/** UTF-8 bytes of s as a byte string (one char per byte). */
export function utf8Bytes(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** Inverse of utf8Bytes, for readers and tests. */
export function fromUtf8Bytes(b: string): string {
  return Buffer.from(b, 'latin1').toString('utf8');
}

/** XML text escaping as the Windows event renderer does it. Used when building the catalog, not per event. */
export function xmlEscape(s: string): string {
  return escapeXml(s, true);
}

/** Text as it goes into an event: UTF-8 byte string, XML-escaped. */
export function xmlText(s: string): string {
  return xmlEscape(utf8Bytes(s));
}

const HEX2: string[] = [];
for (let i = 0; i < 256; i++) HEX2.push((i < 16 ? '0' : '') + i.toString(16));

/** n (0..2^32-1) as 8 lower-case hex digits. */
export function hex8(n: number): string {
  return HEX2[(n >>> 24) & 255] + HEX2[(n >>> 16) & 255] + HEX2[(n >>> 8) & 255] + HEX2[n & 255];
}

/** n (0..65535) as 4 lower-case hex digits. */
export function hex4(n: number): string {
  return HEX2[(n >>> 8) & 255] + HEX2[n & 255];
}

/** ISO 8601 with ms, the form of alert and label times. */
export function isoMs(ms: number): string {
  return new Date(ms).toISOString();
}
