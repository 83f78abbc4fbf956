// The fast path on bytes: FastEventScanner's reading of the canonical Windows Event XML shape,
// done on the UTF-8 bytes of the input (a file chunk, a Kafka message) instead of a latin1 string
// of them. Every decision is the one FastEventScanner makes on the latin1 view, byte for char
// (same shapes taken, same UNRECOGNISED, same values, same problems and counters); what changes
// is how it is done:
//   - bytes are read from the Buffer (typed-array loads), not with charCodeAt on a 1 MiB external
//     string made per chunk, so the framer makes no such string at all;
//   - '<' is searched for eight bytes per loop (two 32-bit loads); the start tag Sysmon writes
//     next, with the end of the value before it (`</Data><Data Name='X'>`), is compared eight
//     bytes per load; System's tags are told apart by the 32-bit words that spell them;
//   - a value is made straight from its bytes as UTF-8 (one call, whatever it holds: for ASCII the
//     same string as the latin1 view), so there is no per-value test for bytes >= 0x80; entities
//     are then decoded in the text as before;
//   - the values that repeat (images, users, LogonIds, the host, command lines, registry paths
//     and data, the GUIDs of registry writers) are found by their bytes (ByteValueCache), with no
//     string made on a hit;
//   - EventID, EventRecordID, the provider name and UtcTime are read where they lie.
// Shapes outside the canonical one return UNRECOGNISED, and the caller hands the event to
// fast-xml-parser, as with FastEventScanner.

import { ByteValueCache } from './byte-cache.js';
import type { DecodeCounters } from './counters.js';
import { F, FIELD_NAMES, bytePattern, dataOrder, dataTagPatterns, fieldCodeIn, matchIn, matchPattern, type BytePattern } from './data-names.js';
import { decodeEntities } from './entities.js';
import { GUID_WORDS, SYSMON_PROVIDER, SysmonEvent } from './event.js';
import { UNRECOGNISED, type ScanResult } from './fast-xml.js';
import { eventStartAt, eventStartBetween } from './event-bounds.js';
import { badUtcTime, checkSystem, isWantedSystem, keepOwnFields, missingComputer, normaliseGuid, normaliseLogonId, parseIntField, parseUtcTime, parseUtcTimeIn, type SystemFields } from './fields.js';
import { hostKeyOf, strings } from './intern.js';
import { GuidWords, putGuidWords } from './guid-words.js';
import { DecodeProblem } from './problem.js';

/** scan's answer for a frame that holds another event's start (when asked to check). */
export const NESTED = Symbol('nested');

/** Node's Buffer has these (Buffer#toString calls them after checking its arguments). */
type SlicingBuffer = Buffer & { utf8Slice(a: number, b: number): string };

const GT = 62;
const SLASH = 47;
const QUOT = 34;
const LT = 60;
const AMP = 38;
const APOS = 39;

const SYSMON_NAME = [bytePattern(`<Provider Name='${SYSMON_PROVIDER}'`), bytePattern(`<Provider Name="${SYSMON_PROVIDER}"`)];

/** Four ASCII characters as the little-endian 32-bit word DataView.getInt32(at, true) reads. */
function w4(s: string): number {
  return s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24);
}
const W_END_SY = w4('</Sy');
const W_STEM = w4('stem');
const W_EVE = w4('<Eve');
/** 'nt' in the low half of a word: '<Eve' 'nt' is an event's start tag when the name ends there. */
const NT = 0x746e;
const W_NTID = w4('ntID');
const W_NTRE = w4('ntRe');
const W_CORD = w4('cord');
const W_PRO = w4('<Pro');
const W_VIDE = w4('vide');
const W_CHA = w4('<Cha');
const W_NNEL = w4('nnel');
const W_COM = w4('<Com');
const W_PUTE = w4('pute');
const W_END_DA = w4('</Da');
const W_ATA = w4('ata>');
/** '<' in each byte: a word x ^ LT4 has a zero byte where x has '<'. */
const LT4 = 0x3c3c3c3c;
const EMPTY = Buffer.alloc(0) as SlicingBuffer;

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function endsName(c: number): boolean {
  return c === GT || c === SLASH || isSpace(c);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Entities decoded, as FastEventScanner does after UTF-8 decoding. */
function withEntities(v: string): string {
  return v.indexOf('&') === -1 ? v : decodeEntities(v);
}

export class ByteEventScanner {
  private buf: SlicingBuffer = EMPTY;
  private dv = new DataView(EMPTY.buffer, EMPTY.byteOffset, 0);
  private length = 0;
  /** The last '<' of the event being scanned: a forward search for '<' that starts at or before it stops at or before it. */
  private lastLt = -1;
  private tagEventId = -1;
  private tagRecordId = -1;
  private tagProvider = -1;
  private tagChannel = -1;
  private tagComputer = -1;
  /** Where textRange found an element's text: [textStart, textEnd); -1 when it has none. */
  private textStart = -1;
  private textEnd = -1;
  /** scan checks the frame for event starts inside it (XmlFrames.unchecked). */
  private checking = false;
  /** walkSystem met an event start (when checking). */
  private nested = false;
  /** Up to where scanEventData looked at every '<' (none of them an event start); its start when not through '</EventData>'. */
  private checkedTo = 0;
  private readonly sys: SystemFields = { eventId: 0, computer: '', recordId: 0, provider: '', channel: '' };
  private readonly interned = new ByteValueCache();
  private readonly logonIds = new ByteValueCache(20_000);
  private readonly hosts = new ByteValueCache(20_000);
  /** Other values that repeat from event to event (command lines, registry paths and data; the GUIDs of registry writers). */
  private readonly texts = new ByteValueCache();
  private readonly guids = new ByteValueCache();
  /** The words of the last GUID guid() or guidAt() read, when it was canonical (`wordsRead`). */
  private readonly words = new GuidWords();
  private wordsRead = false;

  constructor(private readonly counters: DecodeCounters) {}

  /** Point the scanner at new input: UTF-8 bytes; scan() takes offsets into them. */
  reset(buf: Buffer): void {
    if (buf === this.buf) return;
    this.buf = buf as SlicingBuffer;
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.length = buf.length;
  }

  /**
   * Decode the event in buf[a, b), which starts with '<Event' and ends with '</Event>'. check: the
   * frame may hold another event's start (XmlFrames.unchecked); if it does, NESTED, with nothing
   * counted. The '<'s the reading visits anyway are looked at for it, and the rest searched.
   */
  scan(a: number, b: number): ScanResult;
  scan(a: number, b: number, check: boolean): ScanResult | typeof NESTED;
  scan(a: number, b: number, check = false): ScanResult | typeof NESTED {
    const buf = this.buf;
    this.checking = check;
    this.nested = false;
    if (buf[a + 1] !== 69 /* E: '<Event', not a prefixed '<e:Event' */) return this.unrecognised(a, b);
    let z = b - 1;
    while (z >= a && buf[z] !== LT) z--;
    this.lastLt = z;
    // The first '<System>' (FastEventScanner: indexOf from a, none before b: UNRECOGNISED).
    let sysStart = this.nextLt(a);
    while (sysStart !== -1 && !matchIn(buf, sysStart, '<System>')) {
      if (check && sysStart > a && eventStartAt(buf, sysStart)) return NESTED;
      sysStart = this.nextLt(sysStart + 1);
    }
    // Every '<' was looked at.
    if (sysStart === -1) return UNRECOGNISED;
    const sysEnd = this.walkSystem(sysStart);
    if (sysEnd === -1 || this.tagEventId === -1 || (this.tagProvider === -1 && this.tagChannel === -1)) return this.unrecognised(a, b);

    const sys = this.sys;
    sys.eventId = this.eventIdAt(this.tagEventId, b);
    sys.provider = this.tagProvider === -1 ? '' : this.providerAt(this.tagProvider, b);
    sys.channel = sys.provider === '' && this.tagChannel !== -1 ? this.elementText(this.tagChannel, b).trim() : '';
    if (check) return this.checkedRest(sysEnd, b);
    const ok = checkSystem(sys, this.counters);
    if (ok !== true) return ok;
    sys.computer = this.tagComputer === -1 ? '' : this.computerAt(this.tagComputer, b);
    if (sys.computer === '') return missingComputer(sys.eventId);
    sys.recordId = this.tagRecordId === -1 ? 0 : this.recordIdAt(this.tagRecordId, b);

    return this.scanEventData(sysEnd, b);
  }

  /** UNRECOGNISED, or NESTED when checking and an event starts inside buf[a, b) (nothing counted yet). */
  private unrecognised(a: number, b: number): typeof UNRECOGNISED | typeof NESTED {
    return this.checking && (this.nested || eventStartBetween(this.buf, a + 6, b) !== -1) ? NESTED : UNRECOGNISED;
  }

  /**
   * The rest of scan when checking, from the System read (no event start up to sysEnd): as scan,
   * with the EventID counted (checkSystem) only once the frame is known to hold no other start.
   */
  private checkedRest(sysEnd: number, b: number): ScanResult | typeof NESTED {
    const sys = this.sys;
    const buf = this.buf;
    // Skipped events: the rest is searched, as EventData is not read.
    if (!isWantedSystem(sys)) {
      if (eventStartBetween(buf, sysEnd, b) !== -1) return NESTED;
      const ok = checkSystem(sys, this.counters);
      return ok === true ? null : ok;
    }
    sys.computer = this.tagComputer === -1 ? '' : this.computerAt(this.tagComputer, b);
    if (sys.computer === '') {
      if (eventStartBetween(buf, sysEnd, b) !== -1) return NESTED;
      checkSystem(sys, this.counters);
      return missingComputer(sys.eventId);
    }
    sys.recordId = this.tagRecordId === -1 ? 0 : this.recordIdAt(this.tagRecordId, b);
    const r = this.scanEventData(sysEnd, b);
    // Through '</EventData>' and '</Event>' after it, every '<' was looked at.
    let t = this.checkedTo;
    while (t < b && isSpace(buf[t])) t++;
    if (t < b - 8 && eventStartBetween(buf, t, b) !== -1) return NESTED;
    checkSystem(sys, this.counters);
    return r;
  }

  /** The first '<' at or after i in the event; -1 if none. */
  private nextLt(i: number): number {
    const last = this.lastLt;
    if (i > last) return -1;
    // Eight bytes per loop while they lie before the event's last '<' (which stops the search):
    // a word x ^ LT4 has a zero byte where x holds '<', and z = (y - 0x01..) & ~y & 0x80.. flags
    // the first zero byte of y in its lowest set bit.
    const dv = this.dv;
    while (i + 8 <= last) {
      let y = dv.getInt32(i, true) ^ LT4;
      let z = (y - 0x01010101) & ~y & 0x80808080;
      if (z !== 0) return i + ((31 - Math.clz32(z & -z)) >> 3);
      y = dv.getInt32(i + 4, true) ^ LT4;
      z = (y - 0x01010101) & ~y & 0x80808080;
      if (z !== 0) return i + 4 + ((31 - Math.clz32(z & -z)) >> 3);
      i += 8;
    }
    const buf = this.buf;
    while (buf[i] !== LT) i++;
    return i;
  }

  /**
   * As FastEventScanner.walkSystem: the tags it notes, told apart by the 32-bit words that
   * spell them ('<Eve' 'ntID'...), where 16 bytes from the '<' are there to read.
   */
  private walkSystem(sysStart: number): number {
    const buf = this.buf;
    const dv = this.dv;
    const length = this.length;
    this.tagEventId = this.tagRecordId = this.tagProvider = this.tagChannel = this.tagComputer = -1;
    let p = sysStart + 8;
    for (;;) {
      const lt = this.nextLt(p);
      if (lt === -1) return -1;
      if (lt + 16 > length) return this.walkSystemFrom(lt);
      const w = dv.getInt32(lt, true);
      if (w === W_END_SY) {
        if (dv.getInt32(lt + 4, true) === W_STEM && buf[lt + 8] === GT) return lt;
      } else if (w === W_EVE) {
        const w1 = dv.getInt32(lt + 4, true);
        if (w1 === W_NTID && endsName(buf[lt + 8])) this.tagEventId = lt;
        else if (w1 === W_NTRE && dv.getInt32(lt + 8, true) === W_CORD && buf[lt + 12] === 73 && buf[lt + 13] === 68 && endsName(buf[lt + 14])) this.tagRecordId = lt;
        else if (this.checking && (w1 & 0xffff) === NT && endsName(buf[lt + 6])) {
          this.nested = true;
          return -1;
        }
      } else if (w === W_PRO) {
        if (dv.getInt32(lt + 4, true) === W_VIDE && buf[lt + 8] === 114 && endsName(buf[lt + 9])) this.tagProvider = lt;
      } else if (w === W_CHA) {
        if (dv.getInt32(lt + 4, true) === W_NNEL && endsName(buf[lt + 8])) this.tagChannel = lt;
      } else if (w === W_COM) {
        if (dv.getInt32(lt + 4, true) === W_PUTE && buf[lt + 8] === 114 && endsName(buf[lt + 9])) this.tagComputer = lt;
      } else {
        const c = buf[lt + 1];
        if (c === 33 || c === 63) return -1; // <! or <?
        // The walk goes on after the next byte: a '<' there is looked at here.
        if (c === LT && this.checking && eventStartAt(buf, lt + 1)) {
          this.nested = true;
          return -1;
        }
      }
      p = lt + 2;
    }
  }

  /** walkSystem on from the tag at `lt`, byte by byte (near the end of the buffer, where words do not fit). */
  private walkSystemFrom(lt: number): number {
    const buf = this.buf;
    for (;;) {
      const c = buf[lt + 1];
      if (c === SLASH) {
        if (buf[lt + 2] === 83 /* S */ && matchIn(buf, lt, '</System>')) return lt;
      } else if (c === 33 || c === 63) {
        return -1; // <! or <?
      } else if (c === 69) {
        if (matchIn(buf, lt + 1, 'EventID') && endsName(buf[lt + 8])) this.tagEventId = lt;
        else if (matchIn(buf, lt + 1, 'EventRecordID') && endsName(buf[lt + 14])) this.tagRecordId = lt;
        else if (this.checking && eventStartAt(buf, lt)) {
          this.nested = true;
          return -1;
        }
      } else if (c === LT && this.checking && eventStartAt(buf, lt + 1)) {
        this.nested = true;
        return -1;
      } else if (c === 80) {
        if (matchIn(buf, lt + 1, 'Provider') && endsName(buf[lt + 9])) this.tagProvider = lt;
      } else if (c === 67) {
        if (matchIn(buf, lt + 1, 'Channel') && endsName(buf[lt + 8])) this.tagChannel = lt;
        else if (matchIn(buf, lt + 1, 'Computer') && endsName(buf[lt + 9])) this.tagComputer = lt;
      }
      lt = this.nextLt(lt + 2);
      if (lt === -1) return -1;
    }
  }

  /**
   * Where the text of the element whose start tag begins at `tag` lies: textStart/textEnd, or
   * -1 for none (<X/>, no end), as FastEventScanner.textAt finds it.
   */
  private textRange(tag: number, b: number, nameEnd = 0): void {
    const buf = this.buf;
    // The start tag's name is nameEnd long: a '>' right after it is the first '>'.
    let gt = buf[tag + nameEnd] === GT && nameEnd > 0 ? tag + nameEnd : tag;
    while (gt < b && buf[gt] !== GT) gt++;
    this.textStart = this.textEnd = -1;
    if (gt >= b || buf[gt - 1] === SLASH) return;
    const end = this.nextLt(gt + 1);
    if (end === -1) return;
    this.textStart = gt + 1;
    this.textEnd = end;
  }

  /** FastEventScanner.textAt. */
  private elementText(tag: number, b: number): string {
    this.textRange(tag, b);
    return this.textStart === -1 ? '' : this.value(this.textStart, this.textEnd);
  }

  /** The EventID: NaN when absent or not a number. */
  private eventIdAt(tag: number, b: number): number {
    this.textRange(tag, b, 8);
    const vs = this.textStart;
    const ve = this.textEnd;
    if (vs === -1 || vs === ve) return NaN;
    const buf = this.buf;
    let n = 0;
    for (let i = vs; i < ve; i++) {
      const c = buf[i];
      if (!isDigit(c)) {
        // Anything but plain digits (white space, entities, a sign) as FastEventScanner reads it.
        const id = parseIntField(this.value(vs, ve).trim());
        return id === -1 ? NaN : id;
      }
      n = n * 10 + (c - 48);
    }
    return n;
  }

  /** EventRecordID, 0 when absent or not a number. */
  private recordIdAt(tag: number, b: number): number {
    this.textRange(tag, b, 14);
    const vs = this.textStart;
    const ve = this.textEnd;
    if (vs === -1) return 0;
    const buf = this.buf;
    let n = 0;
    for (let i = vs; i < ve; i++) {
      const c = buf[i];
      if (!isDigit(c)) return Math.max(0, parseIntField(this.value(vs, ve)));
      n = n * 10 + (c - 48);
    }
    return vs === ve ? 0 : n;
  }

  /** The Computer, trimmed and interned; '' when absent. */
  private computerAt(tag: number, b: number): string {
    this.textRange(tag, b, 9);
    const vs = this.textStart;
    const ve = this.textEnd;
    if (vs === -1 || vs === ve) return '';
    const hit = this.hosts.get(this.buf, this.dv, vs, ve);
    return hit !== undefined ? hit : this.hosts.insert(this.buf, vs, ve, strings.intern(this.value(vs, ve).trim()));
  }

  /** As FastEventScanner.nameAttribute; the Sysmon provider's name without making a string. */
  private providerAt(tag: number, b: number): string {
    // `<Provider Name='Microsoft-Windows-Sysmon'`: the first 'Name' after a space, no '>' before
    // the closing quote, and '</System>' after it holds the '>' that ends the tag.
    if (tag + 41 <= this.length && (matchPattern(this.dv, tag, SYSMON_NAME[0]) || matchPattern(this.dv, tag, SYSMON_NAME[1]))) return SYSMON_PROVIDER;
    const buf = this.buf;
    let gt = tag;
    while (gt < b && buf[gt] !== GT) gt++;
    if (gt >= b) return '';
    for (let a = tag; a < gt; a++) {
      if (buf[a] !== 78 /* N */ || buf[a + 1] !== 97 || buf[a + 2] !== 109 || buf[a + 3] !== 101) continue;
      if (isSpace(buf[a - 1]) && buf[a + 4] === 61 /* = */) {
        const quote = buf[a + 5];
        if (quote !== QUOT && quote !== APOS) return '';
        let end = a + 6;
        while (end < gt && buf[end] !== quote) end++;
        if (end >= gt) return '';
        if (end - (a + 6) === SYSMON_PROVIDER.length && matchIn(buf, a + 6, SYSMON_PROVIDER)) return SYSMON_PROVIDER;
        return this.value(a + 6, end);
      }
    }
    return '';
  }

  private scanEventData(from: number, b: number): ScanResult {
    const buf = this.buf;
    const dv = this.dv;
    const length = this.length;
    const sys = this.sys;
    const ev = new SysmonEvent();
    ev.eventId = sys.eventId;
    ev.host = sys.computer;
    ev.hostKey = hostKeyOf(sys.computer);
    ev.recordId = sys.recordId;
    let utcStart = -1;
    let utcEnd = -1;
    let sourceGuid = '';
    let sourcePid = -1;
    let sourceImage = '';
    const accessOnly = ev.eventId === 10;
    const order = dataOrder(ev.eventId);
    const patterns = dataTagPatterns(order);
    // The quote of the last Data tag read picks the patterns expected next.
    let tags: readonly BytePattern[] = patterns.tags[0];
    let joined: readonly BytePattern[] = patterns.joined[0];
    let next = 0;
    // Where the next value starts when the end of the last one and the next start tag were read
    // as one ('</Data><Data Name='X'>'); -1 when the next tag is still to be read.
    let nextVs = -1;

    this.checkedTo = from;
    // '<EventData' after nothing but white space.
    let i = from + 9;
    while (isSpace(buf[i])) i++;
    if (i > this.lastLt || !matchIn(buf, i, '<EventData')) return UNRECOGNISED;
    let p = i + 10;
    // Whether a '<' was passed over unlooked-at (in attribute values).
    let passed = false;
    for (; p < b && buf[p] !== GT; p++) if (buf[p] === LT) passed = true;
    if (p >= b) return UNRECOGNISED;
    if (buf[p - 1] === SLASH) return UNRECOGNISED; // <EventData/>: FastEventScanner finds no '<' before b
    p++;
    for (;;) {
      let field: number = F.OTHER;
      let vs: number;
      let ve: number;
      let pattern: BytePattern | undefined;
      if (nextVs !== -1) {
        // Read with the end of the last value: the start tag Sysmon writes next.
        field = order[next++];
        vs = nextVs;
        nextVs = -1;
        ve = buf[vs] === LT && vs <= this.lastLt ? vs : this.nextLt(vs);
        if (ve === -1) return UNRECOGNISED;
        p = this.valueEnd(ve, next, joined);
        if (p === -1) return UNRECOGNISED; // nested markup
        if (p < 0) nextVs = -p;
      } else if (next < order.length && (pattern = tags[next]) !== undefined && p + pattern.length <= length && buf[p] === LT && p <= this.lastLt && matchPattern(dv, p, pattern)) {
        // The start tag Sysmon writes next, whole: '<Data Name=' quote name quote '>'.
        field = order[next++];
        vs = p + pattern.length;
        ve = buf[vs] === LT && vs <= this.lastLt ? vs : this.nextLt(vs);
        if (ve === -1) return UNRECOGNISED;
        p = this.valueEnd(ve, next, joined);
        if (p === -1) return UNRECOGNISED; // nested markup
        if (p < 0) nextVs = -p;
      } else {
        const lt = buf[p] === LT && p <= this.lastLt ? p : this.nextLt(p);
        if (lt === -1) return UNRECOGNISED;
        if (buf[lt + 1] === SLASH) {
          if (!matchIn(buf, lt, '</EventData>')) return UNRECOGNISED;
          if (!passed) this.checkedTo = lt + 12;
          break;
        }
        if (!matchIn(buf, lt, '<Data') || !isSpace(buf[lt + 5])) return UNRECOGNISED;
        let q = lt + 6;
        while (isSpace(buf[q])) q++;
        if (!matchIn(buf, q, 'Name=')) return UNRECOGNISED;
        q += 5;
        const quote = buf[q];
        if (quote !== QUOT && quote !== APOS) return UNRECOGNISED;
        tags = patterns.tags[quote === APOS ? 0 : 1];
        joined = patterns.joined[quote === APOS ? 0 : 1];
        const nameStart = q + 1;
        let nameEnd = -1;
        if (next < order.length) {
          const name = FIELD_NAMES[order[next]];
          if (matchIn(buf, nameStart, name) && buf[nameStart + name.length] === quote) {
            field = order[next++];
            nameEnd = nameStart + name.length;
          }
        }
        if (nameEnd === -1) {
          nameEnd = nameStart;
          for (; nameEnd < b && buf[nameEnd] !== quote; nameEnd++) if (buf[nameEnd] === LT) passed = true;
          if (nameEnd >= b) return UNRECOGNISED;
          field = fieldCodeIn(buf, nameStart, nameEnd - nameStart);
          const at = field === F.OTHER ? -1 : order.indexOf(field);
          if (at !== -1) next = at + 1;
        }
        q = nameEnd + 1;
        while (isSpace(buf[q])) q++;
        const c = buf[q];
        if (c === SLASH && buf[q + 1] === GT) {
          vs = ve = q;
          p = q + 2;
        } else if (c === GT) {
          vs = q + 1;
          ve = this.nextLt(vs);
          if (ve === -1) return UNRECOGNISED;
          p = this.valueEnd(ve, next, joined);
          if (p === -1) return UNRECOGNISED; // nested markup
          if (p < 0) nextVs = -p;
        } else {
          return UNRECOGNISED; // more attributes than Name
        }
      }
      switch (field) {
        case F.UtcTime:
          utcStart = vs;
          utcEnd = ve;
          break;
        case F.ProcessGuid:
          // A creation's own GUID is new: not worth keeping.
          ev.processGuid = ev.eventId === 1 ? this.guid(vs, ve) : this.guidAt(vs, ve);
          if (!accessOnly) this.wordsTo(ev, GUID_WORDS.process);
          break;
        case F.ProcessId:
          ev.processId = this.intAt(vs, ve);
          break;
        case F.Image:
          ev.image = this.internedAt(vs, ve);
          break;
        case F.OriginalFileName:
          ev.originalFileName = this.internedAt(vs, ve);
          break;
        case F.CommandLine:
          ev.commandLine = this.textAt(vs, ve);
          break;
        case F.User:
          ev.user = this.internedAt(vs, ve);
          break;
        case F.LogonId:
          ev.logonId = this.logonIdAt(vs, ve);
          break;
        case F.TerminalSessionId:
          ev.terminalSessionId = this.intAt(vs, ve);
          break;
        case F.ParentProcessGuid:
          // Not cached: a creation's parent is new to the cache more often than not (60% of the
          // corpus' creations), and each miss kept a string that survived to the old space.
          ev.parentProcessGuid = this.guid(vs, ve);
          this.wordsTo(ev, GUID_WORDS.parent);
          break;
        case F.ParentProcessId:
          ev.parentProcessId = this.intAt(vs, ve);
          break;
        case F.ParentImage:
          ev.parentImage = this.internedAt(vs, ve);
          break;
        case F.ParentCommandLine:
          ev.parentCommandLine = this.textAt(vs, ve);
          break;
        case F.ParentUser:
          ev.parentUser = this.internedAt(vs, ve);
          break;
        case F.EventType:
          ev.eventType = this.internedAt(vs, ve);
          break;
        case F.TargetObject:
          ev.targetObject = this.textAt(vs, ve);
          break;
        case F.Details:
          ev.details = this.textAt(vs, ve);
          break;
        case F.NewName:
          ev.newName = this.value(vs, ve);
          break;
        case F.SourceProcessGUID:
          sourceGuid = this.guidAt(vs, ve);
          // An access's process: its words go with the GUID that becomes processGuid below.
          if (accessOnly) this.wordsTo(ev, GUID_WORDS.process);
          break;
        case F.SourceProcessId:
          sourcePid = this.intAt(vs, ve);
          break;
        case F.SourceImage:
          sourceImage = this.internedAt(vs, ve);
          break;
      }
      if (accessOnly && utcStart !== -1 && sourceGuid !== '' && sourcePid !== -1 && sourceImage !== '') {
        if (!passed) this.checkedTo = nextVs !== -1 ? nextVs : p;
        break;
      }
    }
    let t = utcStart === -1 ? NaN : parseUtcTimeIn(buf, utcStart, utcEnd);
    if (Number.isNaN(t) && utcStart !== -1) {
      // Written with entities or bytes the raw view does not show as they are: read it decoded.
      t = parseUtcTime(this.value(utcStart, utcEnd));
    }
    if (Number.isNaN(t)) return badUtcTime(ev.eventId, ev.recordId, utcStart === -1 ? undefined : this.value(utcStart, utcEnd));
    ev.time = t;
    return keepOwnFields(ev, sourceGuid, sourcePid, sourceImage);
  }

  /** '</Data>' at ve (which holds a '<'). */
  private dataEndAt(ve: number): boolean {
    return ve + 7 <= this.length ? this.dv.getInt32(ve, true) === W_END_DA && this.dv.getInt32(ve + 3, true) === W_ATA : matchIn(this.buf, ve, '</Data>');
  }

  /**
   * After a value that ends at ve: where reading goes on (just after its '</Data>'), or, when the
   * start tag Sysmon writes next (the name at `next`) follows it, minus where that next value
   * starts; -1 when there is no '</Data>' at ve.
   */
  private valueEnd(ve: number, next: number, joined: readonly BytePattern[]): number {
    if (next < joined.length) {
      const j = joined[next];
      if (ve + j.length <= this.length && matchPattern(this.dv, ve, j)) return -(ve + j.length);
    }
    return this.dataEndAt(ve) ? ve + 7 : -1;
  }

  /** The value buf[vs, ve) decoded: UTF-8 (for ASCII bytes the same string as the latin1 view), then entities. */
  private value(vs: number, ve: number): string {
    if (vs === ve) return '';
    return withEntities(this.buf.utf8Slice(vs, ve));
  }

  /** A repeating value (image, user...), interned; decoded once per byte spelling. */
  private internedAt(vs: number, ve: number): string {
    if (vs === ve) return '';
    const hit = this.interned.get(this.buf, this.dv, vs, ve);
    return hit !== undefined ? hit : this.interned.insert(this.buf, vs, ve, strings.intern(this.value(vs, ve)));
  }

  /** A value that repeats (a parent's command line, a registry path), decoded once per byte spelling. */
  private textAt(vs: number, ve: number): string {
    if (vs === ve) return '';
    const hit = this.texts.get(this.buf, this.dv, vs, ve);
    return hit !== undefined ? hit : this.texts.insert(this.buf, vs, ve, this.value(vs, ve));
  }

  /**
   * A process GUID that repeats (the process of a registry event), normalised once per byte
   * spelling; its words as guid() reads them.
   */
  private guidAt(vs: number, ve: number): string {
    const canonical = this.words.read(this.buf, this.dv, vs, ve);
    this.wordsRead = canonical;
    if (vs === ve) return '';
    const hit = this.guids.get(this.buf, this.dv, vs, ve);
    const g = hit !== undefined ? hit : this.guids.insert(this.buf, vs, ve, canonical ? this.buf.utf8Slice(vs, ve) : this.guidText(vs, ve));
    // Written otherwise (upper case, entities), it may read as canonical once normalised.
    if (!canonical) this.wordsRead = this.words.readText(g);
    return g;
  }

  /**
   * A process GUID, normalised, and its words (this.words, `wordsRead`); written in the canonical
   * form it has words only, '' for text: the event makes the text from the words if anything
   * reads it (SysmonEvent.processGuid), and most creations' GUIDs are only looked up by words.
   */
  private guid(vs: number, ve: number): string {
    if (this.words.read(this.buf, this.dv, vs, ve)) {
      this.wordsRead = true;
      return '';
    }
    const g = this.guidText(vs, ve);
    this.wordsRead = this.words.readText(g);
    return g;
  }

  /** The words of the GUID read last, or none, as those of the event's processGuid or parentProcessGuid (`which`). */
  private wordsTo(ev: SysmonEvent, which: number): void {
    putGuidWords(ev, which, this.wordsRead ? this.words : null);
  }

  /**
   * normaliseGuid(value): with no 'A'-'Z' and no '&' in the bytes the decoded text has no
   * upper-case letter (bytes >= 0x80 decode to none), so it is the value as it is.
   */
  private guidText(vs: number, ve: number): string {
    const buf = this.buf;
    const dv = this.dv;
    let i = vs;
    // Four bytes at a time (a GUID is 38): per byte, bit 7 of `upper` is set for 'A'-'Z' and of
    // `amp` for '&' (bytes >= 0x80 masked out), no lane carrying into the next.
    for (; i + 4 <= ve; i += 4) {
      const x = dv.getInt32(i, true);
      const low = x & 0x7f7f7f7f;
      const upper = ((low + 0x3f3f3f3f) | 0) & ((0xdadadada - low) | 0);
      const amp = ~((low ^ 0x26262626) + 0x7f7f7f7f);
      if (((upper | amp) & ~x & 0x80808080) !== 0) return normaliseGuid(this.value(vs, ve));
    }
    for (; i < ve; i++) {
      const c = buf[i];
      if ((c >= 65 && c <= 90) || c === AMP) return normaliseGuid(this.value(vs, ve));
    }
    return this.value(vs, ve);
  }

  /** LogonId, normalised once per byte spelling. */
  private logonIdAt(vs: number, ve: number): string {
    if (vs === ve) return '';
    const hit = this.logonIds.get(this.buf, this.dv, vs, ve);
    return hit !== undefined ? hit : this.logonIds.insert(this.buf, vs, ve, normaliseLogonId(this.value(vs, ve)));
  }

  /** parseIntField of the value, read where it lies; a value with an entity is decoded first. */
  private intAt(vs: number, ve: number): number {
    const buf = this.buf;
    if (vs === ve) return -1;
    let n = 0;
    for (let i = vs; i < ve; i++) {
      const c = buf[i];
      if (c >= 48 && c <= 57) {
        n = n * 10 + (c - 48);
        continue;
      }
      if (c === AMP) return parseIntField(this.value(vs, ve));
      // A byte >= 0x80 starts a character that is no digit, whatever it decodes to.
      return i > vs && c === 32 ? n : -1;
    }
    return n;
  }
}
