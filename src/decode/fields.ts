// Turns named fields into a SysmonEvent. Every decoder that is not the fast XML scanner
// (fast-xml-parser fallback, JSON layouts, EVTX) goes through buildEvent, so they cannot
// disagree on how a field is read; the fast scanner uses the same value helpers.

import { GUID_WORDS, SysmonEvent, SYSMON_CHANNEL, SYSMON_PROVIDER, isWantedEventId, type SysmonFieldName } from './event.js';
import { fillGuidWords, putGuidWords } from './guid-words.js';
import { hostKeyOf, strings } from './intern.js';
import { DecodeProblem } from './problem.js';
import type { DecodeCounters } from './counters.js';

/** The System part of an event, as far as we read it. */
export interface SystemFields {
  eventId: number; // NaN when absent or not a number
  computer: string;
  recordId: number; // 0 when absent
  provider: string;
  channel: string;
  /** The event time (ms) when the decoder has already read it from UtcTime; absent or NaN: buildEvent reads UtcTime. */
  time?: number;
}

export type FieldLookup = (name: SysmonFieldName) => string | undefined;

/** Sysmon when the provider or the channel says so (exports often carry only one of the two). */
export function isSysmonSource(provider: string, channel: string): boolean {
  if (provider !== '') return provider === SYSMON_PROVIDER || provider.toLowerCase() === 'microsoft-windows-sysmon';
  return channel === SYSMON_CHANNEL || channel.toLowerCase() === 'microsoft-windows-sysmon/operational';
}

/**
 * Common checks of the System part: a missing EventID is an error; a non-Sysmon event or an
 * EventID nobody reads is counted and skipped (null). The Computer is checked by the caller
 * (requireComputer) only for events that go on, so skipped events never pay for reading it.
 */
export function checkSystem(sys: Pick<SystemFields, 'eventId' | 'provider' | 'channel'>, counters: DecodeCounters): DecodeProblem | null | true {
  if (!Number.isInteger(sys.eventId) || sys.eventId < 0) {
    return new DecodeProblem('missing-eventid', 'event has no numeric EventID');
  }
  if (!isSysmonSource(sys.provider, sys.channel)) {
    counters.notSysmon++;
    return null;
  }
  counters.countEventId(sys.eventId);
  if (!isWantedEventId(sys.eventId)) {
    counters.skippedOtherIds++;
    return null;
  }
  return true;
}

/** What checkSystem answers true for, with nothing counted (a caller that must count later). */
export function isWantedSystem(sys: Pick<SystemFields, 'eventId' | 'provider' | 'channel'>): boolean {
  return Number.isInteger(sys.eventId) && sys.eventId >= 0 && isSysmonSource(sys.provider, sys.channel) && isWantedEventId(sys.eventId);
}

export function missingComputer(eventId: number): DecodeProblem {
  return new DecodeProblem('missing-computer', `EventID ${eventId} has no Computer`);
}

/** The problem of an event whose UtcTime is absent (`utc` undefined) or not a time. */
export function badUtcTime(eventId: number, recordId: number, utc: string | undefined): DecodeProblem {
  return new DecodeProblem('bad-utctime', `EventID ${eventId} record ${recordId}: UtcTime ${utc === undefined ? 'is missing' : JSON.stringify(utc.slice(0, 40))} is not a time`);
}

/**
 * The scanners (fast-xml.ts, byte-scanner.ts) read every Data element in one pass; buildEvent
 * reads only the fields of the event's own EventID. This leaves a scanned event as buildEvent
 * does: an EventID 10's source as its process, the fields other EventIDs carry empty.
 */
export function keepOwnFields(ev: SysmonEvent, sourceGuid: string, sourcePid: number, sourceImage: string): SysmonEvent {
  if (ev.eventId === 10) {
    ev.processGuid = sourceGuid;
    ev.processId = sourcePid;
    ev.image = sourceImage;
    ev.user = ev.eventType = ev.targetObject = ev.details = ev.newName = '';
  }
  if (ev.eventId !== 1) {
    ev.originalFileName = ev.commandLine = ev.logonId = ev.parentProcessGuid = ev.parentImage = ev.parentCommandLine = ev.parentUser = '';
    ev.terminalSessionId = ev.parentProcessId = -1;
    // A parent's words the byte scanner read go with the parent's GUID.
    putGuidWords(ev, GUID_WORDS.parent, null);
    if (ev.eventId === 5) ev.eventType = ev.targetObject = ev.details = ev.newName = '';
  } else {
    ev.eventType = ev.targetObject = ev.details = ev.newName = '';
  }
  return ev;
}

/** Build a typed event from the System fields and a lookup of EventData fields. */
export function buildEvent(sys: SystemFields, get: FieldLookup, counters: DecodeCounters): SysmonEvent | DecodeProblem | null {
  const ok = checkSystem(sys, counters);
  if (ok !== true) return ok;
  if (sys.computer === '') return missingComputer(sys.eventId);
  const ev = new SysmonEvent();
  ev.eventId = sys.eventId;
  ev.host = strings.intern(sys.computer);
  ev.hostKey = hostKeyOf(sys.computer);
  ev.recordId = sys.recordId;
  let t = sys.time ?? NaN;
  let utc: string | undefined;
  if (Number.isNaN(t)) {
    utc = get('UtcTime');
    t = utc === undefined ? NaN : parseUtcTime(utc);
  }
  if (Number.isNaN(t)) return badUtcTime(sys.eventId, sys.recordId, utc);
  ev.time = t;
  const v = (name: SysmonFieldName): string => {
    const x = get(name);
    return x === undefined ? '' : x;
  };
  if (sys.eventId === 10) {
    // Process access: the source opens the target; the source is the process that acts.
    ev.processGuid = normaliseGuid(v('SourceProcessGUID'));
    ev.processId = parseIntField(v('SourceProcessId'));
    ev.image = strings.intern(v('SourceImage'));
    fillGuidWords(ev);
    return ev;
  }
  ev.processGuid = normaliseGuid(v('ProcessGuid'));
  ev.processId = parseIntField(v('ProcessId'));
  ev.image = strings.intern(v('Image'));
  ev.user = strings.intern(v('User'));
  if (sys.eventId === 1) {
    ev.originalFileName = strings.intern(v('OriginalFileName'));
    ev.commandLine = v('CommandLine');
    ev.logonId = normaliseLogonId(v('LogonId'));
    ev.terminalSessionId = parseIntField(v('TerminalSessionId'));
    ev.parentProcessGuid = normaliseGuid(v('ParentProcessGuid'));
    ev.parentProcessId = parseIntField(v('ParentProcessId'));
    ev.parentImage = strings.intern(v('ParentImage'));
    ev.parentCommandLine = v('ParentCommandLine');
    ev.parentUser = strings.intern(v('ParentUser'));
  } else if (sys.eventId !== 5) {
    ev.eventType = strings.intern(v('EventType'));
    ev.targetObject = v('TargetObject');
    ev.details = v('Details');
    ev.newName = v('NewName');
  }
  fillGuidWords(ev);
  return ev;
}

/** A decimal integer field; -1 when absent or not a number. */
export function parseIntField(s: string): number {
  if (s === '') return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return i > 0 && s.charCodeAt(i) === 32 ? n : -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * Process GUIDs in lower case: renderers disagree (Windows and evtxexport write upper case,
 * python-evtx, Winlogbeat and NXLog lower), and a tree keyed by GUID must not split on that.
 */
export function normaliseGuid(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return s.toLowerCase();
  }
  return s;
}

/** LogonId as lower-case hex without zero padding: '0x00000000000003E7' and '0x3e7' compare equal. */
export function normaliseLogonId(s: string): string {
  if (s === '') return '';
  if (s.length > 2 && s.charCodeAt(0) === 48 && (s.charCodeAt(1) | 32) === 120) {
    let i = 2;
    while (i < s.length - 1 && s.charCodeAt(i) === 48) i++;
    return strings.intern('0x' + s.slice(i).toLowerCase());
  }
  // Some forwarders write LogonId as a decimal number.
  const n = Number(s);
  return Number.isFinite(n) ? strings.intern('0x' + n.toString(16)) : strings.intern(s.toLowerCase());
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function digits(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * Sysmon UtcTime ('2020-04-25 22:19:00.127') or ISO ('2022-05-13T08:54:05.1230000Z') to ms
 * since the epoch; NaN when it is not a valid time. Hand-written because Date parsing is slow
 * and locale-tolerant in ways that hide bad input. Reads s[from, to), so the fast scanner parses
 * a value where it lies in its chunk without slicing it out.
 */
export function parseUtcTime(s: string, from = 0, to = s.length): number {
  if (to - from < 19) return NaN;
  const sep = s.charCodeAt(from + 10);
  if (s.charCodeAt(from + 4) !== 45 || s.charCodeAt(from + 7) !== 45 || (sep !== 32 && sep !== 84) || s.charCodeAt(from + 13) !== 58 || s.charCodeAt(from + 16) !== 58) {
    return NaN;
  }
  const year = digits(s, from, 4);
  const month = digits(s, from + 5, 2);
  const day = digits(s, from + 8, 2);
  const hour = digits(s, from + 11, 2);
  const minute = digits(s, from + 14, 2);
  const second = digits(s, from + 17, 2);
  let ms = 0;
  let i = from + 19;
  if (i < to && s.charCodeAt(i) === 46) {
    i++;
    let scale = 100;
    const start = i;
    while (i < to) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      if (scale >= 1) ms += c * scale;
      scale /= 10;
      i++;
    }
    if (i === start) return NaN;
    ms = Math.floor(ms);
  }
  if (i < to) {
    const c = s.charCodeAt(i);
    if (!(c === 90 && i === to - 1)) return NaN; // only a trailing 'Z' may follow
  }
  return utcMs(year, month, day, hour, minute, second, ms);
}

// The day of the last time read and where it starts: events come in time order, so most times
// fall on the day before them, and Date.UTC (a call into the runtime, ~1.7% of a replay's
// samples) is needed once per day instead of once per event.
let lastYear = -1;
let lastMonth = -1;
let lastDay = -1;
let lastDayStart = 0;

/**
 * Date.UTC(year, month - 1, day, hour, minute, second, ms), or NaN unless the fields (whole
 * numbers, -1 for a non-digit) make a real date and a time of day within it (second up to 60),
 * so the sum is exact. Date.UTC would roll 2021-02-30 over silently, so the day is checked
 * against the month. Both parsers (text and bytes) end here.
 */
function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number {
  if (year < 1601 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) {
    return NaN;
  }
  if (day !== lastDay || month !== lastMonth || year !== lastYear) {
    lastDayStart = Date.UTC(year, month - 1, day);
    lastYear = year;
    lastMonth = month;
    lastDay = day;
  }
  return lastDayStart + hour * 3_600_000 + minute * 60_000 + second * 1000 + ms;
}

function digitsIn(buf: Uint8Array, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const c = buf[i] - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * parseUtcTime of the bytes buf[from, to) read as latin1 (the byte scanner parses UtcTime where
 * it lies in its chunk); the same checks in the same order, byte for char.
 */
export function parseUtcTimeIn(buf: Uint8Array, from: number, to: number): number {
  if (to - from < 19) return NaN;
  const sep = buf[from + 10];
  if (buf[from + 4] !== 45 || buf[from + 7] !== 45 || (sep !== 32 && sep !== 84) || buf[from + 13] !== 58 || buf[from + 16] !== 58) {
    return NaN;
  }
  const year = digitsIn(buf, from, 4);
  const month = digitsIn(buf, from + 5, 2);
  const day = digitsIn(buf, from + 8, 2);
  const hour = digitsIn(buf, from + 11, 2);
  const minute = digitsIn(buf, from + 14, 2);
  const second = digitsIn(buf, from + 17, 2);
  let ms = 0;
  let i = from + 19;
  if (i < to && buf[i] === 46) {
    i++;
    let scale = 100;
    const start = i;
    while (i < to) {
      const c = buf[i] - 48;
      if (c < 0 || c > 9) break;
      if (scale >= 1) ms += c * scale;
      scale /= 10;
      i++;
    }
    if (i === start) return NaN;
    ms = Math.floor(ms);
  }
  if (i < to) {
    const c = buf[i];
    if (!(c === 90 && i === to - 1)) return NaN;
  }
  return utcMs(year, month, day, hour, minute, second, ms);
}
