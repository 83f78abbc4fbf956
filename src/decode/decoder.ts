// One entry point per input shape: XML ranges in a chunk of bytes (files), one XML message as
// bytes (Kafka) or as text (JSON fields holding XML), one JSON line. Each tries the fast path
// (ByteEventScanner on bytes, FastEventScanner on text) and falls back to the reference parser for
// shapes the fast path does not recognise.

import { isAscii, isUtf8 } from 'node:buffer';
import type { DecodeCounters } from './counters.js';
import { ByteEventScanner, NESTED } from './byte-scanner.js';
import type { SysmonEvent } from './event.js';
import { FastEventScanner, UNRECOGNISED } from './fast-xml.js';
import { decodeJsonLine, xmlOfJson } from './json-layouts.js';
import { eventStartBetween, findEventStart, findEventStartIn } from './event-bounds.js';
import { DecodeProblem } from './problem.js';
import { decodeWithReferenceParser } from './reference-xml.js';

const EVENT_END = Buffer.from('</Event>', 'latin1');
const ESCAPED_U = Buffer.from('\\u', 'latin1');

/**
 * Whether the JSON text holds a unicode escape: a backslash and 'u' after an even run of
 * backslashes (the path C:\users, written "C:\\users" in JSON, holds none).
 */
function hasUnicodeEscape(line: Buffer): boolean {
  for (let i = line.indexOf(ESCAPED_U); i !== -1; i = line.indexOf(ESCAPED_U, i + 2)) {
    let k = i;
    while (k > 0 && line[k - 1] === 92) k--;
    if (((i - k) & 1) === 0) return true;
  }
  return false;
}

export type DecodeOutcome = SysmonEvent | DecodeProblem | null;

export class SysmonDecoder {
  // Separate scanners: the chunk scanner points at its chunk between calls, which a one-off
  // decode of a message must not move.
  private readonly chunkScanner: ByteEventScanner;
  private readonly textScanner: FastEventScanner;
  private readonly stringScanner: FastEventScanner;
  private readonly bytesScanner: ByteEventScanner;

  constructor(readonly counters: DecodeCounters) {
    this.chunkScanner = new ByteEventScanner(counters);
    this.textScanner = new FastEventScanner(counters);
    this.stringScanner = new FastEventScanner(counters);
    this.bytesScanner = new ByteEventScanner(counters);
  }

  /** Start a new chunk of UTF-8 bytes; decodeBytes takes offsets into it. */
  beginBytes(buf: Buffer): void {
    this.chunkScanner.reset(buf);
  }

  /**
   * Decode the event at buf[a, b) of the current chunk (beginBytes). check: the frame may hold
   * another event's start (XmlFrames.unchecked); if it does, NESTED, with nothing counted.
   */
  decodeBytes(a: number, b: number, buf: Buffer): DecodeOutcome;
  decodeBytes(a: number, b: number, buf: Buffer, check: boolean): DecodeOutcome | typeof NESTED;
  decodeBytes(a: number, b: number, buf: Buffer, check = false): DecodeOutcome | typeof NESTED {
    const r = this.chunkScanner.scan(a, b, check);
    if (r !== UNRECOGNISED) {
      if (r !== null && r !== NESTED) this.counters.fastPath++;
      return r;
    }
    this.counters.fallbackPath++;
    return decodeWithReferenceParser(buf.toString('utf8', a, b), this.counters);
  }

  /**
   * Start a new chunk given as text `s`, or as bytes `buf` (then `s`, once its latin1 view, is not
   * read: as beginBytes).
   */
  beginChunk(s: string, buf: Buffer | null): void {
    if (buf === null) this.textScanner.reset(s);
    else this.chunkScanner.reset(buf);
  }

  /** Decode the event at s[a, b) of the current chunk, i.e. at buf[base + a, base + b) when there is `buf`. */
  decodeRange(s: string, a: number, b: number, buf: Buffer | null, base = 0): DecodeOutcome {
    if (buf !== null) return this.decodeBytes(base + a, base + b, buf);
    const r = this.textScanner.scan(a, b);
    if (r !== UNRECOGNISED) {
      if (r !== null) this.counters.fastPath++;
      return r;
    }
    this.counters.fallbackPath++;
    return decodeWithReferenceParser(s.slice(a, b), this.counters);
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
    const a = findEventStartIn(bytes, 0);
    const end = bytes.lastIndexOf(EVENT_END);
    if (a !== -1 && end !== -1 && end > a) {
      this.bytesScanner.reset(bytes);
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
    if (value[i] === 123 /* { */) return this.decodeJsonAt(value, 0, value.length);
    return this.decodeXmlBytes(value);
  }

  /** Decode the JSON line buf[a, b) (UTF-8): from its bytes where decodeJsonBytes can, else as text. */
  decodeJsonAt(buf: Buffer, a: number, b: number): DecodeOutcome {
    const r = this.decodeJsonBytes(buf, a, b);
    // undefined, not null (an event skipped after its EventID, counted): the text path's line.
    return r !== undefined ? r : this.decodeJson(buf.toString('utf8', a, b));
  }

  /**
   * Decode the JSON line buf[a, b) (UTF-8) without decoding it as UTF-8, the slowest step of the
   * text path when a line holds any character past ASCII (Sysmon's Product, 'Microsoft® Windows®',
   * puts one in most process events): a line of ASCII is read as Latin-1, which is then the same
   * text. A line in the forwarders' XML layouts (Winlogbeat's event.original, NXLog's EventXML)
   * is parsed as Latin-1 too, its XML string then being its UTF-8 bytes one per character, which
   * the byte scanner reads; that holds only while no \u escape gives a character of its own and
   * the bytes are UTF-8. undefined: decodeJson's line (the text path), as are lines JSON.parse
   * refuses, so that their error says what it says there.
   */
  decodeJsonBytes(buf: Buffer, a: number, b: number): DecodeOutcome | undefined {
    const line = buf.subarray(a, b);
    if (isAscii(line)) return this.decodeJson(line.toString('latin1'));
    // Only the XML layouts pay for a parse here; the others would be parsed twice.
    if (eventStartBetween(line, 0, line.length) === -1 || hasUnicodeEscape(line) || !isUtf8(line)) return undefined;
    let obj: unknown;
    try {
      obj = JSON.parse(line.toString('latin1'));
    } catch {
      return undefined;
    }
    const xml = xmlOfJson(obj);
    return xml === undefined ? undefined : this.decodeXmlBytes(Buffer.from(xml, 'latin1'));
  }

  /** Decode one JSON line in any known forwarder layout. */
  decodeJson(line: string): DecodeOutcome {
    return decodeJsonLine(line, this);
  }
}
