// The fast path: a scanner for the canonical Windows Event XML shape
// (<Event><System>...</System><EventData><Data Name='X'>v</Data>...</EventData></Event>).
//
// It works on a latin1 view of the input bytes, where string index == byte offset, so finding
// tags costs no UTF-8 decoding; only the values it keeps are decoded (as UTF-8 from the bytes
// when they hold non-ASCII, with entities when they hold '&'). It reads the EventID and the
// provider first and skips events no rule reads before touching EventData.
// Anything outside the shape it knows (CDATA, comments, processing instructions, nested markup,
// prefixed or unnamed Data) returns UNRECOGNISED, and the caller hands the event to
// fast-xml-parser.
//
// Input that arrives as bytes (file chunks, Kafka messages) goes through ByteEventScanner
// (byte-scanner.ts), which makes this scanner's decisions on the bytes themselves; this one reads
// text (XML inside a JSON layout), and its latin1-view mode is what the tests hold the byte
// scanner to.

import type { DecodeCounters } from './counters.js';
import { decodeEntities } from './entities.js';
import { SysmonEvent } from './event.js';
import { badUtcTime, checkSystem, keepOwnFields, missingComputer, normaliseGuid, normaliseLogonId, parseIntField, parseUtcTime, type SystemFields } from './fields.js';
import { fillGuidWords } from './guid-words.js';
import { hostKeyOf, strings } from './intern.js';
import { F, FIELD_NAMES, dataOrder, fieldCode, matchAt } from './data-names.js';
import { DecodeProblem } from './problem.js';
import { RawValueCache } from './raw-cache.js';

export const UNRECOGNISED = Symbol('unrecognised');
export type ScanResult = SysmonEvent | DecodeProblem | null | typeof UNRECOGNISED;

const HIGH_BYTE = /[\x80-\xff]/;

const GT = 62; // >
const SLASH = 47;
const QUOT = 34;
const LT = 60;
const AMP = 38;
const APOS = 39;

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** Raw-keyed caches of one view of the input (see RawValueCache). */
class ViewCaches {
  readonly interned = new RawValueCache();
  readonly logonIds = new RawValueCache(20_000);
}

/** True when c may follow an element name (so '<EventID' is not '<EventIDx'). */
function endsName(c: number): boolean {
  return c === GT || c === SLASH || isSpace(c);
}

export class FastEventScanner {
  private s = '';
  private buf: Buffer | null = null;
  private base = 0;
  // Where the System children the decoder reads start ('<EventID' ...), found in one pass.
  private tagEventId = -1;
  private tagRecordId = -1;
  private tagProvider = -1;
  private tagChannel = -1;
  private tagComputer = -1;
  private readonly sys: SystemFields = { eventId: 0, computer: '', recordId: 0, provider: '', channel: '' };
  // The same raw text decodes differently in a latin1 view of bytes and in proper text.
  private readonly latin1Caches = new ViewCaches();
  private readonly textCaches = new ViewCaches();
  private caches = this.textCaches;

  constructor(private readonly counters: DecodeCounters) {}

  /**
   * Point the scanner at new input. With `buf`, `s` must be `buf.toString('latin1', base, ...)`:
   * values with bytes >= 0x80 are then decoded from `buf` as UTF-8. Without `buf`, `s` is
   * already proper text.
   */
  reset(s: string, buf: Buffer | null = null, base = 0): void {
    this.s = s;
    this.buf = buf;
    this.base = base;
    this.caches = buf === null ? this.textCaches : this.latin1Caches;
  }

  /** Decode the event in s[a, b), which starts with '<Event' and ends with '</Event>'. */
  scan(a: number, b: number): ScanResult {
    const s = this.s;
    if (s.charCodeAt(a + 1) !== 69 /* E: '<Event', not a prefixed '<e:Event' */) return UNRECOGNISED;
    const sysStart = s.indexOf('<System>', a);
    if (sysStart === -1 || sysStart > b) return UNRECOGNISED;
    const sysEnd = this.walkSystem(sysStart, b);
    // No EventID or Provider where the canonical shape has them: let the reference parser judge.
    if (sysEnd === -1 || this.tagEventId === -1 || (this.tagProvider === -1 && this.tagChannel === -1)) return UNRECOGNISED;

    const sys = this.sys;
    const eventIdText = this.textAt(this.tagEventId);
    sys.eventId = eventIdText === '' ? NaN : parseIntField(eventIdText.trim());
    if (sys.eventId === -1) sys.eventId = NaN;
    sys.provider = this.tagProvider === -1 ? '' : this.nameAttribute(this.tagProvider);
    // The channel only matters when there is no provider name.
    sys.channel = sys.provider === '' && this.tagChannel !== -1 ? this.textAt(this.tagChannel).trim() : '';
    const ok = checkSystem(sys, this.counters);
    if (ok !== true) return ok;
    sys.computer = this.tagComputer === -1 ? '' : this.textAt(this.tagComputer).trim();
    if (sys.computer === '') return missingComputer(sys.eventId);
    sys.recordId = this.tagRecordId === -1 ? 0 : Math.max(0, parseIntField(this.textAt(this.tagRecordId)));

    return this.scanEventData(sysEnd, b);
  }

  /**
   * One pass over the children of <System>, noting where the ones we read start. Returns the
   * offset of '</System>', or -1 for a shape the fast path does not take (comments, CDATA,
   * processing instructions, no end).
   */
  private walkSystem(sysStart: number, b: number): number {
    const s = this.s;
    this.tagEventId = this.tagRecordId = this.tagProvider = this.tagChannel = this.tagComputer = -1;
    let p = sysStart + 8;
    for (;;) {
      const lt = s.indexOf('<', p);
      if (lt === -1 || lt >= b) return -1;
      const c = s.charCodeAt(lt + 1);
      if (c === SLASH) {
        if (s.charCodeAt(lt + 2) === 83 /* S */ && matchAt(s, lt, '</System>')) return lt;
      } else if (c === 33 || c === 63) {
        return -1; // <! or <?
      } else if (c === 69) {
        if (matchAt(s, lt + 1, 'EventID') && endsName(s.charCodeAt(lt + 8))) this.tagEventId = lt;
        else if (matchAt(s, lt + 1, 'EventRecordID') && endsName(s.charCodeAt(lt + 14))) this.tagRecordId = lt;
      } else if (c === 80) {
        if (matchAt(s, lt + 1, 'Provider') && endsName(s.charCodeAt(lt + 9))) this.tagProvider = lt;
      } else if (c === 67) {
        if (matchAt(s, lt + 1, 'Channel') && endsName(s.charCodeAt(lt + 8))) this.tagChannel = lt;
        else if (matchAt(s, lt + 1, 'Computer') && endsName(s.charCodeAt(lt + 9))) this.tagComputer = lt;
      }
      p = lt + 2;
    }
  }

  private scanEventData(from: number, b: number): ScanResult {
    const s = this.s;
    const sys = this.sys;
    const ev = new SysmonEvent();
    ev.eventId = sys.eventId;
    ev.host = strings.intern(sys.computer);
    ev.hostKey = hostKeyOf(sys.computer);
    ev.recordId = sys.recordId;
    // UtcTime is parsed where it lies; -1: absent.
    let utcStart = -1;
    let utcEnd = -1;
    // EventID 10's acting process (the source of the access); other EventIDs do not carry these.
    let sourceGuid = '';
    let sourcePid = -1;
    let sourceImage = '';
    // An access is read for its source alone: once UtcTime and the source's fields are in, the
    // rest (the target, GrantedAccess, a CallTrace of a few hundred bytes) is left unread.
    const accessOnly = ev.eventId === 10;
    const order = dataOrder(ev.eventId);
    let next = 0;

    const edStart = s.indexOf('<EventData', from);
    if (edStart === -1 || edStart > b) return UNRECOGNISED;
    for (let i = from + 9; i < edStart; i++) if (!isSpace(s.charCodeAt(i))) return UNRECOGNISED;
    let p = s.indexOf('>', edStart);
    if (p === -1 || p > b) return UNRECOGNISED;
    if (s.charCodeAt(p - 1) === SLASH) p = b; // <EventData/>: no fields
    // Tags are matched char by char (TurboFan inlines charCodeAt; a builtin call per tag cost a
    // fifth of the scan), and where Sysmon writes the next tag right after the last, found without a search.
    for (;;) {
      const lt = s.charCodeAt(p) === LT ? p : s.indexOf('<', p);
      if (lt === -1 || lt >= b) return UNRECOGNISED;
      if (s.charCodeAt(lt + 1) === SLASH) {
        if (!matchAt(s, lt, '</EventData>')) return UNRECOGNISED;
        break;
      }
      if (!matchAt(s, lt, '<Data') || !isSpace(s.charCodeAt(lt + 5))) return UNRECOGNISED;
      let q = lt + 6;
      while (isSpace(s.charCodeAt(q))) q++;
      if (!matchAt(s, q, 'Name=')) return UNRECOGNISED;
      q += 5;
      const quote = s.charCodeAt(q);
      if (quote !== QUOT && quote !== APOS) return UNRECOGNISED;
      const nameStart = q + 1;
      // The name Sysmon writes next, checked in one comparison; otherwise found and dispatched on.
      let field: number = F.OTHER;
      let nameEnd = -1;
      if (next < order.length) {
        const name = FIELD_NAMES[order[next]];
        if (matchAt(s, nameStart, name) && s.charCodeAt(nameStart + name.length) === quote) {
          field = order[next++];
          nameEnd = nameStart + name.length;
        }
      }
      if (nameEnd === -1) {
        nameEnd = nameStart;
        while (nameEnd < b && s.charCodeAt(nameEnd) !== quote) nameEnd++;
        if (nameEnd >= b) return UNRECOGNISED;
        field = fieldCode(s, nameStart, nameEnd - nameStart);
        const at = field === F.OTHER ? -1 : order.indexOf(field);
        if (at !== -1) next = at + 1;
      }
      q = nameEnd + 1;
      while (isSpace(s.charCodeAt(q))) q++;
      let vs: number;
      let ve: number;
      const c = s.charCodeAt(q);
      if (c === SLASH && s.charCodeAt(q + 1) === GT) {
        vs = ve = q;
        p = q + 2;
      } else if (c === GT) {
        vs = q + 1;
        ve = s.indexOf('<', vs);
        if (ve === -1 || ve > b || !matchAt(s, ve, '</Data>')) return UNRECOGNISED; // nested markup
        p = ve + 7;
      } else {
        return UNRECOGNISED; // more attributes than Name
      }
      switch (field) {
        case F.UtcTime:
          utcStart = vs;
          utcEnd = ve;
          break;
        case F.ProcessGuid:
          ev.processGuid = normaliseGuid(this.value(vs, ve));
          break;
        case F.ProcessId:
          ev.processId = this.intAt(vs, ve);
          break;
        case F.Image:
          ev.image = this.interned(vs, ve);
          break;
        case F.OriginalFileName:
          ev.originalFileName = this.interned(vs, ve);
          break;
        case F.CommandLine:
          ev.commandLine = this.value(vs, ve);
          break;
        case F.User:
          ev.user = this.interned(vs, ve);
          break;
        case F.LogonId:
          ev.logonId = this.logonId(vs, ve);
          break;
        case F.TerminalSessionId:
          ev.terminalSessionId = this.intAt(vs, ve);
          break;
        case F.ParentProcessGuid:
          ev.parentProcessGuid = normaliseGuid(this.value(vs, ve));
          break;
        case F.ParentProcessId:
          ev.parentProcessId = this.intAt(vs, ve);
          break;
        case F.ParentImage:
          ev.parentImage = this.interned(vs, ve);
          break;
        case F.ParentCommandLine:
          ev.parentCommandLine = this.value(vs, ve);
          break;
        case F.ParentUser:
          ev.parentUser = this.interned(vs, ve);
          break;
        case F.EventType:
          ev.eventType = this.interned(vs, ve);
          break;
        case F.TargetObject:
          ev.targetObject = this.value(vs, ve);
          break;
        case F.Details:
          ev.details = this.value(vs, ve);
          break;
        case F.NewName:
          ev.newName = this.value(vs, ve);
          break;
        case F.SourceProcessGUID:
          sourceGuid = normaliseGuid(this.value(vs, ve));
          break;
        case F.SourceProcessId:
          sourcePid = this.intAt(vs, ve);
          break;
        case F.SourceImage:
          sourceImage = this.interned(vs, ve);
          break;
      }
      if (accessOnly && utcStart !== -1 && sourceGuid !== '' && sourcePid !== -1 && sourceImage !== '') break;
    }
    let t = utcStart === -1 ? NaN : parseUtcTime(s, utcStart, utcEnd);
    if (Number.isNaN(t) && utcStart !== -1) {
      // Written with entities or bytes the raw view does not show as they are: read it decoded.
      t = parseUtcTime(this.value(utcStart, utcEnd));
    }
    if (Number.isNaN(t)) return badUtcTime(ev.eventId, ev.recordId, utcStart === -1 ? undefined : this.value(utcStart, utcEnd));
    ev.time = t;
    keepOwnFields(ev, sourceGuid, sourcePid, sourceImage);
    fillGuidWords(ev);
    return ev;
  }

  /** A value between two offsets, decoded (UTF-8 from the bytes where needed, then entities). */
  private value(vs: number, ve: number): string {
    if (vs === ve) return '';
    return this.decodeRaw(this.s.slice(vs, ve), vs, ve);
  }

  private decodeRaw(raw: string, vs: number, ve: number): string {
    const v = this.buf !== null && HIGH_BYTE.test(raw) ? this.buf.toString('utf8', this.base + vs, this.base + ve) : raw;
    return v.indexOf('&') === -1 ? v : decodeEntities(v);
  }

  /** A repeating value (image, user...), interned; decoded once per raw spelling. */
  private interned(vs: number, ve: number): string {
    if (vs === ve) return '';
    const raw = this.s.slice(vs, ve);
    const hit = this.caches.interned.get(raw);
    return hit !== undefined ? hit : this.caches.interned.set(raw, strings.intern(this.decodeRaw(raw, vs, ve)));
  }

  /** LogonId, normalised once per raw spelling (a logon session's id repeats in all its creations). */
  private logonId(vs: number, ve: number): string {
    if (vs === ve) return '';
    const raw = this.s.slice(vs, ve);
    const hit = this.caches.logonIds.get(raw);
    return hit !== undefined ? hit : this.caches.logonIds.set(raw, normaliseLogonId(this.decodeRaw(raw, vs, ve)));
  }

  /** parseIntField of the value, read where it lies; a value with an entity is decoded first. */
  private intAt(vs: number, ve: number): number {
    const s = this.s;
    if (vs === ve) return -1;
    let n = 0;
    for (let i = vs; i < ve; i++) {
      const c = s.charCodeAt(i);
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

  /** Text content of the element whose start tag begins at `tag`; '' for <X/>. */
  private textAt(tag: number): string {
    const s = this.s;
    const gt = s.indexOf('>', tag);
    if (gt === -1 || s.charCodeAt(gt - 1) === SLASH) return '';
    const end = s.indexOf('<', gt + 1);
    return end === -1 ? '' : this.value(gt + 1, end);
  }

  /** The Name attribute of the start tag at `tag`; '' when absent. */
  private nameAttribute(tag: number): string {
    const s = this.s;
    const gt = s.indexOf('>', tag);
    if (gt === -1) return '';
    let a = s.indexOf('Name', tag);
    while (a !== -1 && a < gt) {
      if (isSpace(s.charCodeAt(a - 1)) && s.charCodeAt(a + 4) === 61 /* = */) {
        const quote = s.charCodeAt(a + 5);
        if (quote !== QUOT && quote !== APOS) return '';
        const end = s.indexOf(quote === QUOT ? '"' : "'", a + 6);
        return end === -1 || end > gt ? '' : this.value(a + 6, end);
      }
      a = s.indexOf('Name', a + 4);
    }
    return '';
  }
}
