// Where Windows Event XML elements begin and end in a text (an <Event> or a prefixed <x:Event>):
// the decoder finds its event in a one-event string with these, and the file framer its events
// in a chunk. Work on latin1 views of UTF-8 bytes as well as on strings.

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
  let i = buf.indexOf(EVENT_OPEN, from);
  while (i !== -1 && !endsName(buf[i + 6])) i = buf.indexOf(EVENT_OPEN, i + 6);
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
