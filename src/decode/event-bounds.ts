// Where Windows Event XML elements begin and end in a text (an <Event> or a prefixed <x:Event>):
// the decoder finds its event in a one-event string with these, and the file framer its events
// in a chunk. Work on latin1 views of UTF-8 bytes as well as on strings.

import { matchIn } from './data-names.js';
import { snippet, type DecodeReason } from './problem.js';

export function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function endsName(c: number): boolean {
  return c === 62 || c === 47 || isSpace(c);
}

/**
 * Start of the next <Event> (or prefixed <x:Event>) element at or after `from`; -1 if none.
 * `prefixed` caches where the next ':Event' is (see PrefixCache) so that texts without prefixes,
 * the usual case, are not scanned to their end once per event.
 */
export function findEventStart(s: string, from: number, prefixed: PrefixCache = new PrefixCache(s)): number {
  let i = s.indexOf('<Event', from);
  while (i !== -1 && !endsName(s.charCodeAt(i + 6))) i = s.indexOf('<Event', i + 6);
  let j = prefixed.next(from);
  while (j !== -1 && (i === -1 || j < i)) {
    if (endsName(s.charCodeAt(j + 6))) {
      let k = j - 1;
      while (k > from && isNameChar(s.charCodeAt(k))) k--;
      if (s.charCodeAt(k) === 60 && k < j - 1) return k;
    }
    j = prefixed.next(j + 6);
  }
  return i;
}

/** The next ':Event' in one text, searched again only when the caller has moved past it. */
export class PrefixCache {
  private at: number;
  constructor(private readonly s: string) {
    this.at = s.indexOf(':Event');
  }
  next(from: number): number {
    if (this.at !== -1 && this.at < from) this.at = this.s.indexOf(':Event', from);
    return this.at;
  }
}

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 46;
}

/** End (exclusive) of the first </Event> or </x:Event> at or after `from`; -1 if none. */
export function findEventEnd(s: string, from: number): number {
  let i = s.indexOf('Event>', from);
  while (i !== -1) {
    const p = s.charCodeAt(i - 1);
    if (p === 47 && s.charCodeAt(i - 2) === 60) return i + 6;
    if (p === 58) {
      let k = i - 2;
      while (k > 0 && isNameChar(s.charCodeAt(k))) k--;
      if (s.charCodeAt(k) === 47 && s.charCodeAt(k - 1) === 60) return i + 6;
    }
    i = s.indexOf('Event>', i + 6);
  }
  return -1;
}

/** End (exclusive) of the last </Event> or </x:Event> in s[from, before); -1 if none. */
export function lastEventEnd(s: string, from: number, before: number): number {
  let i = s.lastIndexOf('Event>', before - 6);
  while (i >= from) {
    const p = s.charCodeAt(i - 1);
    if (p === 47 && s.charCodeAt(i - 2) === 60) return i + 6;
    if (p === 58) {
      let k = i - 2;
      while (k > from && isNameChar(s.charCodeAt(k))) k--;
      if (s.charCodeAt(k) === 47 && s.charCodeAt(k - 1) === 60) return i + 6;
    }
    i = s.lastIndexOf('Event>', i - 1);
  }
  return -1;
}

// --- The same on bytes (UTF-8 input in a Buffer, read byte by byte: what the latin1 view of it
// showed char by char). The framer and the byte scanner work on the input's bytes themselves,
// with no string made of a chunk.

const EVENT_OPEN = Buffer.from('<Event', 'latin1');
const EVENT_CLOSE_TAIL = Buffer.from('Event>', 'latin1');
const PREFIXED_EVENT = Buffer.from(':Event', 'latin1');

/** As findEventStart, on bytes. */
export function findEventStartIn(buf: Buffer, from: number, prefixed: BytePrefixCache = new BytePrefixCache(buf)): number {
  const i = eventStartBetween(buf, from, buf.length);
  let j = prefixed.next(from);
  while (j !== -1 && (i === -1 || j < i)) {
    if (endsName(buf[j + 6])) {
      let k = j - 1;
      while (k > from && isNameChar(buf[k])) k--;
      if (buf[k] === 60 && k < j - 1) return k;
    }
    j = prefixed.next(j + 6);
  }
  return i;
}

/** As PrefixCache, on bytes. */
export class BytePrefixCache {
  private at: number;
  constructor(private readonly buf: Buffer) {
    this.at = buf.indexOf(PREFIXED_EVENT);
  }
  next(from: number): number {
    if (this.at !== -1 && this.at < from) this.at = this.buf.indexOf(PREFIXED_EVENT, from);
    return this.at;
  }
}

/** As findEventEnd, on bytes. */
export function findEventEndIn(buf: Buffer, from: number): number {
  let i = buf.indexOf(EVENT_CLOSE_TAIL, from);
  while (i !== -1) {
    const p = buf[i - 1];
    if (p === 47 && buf[i - 2] === 60) return i + 6;
    if (p === 58) {
      let k = i - 2;
      while (k > 0 && isNameChar(buf[k])) k--;
      if (buf[k] === 47 && buf[k - 1] === 60) return i + 6;
    }
    i = buf.indexOf(EVENT_CLOSE_TAIL, i + 6);
  }
  return -1;
}

/** As lastEventEnd, on bytes. */
export function lastEventEndIn(buf: Buffer, from: number, before: number): number {
  // Usually the next event follows the last one's '</Event>' and white space: read it in place.
  let e = before;
  while (e > from && isSpace(buf[e - 1])) e--;
  if (e - 6 >= from && buf[e - 1] === 62 && buf[e - 2] === 116 && buf[e - 3] === 110 && buf[e - 4] === 101 && buf[e - 5] === 118 && buf[e - 6] === 69 && buf[e - 7] === 47 && buf[e - 8] === 60) return e;
  // Buffer.lastIndexOf reads a negative offset from the end: String.lastIndexOf's clamp is kept by hand.
  if (before - 6 < 0) return -1;
  let i = buf.lastIndexOf(EVENT_CLOSE_TAIL, before - 6);
  while (i >= from) {
    const p = buf[i - 1];
    if (p === 47 && buf[i - 2] === 60) return i + 6;
    if (p === 58) {
      let k = i - 2;
      while (k > from && isNameChar(buf[k])) k--;
      if (buf[k] === 47 && buf[k - 1] === 60) return i + 6;
    }
    if (i === 0) break;
    i = buf.lastIndexOf(EVENT_CLOSE_TAIL, i - 1);
  }
  return -1;
}

/** buf[i...] is '<Event' and the end of its name (an unprefixed event start). */
export function eventStartAt(buf: Buffer, i: number): boolean {
  return buf[i] === 60 && buf[i + 1] === 69 && buf[i + 2] === 118 && buf[i + 3] === 101 && buf[i + 4] === 110 && buf[i + 5] === 116 && endsName(buf[i + 6]);
}

/**
 * The first unprefixed event start in buf[from, to); -1 if none. In a text with no ':Event', the
 * same as findEventStartIn below `to`.
 */
export function eventStartBetween(buf: Buffer, from: number, to: number): number {
  let i = buf.indexOf(EVENT_OPEN, from);
  while (i !== -1 && i < to) {
    if (endsName(buf[i + 6])) return i;
    i = buf.indexOf(EVENT_OPEN, i + 6);
  }
  return -1;
}

/** The snippet of a framing error record at buf[from...], as snippet() of the text read as latin1. */
export function snippetAt(buf: Buffer, from: number): string {
  return snippet(buf.toString('latin1', from, Math.min(buf.length, from + 161)));
}

/** Where `lit` next occurs in buf at or after `from`; -1 if nowhere (String.indexOf on the latin1 view). */
function indexAt(buf: Buffer, lit: string, from: number): number {
  return buf.indexOf(lit, from, 'latin1');
}

/**
 * Is buf[from, to) only white space and wrapper markup (<?xml?>, <!-- -->, <!DOCTYPE>, <Events>,
 * </Events>)? Returns the offset of the first offending byte, or -1.
 */
export function badGapAt(buf: Buffer, from: number, to: number): number {
  let i = from;
  while (i < to) {
    const c = buf[i];
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c !== 60) return i;
    let close: number;
    if (matchIn(buf, i, '<?')) close = indexAt(buf, '?>', i) + 2;
    else if (matchIn(buf, i, '<!--')) close = indexAt(buf, '-->', i) + 3;
    else if (matchIn(buf, i, '<!DOCTYPE')) close = indexAt(buf, '>', i) + 1;
    else if (matchIn(buf, i, '<Events') || matchIn(buf, i, '</Events')) close = indexAt(buf, '>', i) + 1;
    else return i;
    if (close <= i || close > to) return i;
    i = close;
  }
  return -1;
}

export const GARBAGE = 'text between events is not XML event markup';
export const NO_END_BEFORE_NEXT = 'event has no </Event> before the next event starts';

/** What framing found in a stretch of bytes, in input order. */
export interface FrameParts {
  event(a: number, b: number): void;
  error(reason: DecodeReason, message: string, at: number, snippet: string): void;
}

/**
 * The events and framing errors that the framer's search from start to start finds in buf[a, b):
 * an event start at a, its first '</Event>' ending at b, white space and the next event start
 * after b, other event starts inside (which a frame cut at the first '</Event>' took in), and no
 * ':Event' in the text. Each inner start ends what comes before it at its last '</Event>', if
 * any, and what lies after that end is checked as a gap; the last one runs to b.
 */
export function frameBetweenStarts(buf: Buffer, a: number, b: number, out: FrameParts): void {
  let start = a;
  for (;;) {
    const next = eventStartBetween(buf, start + 6, b);
    if (next === -1) {
      out.event(start, b);
      return;
    }
    const end = lastEventEndIn(buf, start + 6, next);
    if (end === -1) {
      out.error('truncated-event', NO_END_BEFORE_NEXT, start, snippetAt(buf, start));
    } else {
      out.event(start, end);
      const bad = badGapAt(buf, end, next);
      if (bad !== -1) out.error('garbage-between-events', GARBAGE, bad, snippetAt(buf, bad));
    }
    start = next;
  }
}

/** Where the event start that follows `from` after white space only lies; -1 if something else does (or the text ends first). */
export function eventStartAfterSpace(buf: Buffer, from: number): number {
  let n = from;
  while (n < buf.length && isSpace(buf[n])) n++;
  return n + 7 <= buf.length && eventStartAt(buf, n) ? n : -1;
}
