// One entry point per input shape: XML ranges in a chunk (files), one XML string (Kafka
// messages, JSON fields holding XML), one JSON line. Each tries the fast path and falls back to
// the reference parser for shapes the fast path does not recognise.

import type { DecodeCounters } from './counters.js';
import type { SysmonEvent } from './event.js';
import { FastEventScanner, UNRECOGNISED } from './fast-xml.js';
import { decodeJsonLine } from './json-layouts.js';
import { findEventStart } from './event-bounds.js';
import { DecodeProblem } from './problem.js';
import { decodeWithReferenceParser } from './reference-xml.js';

const utf8 = new TextDecoder('utf-8', { fatal: false });

export type DecodeOutcome = SysmonEvent | DecodeProblem | null;

export class SysmonDecoder {
  // Two scanners: the chunk scanner keeps per-chunk caches that a one-off string decode must not reset.
  private readonly chunkScanner: FastEventScanner;
  private readonly stringScanner: FastEventScanner;
  private readonly bytesScanner: FastEventScanner;

  constructor(readonly counters: DecodeCounters) {
    this.chunkScanner = new FastEventScanner(counters);
    this.stringScanner = new FastEventScanner(counters);
    this.bytesScanner = new FastEventScanner(counters);
  }

  /** Start a new chunk: `s` is `buf` read as latin1 from `base` (see FastEventScanner.reset). */
  beginChunk(s: string, buf: Buffer | null, base = 0): void {
    this.chunkScanner.reset(s, buf, base);
  }

  /** Decode the event at s[a, b) of the current chunk. */
  decodeRange(s: string, a: number, b: number, buf: Buffer | null, base = 0): DecodeOutcome {
    const r = this.chunkScanner.scan(a, b);
    if (r !== UNRECOGNISED) {
      if (r !== null) this.counters.fastPath++;
      return r;
    }
    this.counters.fallbackPath++;
    const text = buf === null ? s.slice(a, b) : buf.toString('utf8', base + a, base + b);
    return decodeWithReferenceParser(text, this.counters);
  }

  /** Decode one event given as text. Leading/trailing white space and an <Events> wrapper are tolerated. */
  decodeXml(text: string): DecodeOutcome {
    const a = findEventStart(text, 0);
    const end = text.lastIndexOf('</Event>');
    if (a !== -1 && end !== -1 && end > a) {
      this.stringScanner.reset(text);
      const r = this.stringScanner.scan(a, end + 8);
      if (r !== UNRECOGNISED) {
        if (r !== null) this.counters.fastPath++;
        return r;
      }
    }
    this.counters.fallbackPath++;
    return decodeWithReferenceParser(text.trim(), this.counters);
  }

  /**
   * Decode one event given as UTF-8 bytes (a Kafka message): scanned on a latin1 view of the
   * bytes like file chunks, so only the values kept are UTF-8 decoded.
   */
  decodeXmlBytes(bytes: Buffer): DecodeOutcome {
    const s = bytes.toString('latin1');
    const a = findEventStart(s, 0);
    const end = s.lastIndexOf('</Event>');
    if (a !== -1 && end !== -1 && end > a) {
      this.bytesScanner.reset(s, bytes);
      const r = this.bytesScanner.scan(a, end + 8);
      if (r !== UNRECOGNISED) {
        if (r !== null) this.counters.fastPath++;
        return r;
      }
    }
    this.counters.fallbackPath++;
    return decodeWithReferenceParser(bytes.toString('utf8').trim(), this.counters);
  }

  /**
   * Decode one message value: JSON layouts (Winlogbeat event.original, NXLog EventXML, flat)
   * start with '{', Windows Event XML with '<'. The one place every source's values are told apart.
   */
  decodeValue(value: Buffer | null): DecodeOutcome {
    if (value === null || value.length === 0) return new DecodeProblem('unreadable-input', 'message has no value');
    let i = 0;
    while (i < value.length && value[i] <= 32) i++;
    if (value[i] === 123 /* { */) return this.decodeJson(utf8.decode(value));
    return this.decodeXmlBytes(value);
  }

  /** Decode one JSON line in any known forwarder layout. */
  decodeJson(line: string): DecodeOutcome {
    return decodeJsonLine(line, this);
  }
}
