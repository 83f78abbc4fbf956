// Finds <Event>...</Event> elements in a stream of UTF-8 chunks, with constant memory:
// one event per line or pretty-printed, with or without an <Events> wrapper, with the banner
// evtxexport writes. What lies between events must be white space or wrapper markup; anything
// else, an event that never closes before the next one starts, or one larger than
// max_event_bytes is reported and skipped, and the stream goes on.

import type { DecodeReason } from '../../decode/problem.js';
import { BytePrefixCache, GARBAGE, NO_END_BEFORE_NEXT, badGapAt, eventStartAfterSpace, findEventEndIn, findEventStartIn, lastEventEndIn, snippetAt } from '../../decode/event-bounds.js';

export interface FrameSink {
  /**
   * An event at buf[a, b) (byte offsets). fileOffset is the absolute offset of buf[0]. byEndTag:
   * cut at its first '</Event>' without a search for event starts inside (see XmlEventFramer's
   * `decoderChecks`).
   */
  event(a: number, b: number, buf: Buffer, fileOffset: number, byEndTag: boolean): void;
  /** Called once per chunk before its events, so decoders can cache per-chunk state. */
  chunk(buf: Buffer): void;
  error(reason: DecodeReason, message: string, offset: number, snippet: string): void;
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

  /**
   * decoderChecks: where an event's first '</Event>' is followed by white space and the next
   * event start, the event is cut there with one search (the end tag's) instead of a search for
   * the next start, which stops at each '<EventID', '<EventRecordID' and '<EventData' on the way.
   * Such a frame is exact only if no event starts inside it: the consumer must check that (the
   * decoder does, as it reads the tags: XmlFrames.unchecked) and frame again the rare one that
   * holds a start (frameBetweenStarts).
   */
  constructor(
    private readonly maxEventBytes: number,
    private readonly decoderChecks = false,
  ) {}

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
    if (bad !== -1) sink.error('garbage-between-events', GARBAGE, this.offset + bad, snippetAt(buf, bad));
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
        if (bad !== -1) sink.error('garbage-between-events', GARBAGE, this.offset + bad, snippetAt(buf, bad));
        return keepFrom;
      }
      if (start > pos) {
        const bad = badGapAt(buf, pos, start);
        if (bad !== -1) sink.error('garbage-between-events', GARBAGE, this.offset + bad, snippetAt(buf, bad));
      }
      if (this.decoderChecks && prefixed.next(start) === -1) {
        const e = findEventEndIn(buf, start + 6);
        const n = e === -1 || e - start > this.maxEventBytes ? -1 : eventStartAfterSpace(buf, e);
        if (n !== -1) {
          sink.event(start, e, buf, this.offset, true);
          pos = e;
          start = n;
          continue;
        }
      }
      // One forward scan finds the next start; the end is then a short search back from it.
      const next = findEventStartIn(buf, start + 6, prefixed);
      const end = next === -1 ? findEventEndIn(buf, start + 6) : lastEventEndIn(buf, start + 6, next);
      if (next !== -1 && end === -1) {
        sink.error('truncated-event', NO_END_BEFORE_NEXT, this.offset + start, snippetAt(buf, start));
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
        sink.event(start, end, buf, this.offset, false);
      }
      pos = end;
      start = next;
    }
  }
}
