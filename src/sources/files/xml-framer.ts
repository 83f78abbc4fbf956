// Finds <Event>...</Event> elements in a stream of UTF-8 chunks, with constant memory:
// one event per line or pretty-printed, with or without an <Events> wrapper, with the banner
// evtxexport writes. What lies between events must be white space or wrapper markup; anything
// else, an event that never closes before the next one starts, or one larger than
// max_event_bytes is reported and skipped, and the stream goes on.

import type { DecodeReason } from '../../decode/problem.js';
import { snippet } from '../../decode/problem.js';
import { BytePrefixCache, findEventEndIn, findEventStartIn, isSpace, lastEventEndIn } from '../../decode/event-bounds.js';

export interface FrameSink {
  /** An event at buf[a, b) (byte offsets). fileOffset is the absolute offset of buf[0]. */
  event(a: number, b: number, buf: Buffer, fileOffset: number): void;
  /** Called once per chunk before its events, so decoders can cache per-chunk state. */
  chunk(buf: Buffer): void;
  error(reason: DecodeReason, message: string, offset: number, snippet: string): void;
}

/** The snippet of an error record at buf[from...], as snippet() of the text read as latin1. */
function snippetAt(buf: Buffer, from: number): string {
  return snippet(buf.toString('latin1', from, Math.min(buf.length, from + 161)));
}

/** buf[i, i + lit.length) === lit (ASCII). */
function bytesAt(buf: Buffer, i: number, lit: string): boolean {
  for (let k = 0; k < lit.length; k++) if (buf[i + k] !== lit.charCodeAt(k)) return false;
  return true;
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
    if (bytesAt(buf, i, '<?')) close = indexAt(buf, '?>', i) + 2;
    else if (bytesAt(buf, i, '<!--')) close = indexAt(buf, '-->', i) + 3;
    else if (bytesAt(buf, i, '<!DOCTYPE')) close = indexAt(buf, '>', i) + 1;
    else if (bytesAt(buf, i, '<Events') || bytesAt(buf, i, '</Events')) close = indexAt(buf, '>', i) + 1;
    else return i;
    if (close <= i || close > to) return i;
    i = close;
  }
  return -1;
}

// evtxexport writes "evtxexport 20181227" before the events; it is not an error.
const BANNER = /^evtxexport [0-9]+\r?\n/;
// Bytes kept from a chunk with no event start in it, so a tag split across chunks is still found.
const TAIL_KEEP = 64;

export class XmlEventFramer {
  private pending: Buffer | null = null;
  /** Absolute offset of the first byte of `pending` (or of the next chunk when nothing is pending). */
  private offset = 0;
  private atStart = true;
  /** Skipping an oversized event until its end or the next event start. */
  private skipping = false;

  constructor(private readonly maxEventBytes: number) {}

  push(chunk: Buffer, sink: FrameSink): void {
    const buf = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = null;
    this.frame(buf, sink);
  }

  /** Bytes kept from the chunks so far (an event not yet complete), which go in front of the next. */
  get pendingLength(): number {
    return this.pending === null ? 0 : this.pending.length;
  }

  /** Move the kept bytes to target[0, pendingLength); target may be the memory they lie in. */
  movePendingTo(target: Buffer): void {
    const p = this.pending;
    if (p === null) return;
    p.copy(target, 0);
    this.pending = target.subarray(0, p.length);
  }

  /** As push, for a chunk that already starts with the kept bytes (movePendingTo): nothing is joined. */
  pushJoined(buf: Buffer, sink: FrameSink): void {
    this.pending = null;
    this.frame(buf, sink);
  }

  private frame(buf: Buffer, sink: FrameSink): void {
    sink.chunk(buf);
    let pos = 0;
    if (this.atStart) {
      const m = BANNER.exec(buf.toString('latin1', 0, Math.min(buf.length, 64)));
      if (m !== null) pos = m[0].length;
      else if (buf.length < 64 && buf.indexOf(10) === -1) {
        this.keep(buf, 0);
        return;
      }
      this.atStart = false;
    }
    pos = this.scan(buf, pos, sink);
    this.keep(buf, pos);
  }

  /** End of input: whatever is pending is a truncated event or trailing garbage. */
  end(sink: FrameSink): void {
    if (this.pending === null) return;
    const buf = this.pending;
    this.pending = null;
    if (this.skipping) return;
    const start = findEventStartIn(buf, 0);
    const gapEnd = start === -1 ? buf.length : start;
    const bad = badGapAt(buf, 0, gapEnd);
    if (bad !== -1) sink.error('garbage-between-events', 'text between events is not XML event markup', this.offset + bad, snippetAt(buf, bad));
    if (start !== -1) sink.error('truncated-event', 'input ends inside an event (no </Event>)', this.offset + start, snippetAt(buf, start));
  }

  /**
   * The input skips a damaged stretch (a corrupt gzip member): what is pending can never be
   * completed, so it is reported as at the end of input, and framing starts afresh after it.
   */
  gap(sink: FrameSink): void {
    const n = this.pending?.length ?? 0;
    this.end(sink);
    this.offset += n;
    this.skipping = false;
  }

  private keep(buf: Buffer, pos: number): void {
    if (pos < buf.length) {
      this.pending = buf.subarray(pos);
      this.offset += pos;
    } else {
      this.offset += buf.length;
    }
  }

  /** Frame events in buf from pos; returns the offset from which bytes must be kept for the next chunk. */
  private scan(buf: Buffer, pos: number, sink: FrameSink): number {
    const prefixed = new BytePrefixCache(buf);
    const length = buf.length;
    let start = findEventStartIn(buf, pos, prefixed);
    for (;;) {
      if (this.skipping) {
        const end = findEventEndIn(buf, pos);
        if (end === -1 && start === -1) return Math.max(pos, length - TAIL_KEEP);
        this.skipping = false;
        if (end !== -1 && (start === -1 || end < start)) {
          pos = end;
          if (start !== -1 && start < pos) start = findEventStartIn(buf, pos, prefixed);
        } else {
          pos = start;
        }
        continue;
      }
      if (start === -1) {
        // Keep a trailing '<...' (maybe a split tag) for the next chunk; check the rest of the gap now.
        const lastLt = length === 0 ? -1 : buf.lastIndexOf(60);
        let keepFrom = lastLt >= pos ? lastLt : length;
        if (length - keepFrom > this.maxEventBytes) keepFrom = length - TAIL_KEEP;
        const bad = badGapAt(buf, pos, keepFrom);
        if (bad !== -1) sink.error('garbage-between-events', 'text between events is not XML event markup', this.offset + bad, snippetAt(buf, bad));
        return keepFrom;
      }
      if (start > pos) {
        const bad = badGapAt(buf, pos, start);
        if (bad !== -1) sink.error('garbage-between-events', 'text between events is not XML event markup', this.offset + bad, snippetAt(buf, bad));
      }
      // One forward scan finds the next start; the end is then a short search back from it.
      const next = findEventStartIn(buf, start + 6, prefixed);
      const end = next === -1 ? findEventEndIn(buf, start + 6) : lastEventEndIn(buf, start + 6, next);
      if (next !== -1 && end === -1) {
        sink.error('truncated-event', 'event has no </Event> before the next event starts', this.offset + start, snippetAt(buf, start));
        pos = start = next;
        continue;
      }
      if (end === -1) {
        if (length - start <= this.maxEventBytes) return start;
        sink.error('oversized-event', `event is larger than max_event_bytes (${this.maxEventBytes}); skipped`, this.offset + start, snippetAt(buf, start));
        this.skipping = true;
        pos = Math.max(start + 6, length - TAIL_KEEP);
        start = -1;
        continue;
      }
      if (end - start > this.maxEventBytes) {
        sink.error('oversized-event', `event is larger than max_event_bytes (${this.maxEventBytes}); skipped`, this.offset + start, snippetAt(buf, start));
      } else {
        sink.event(start, end, buf, this.offset);
      }
      pos = end;
      start = next;
    }
  }
}
