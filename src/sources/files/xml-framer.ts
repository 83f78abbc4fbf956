// Finds <Event>...</Event> elements in a stream of UTF-8 chunks, with constant memory:
// one event per line or pretty-printed, with or without an <Events> wrapper, with the banner
// evtxexport writes. What lies between events must be white space or wrapper markup; anything
// else, an event that never closes before the next one starts, or one larger than
// max_event_bytes is reported and skipped, and the stream goes on.

import type { DecodeReason } from '../../decode/problem.js';
import { snippet } from '../../decode/problem.js';
import { findEventEnd, findEventStart, isSpace, lastEventEnd, PrefixCache } from '../../decode/event-bounds.js';

export interface FrameSink {
  /** An event at s[a, b); s is `buf` read as latin1 (index == byte offset). fileOffset is the absolute offset of s[0]. */
  event(s: string, a: number, b: number, buf: Buffer, fileOffset: number): void;
  /** Called once per chunk before its events, so decoders can cache per-chunk state. */
  chunk(s: string, buf: Buffer): void;
  error(reason: DecodeReason, message: string, offset: number, snippet: string): void;
}

/**
 * Is s[from, to) only white space and wrapper markup (<?xml?>, <!-- -->, <!DOCTYPE>, <Events>,
 * </Events>)? Returns the offset of the first offending character, or -1.
 */
export function badGapAt(s: string, from: number, to: number): number {
  let i = from;
  while (i < to) {
    const c = s.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c !== 60) return i;
    let close: number;
    if (s.startsWith('<?', i)) close = s.indexOf('?>', i) + 2;
    else if (s.startsWith('<!--', i)) close = s.indexOf('-->', i) + 3;
    else if (s.startsWith('<!DOCTYPE', i)) close = s.indexOf('>', i) + 1;
    else if (s.startsWith('<Events', i) || s.startsWith('</Events', i)) close = s.indexOf('>', i) + 1;
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
    const s = buf.toString('latin1');
    sink.chunk(s, buf);
    let pos = 0;
    if (this.atStart) {
      const m = BANNER.exec(s.slice(0, 64));
      if (m !== null) pos = m[0].length;
      else if (s.length < 64 && !s.includes('\n')) {
        this.keep(buf, 0);
        return;
      }
      this.atStart = false;
    }
    pos = this.scan(s, buf, pos, sink);
    this.keep(buf, pos);
  }

  /** End of input: whatever is pending is a truncated event or trailing garbage. */
  end(sink: FrameSink): void {
    if (this.pending === null) return;
    const buf = this.pending;
    this.pending = null;
    const s = buf.toString('latin1');
    if (this.skipping) return;
    const start = findEventStart(s, 0);
    const gapEnd = start === -1 ? s.length : start;
    const bad = badGapAt(s, 0, gapEnd);
    if (bad !== -1) sink.error('garbage-between-events', 'text between events is not XML event markup', this.offset + bad, snippet(s, bad));
    if (start !== -1) sink.error('truncated-event', 'input ends inside an event (no </Event>)', this.offset + start, snippet(s, start));
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

  /** Frame events in s from pos; returns the offset from which bytes must be kept for the next chunk. */
  private scan(s: string, buf: Buffer, pos: number, sink: FrameSink): number {
    const prefixed = new PrefixCache(s);
    let start = findEventStart(s, pos, prefixed);
    for (;;) {
      if (this.skipping) {
        const end = findEventEnd(s, pos);
        if (end === -1 && start === -1) return Math.max(pos, s.length - TAIL_KEEP);
        this.skipping = false;
        if (end !== -1 && (start === -1 || end < start)) {
          pos = end;
          if (start !== -1 && start < pos) start = findEventStart(s, pos, prefixed);
        } else {
          pos = start;
        }
        continue;
      }
      if (start === -1) {
        // Keep a trailing '<...' (maybe a split tag) for the next chunk; check the rest of the gap now.
        const lastLt = s.lastIndexOf('<');
        let keepFrom = lastLt >= pos ? lastLt : s.length;
        if (s.length - keepFrom > this.maxEventBytes) keepFrom = s.length - TAIL_KEEP;
        const bad = badGapAt(s, pos, keepFrom);
        if (bad !== -1) sink.error('garbage-between-events', 'text between events is not XML event markup', this.offset + bad, snippet(s, bad));
        return keepFrom;
      }
      if (start > pos) {
        const bad = badGapAt(s, pos, start);
        if (bad !== -1) sink.error('garbage-between-events', 'text between events is not XML event markup', this.offset + bad, snippet(s, bad));
      }
      // One forward scan finds the next start; the end is then a short search back from it.
      const next = findEventStart(s, start + 6, prefixed);
      const end = next === -1 ? findEventEnd(s, start + 6) : lastEventEnd(s, start + 6, next);
      if (next !== -1 && end === -1) {
        sink.error('truncated-event', 'event has no </Event> before the next event starts', this.offset + start, snippet(s, start));
        pos = start = next;
        continue;
      }
      if (end === -1) {
        if (s.length - start <= this.maxEventBytes) return start;
        sink.error('oversized-event', `event is larger than max_event_bytes (${this.maxEventBytes}); skipped`, this.offset + start, snippet(s, start));
        this.skipping = true;
        pos = Math.max(start + 6, s.length - TAIL_KEEP);
        start = -1;
        continue;
      }
      if (end - start > this.maxEventBytes) {
        sink.error('oversized-event', `event is larger than max_event_bytes (${this.maxEventBytes}); skipped`, this.offset + start, snippet(s, start));
      } else {
        sink.event(s, start, end, buf, this.offset);
      }
      pos = end;
      start = next;
    }
  }
}
