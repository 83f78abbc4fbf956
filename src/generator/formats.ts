// Output layouts. Every event is rendered as Windows Event XML first; the JSON layouts wrap or
// flatten that XML the way forwarders do, so all layouts carry the same values:
// - xml: the event, one per line (wevtutil / RenderEvent shape);
// - winlogbeat: Winlogbeat JSON with include_xml, the XML in event.original;
// - winlogbeat-fields: Winlogbeat JSON as it ships by default (include_xml off): the Sysmon
//   fields as strings in winlog.event_data;
// - nxlog-xml: NXLog im_msvistalog JSON with CaptureEventXML, the XML in EventXML;
// - nxlog-json: flat NXLog to_json as in OTRF Security-Datasets: Sysmon fields as top-level
//   string keys, Hostname for the computer, EventID a number.
// The re-layout works on the rendered bytes in the output buffer: values are found by position,
// the line is written after the event and moved over it. No strings per event: the JSON
// layouts once ran at a third of the XML rate on slicing, JSON.stringify and writing back.

import { enc, type ByteWriter } from './bytes.js';
import { APOS, JsonLine, LT, Tag } from './json-text.js';

export const FORMATS = ['xml', 'winlogbeat', 'winlogbeat-fields', 'nxlog-xml', 'nxlog-json'] as const;
export type OutputFormat = (typeof FORMATS)[number];

/** Replaces the rendered event at w.buf[start, w.off) by its output line (without the newline); w.off ends after it. */
export type LineFormatter = (w: ByteWriter, start: number) => void;

/** Sysmon's task names by EventID, as the forwarders print them. */
export const TASKS: Record<string, string> = {
  '1': 'Process Create (rule: ProcessCreate)',
  '3': 'Network connection detected (rule: NetworkConnect)',
  '5': 'Process terminated (rule: ProcessTerminate)',
  '7': 'Image loaded (rule: ImageLoad)',
  '10': 'Process accessed (rule: ProcessAccess)',
  '11': 'File created (rule: FileCreate)',
  '12': 'Registry object added or deleted (rule: RegistryEvent)',
  '13': 'Registry value set (rule: RegistryEvent)',
  '22': 'Dns query (rule: DnsQuery)',
};

/** What a line template's `{name}` placeholders stand for, read from the event (SystemPart). */
const enum Value {
  /** SystemTime to the millisecond, '2024-01-01T00:00:00.123' (Winlogbeat's @timestamp without the Z). */
  Timestamp,
  /** SystemTime as 'YYYY-MM-DD HH:MM:SS' (NXLog's EventTime). */
  EventTime,
  EventId,
  RecordId,
  /** The Computer element's text, XML-decoded, as JSON string content. */
  Computer,
  /** The same in lower case (Winlogbeat's host.name). */
  Host,
  /** The whole event as JSON string content. */
  Xml,
}
const VALUES: Record<string, Value> = {
  timestamp: Value.Timestamp,
  eventTime: Value.EventTime,
  eventId: Value.EventId,
  recordId: Value.RecordId,
  computer: Value.Computer,
  host: Value.Host,
  xml: Value.Xml,
};

/** A line (or part of one) as encoded constant pieces with a value between each two. */
interface Template {
  pieces: Uint8Array[];
  values: Value[];
}

function template(line: string): Template {
  const parts = line.split(/\{(\w+)\}/);
  return { pieces: parts.filter((_, k) => k % 2 === 0).map(enc), values: parts.filter((_, k) => k % 2 === 1).map((name) => VALUES[name]) };
}

/** A template per EventID with a task name (`{task}`, as a JSON string), by number; index 0: any other EventID. */
function byTask(line: string): Template[] {
  const out: Template[] = [template(line.replace('{task}', '""'))];
  for (const [eid, task] of Object.entries(TASKS)) out[Number(eid)] = template(line.replace('{task}', JSON.stringify(task)));
  return out;
}

const WINLOGBEAT = byTask(
  '{"@timestamp":"{timestamp}Z","agent":{"type":"winlogbeat","version":"8.11.1"},"ecs":{"version":"8.0.0"},' +
    '"event":{"code":"{eventId}","kind":"event","provider":"Microsoft-Windows-Sysmon","action":{task},"original":"{xml}"},' +
    '"host":{"name":"{host}"},' +
    '"winlog":{"api":"wineventlog","channel":"Microsoft-Windows-Sysmon/Operational","computer_name":"{computer}",' +
    '"event_id":"{eventId}","provider_guid":"{5770385f-c22a-43e0-bf4c-06f5698ffbd9}","provider_name":"Microsoft-Windows-Sysmon","record_id":{recordId}}}',
);

/** Winlogbeat without include_xml, up to the fields of winlog.event_data (dataFields). */
const WINLOGBEAT_FIELDS = byTask(
  '{"@timestamp":"{timestamp}Z","agent":{"type":"winlogbeat","version":"8.11.1"},"ecs":{"version":"8.0.0"},' +
    '"event":{"code":"{eventId}","kind":"event","provider":"Microsoft-Windows-Sysmon","action":{task}},' +
    '"host":{"name":"{host}"},' +
    '"winlog":{"api":"wineventlog","channel":"Microsoft-Windows-Sysmon/Operational","computer_name":"{computer}",' +
    '"event_id":"{eventId}","provider_guid":"{5770385f-c22a-43e0-bf4c-06f5698ffbd9}","provider_name":"Microsoft-Windows-Sysmon","record_id":{recordId},"event_data":{',
);

/** NXLog's metadata keys, as in the OTRF datasets, up to the EventType value (flat JSON may replace it)... */
const NXLOG_HEAD = template('{"EventTime":"{eventTime}","Hostname":"{computer}","Keywords":-9223372036854775808,"EventType":');
const INFO = '"INFO"';
/** ...and from there. */
const NXLOG_REST =
  INFO +
  ',"SeverityValue":2,"Severity":"INFO","EventID":{eventId},"SourceName":"Microsoft-Windows-Sysmon","ProviderGuid":"{5770385F-C22A-43E0-BF4C-06F5698FFBD9}",' +
  '"Task":{eventId},"RecordNumber":{recordId},"Channel":"Microsoft-Windows-Sysmon/Operational","Domain":"NT AUTHORITY","AccountName":"SYSTEM","UserID":"S-1-5-18",' +
  '"AccountType":"User","Category":{task},"Opcode":"Info","SourceModuleName":"eventlog","SourceModuleType":"im_msvistalog"';
const NXLOG_FLAT = byTask(NXLOG_REST);
const NXLOG_XML = byTask(NXLOG_REST + ',"EventXML":"{xml}"}');

const tag = (s: string): Tag => new Tag(enc(s));
const INFO_TAG = tag(INFO);
const EVENT_ID = tag('<EventID>');
const RECORD_ID = tag('<EventRecordID>');
const COMPUTER = tag('<Computer>');
const SYSTEM_TIME = tag("<TimeCreated SystemTime='");
const EVENT_DATA = tag('<EventData>');
const DATA_OPEN = tag("<Data Name='");
const DATA_CLOSE = tag('</Data>');
const EVENT_TYPE = tag('EventType');
const GT = 62;

const line = new JsonLine();

/** First `needle` (an element tag: it starts with '<') in buf[from, end), or -1. */
function findTag(needle: Tag, from: number, end: number): number {
  for (let i = from; ; i++) {
    i = line.find(i, LT);
    if (i + needle.length > end) return -1;
    if (line.startsWith(i, needle)) return i;
  }
}

/**
 * The System values the JSON layouts repeat outside the XML, as byte ranges of the event: the
 * text after `<EventID>`, `<EventRecordID>`, `<Computer>` up to the next '<', and after
 * `<TimeCreated SystemTime='` up to the next quote; empty when missing. Each tag stands once in
 * an event (a '<' cannot stand in XML text or attribute values), in this order, and mostly at
 * the same distance from the value before it as in the event before (SystemTime's depends on
 * the EventID's digits): one comparison each where a search would cost ~70 ns.
 */
class SystemPart {
  eidA = 0;
  eidB = 0;
  recA = 0;
  recB = 0;
  compA = 0;
  compB = 0;
  timeA = 0;
  timeB = 0;
  /** The EventID as a key of TASKS (1-99), else 0. */
  task = 0;
  /** Distance of each tag from the value before it, as last found; SystemTime's by EventID length. */
  private readonly hint = new Int32Array(8);
  private to = 0;

  read(start: number, end: number): void {
    this.eidA = this.between(0, start, start, end, EVENT_ID, LT);
    this.eidB = this.to;
    this.timeA = this.between(this.eidB - this.eidA === 1 ? 1 : 2, this.eidB, start, end, SYSTEM_TIME, APOS);
    this.timeB = this.to;
    this.recA = this.between(3, this.timeB, start, end, RECORD_ID, LT);
    this.recB = this.to;
    this.compA = this.between(4, this.recB, start, end, COMPUTER, LT);
    this.compB = this.to;
    this.task = taskKey(line.buf, this.eidA, this.eidB);
  }

  /** Where EventData opens (first `<EventData>`), or -1. */
  eventData(start: number, end: number): number {
    return this.locate(5, this.compB, start, end, EVENT_DATA);
  }

  /** Start of the text between `open` and `close`; its end in this.to. */
  private between(k: number, near: number, start: number, end: number, open: Tag, close: typeof LT | typeof APOS): number {
    const at = this.locate(k, near, start, end, open);
    this.to = start;
    if (at < 0) return start;
    const a = at + open.length;
    const b = line.find(a, close);
    if (b >= end) return start;
    this.to = b;
    return a;
  }

  /** First `tag` in buf[start, end): where the hint says from `near` if it stands there, else searched. */
  private locate(k: number, near: number, start: number, end: number, tag: Tag): number {
    const guess = near + this.hint[k];
    if (guess >= start && guess + tag.length <= end && line.startsWith(guess, tag)) return guess;
    // A view that ends with the event: without one, a tag that is missing would be searched for through the rest of the buffer.
    const i = line.buf.subarray(start, end).indexOf(tag.bytes);
    if (i < 0) return -1;
    this.hint[k] = start + i - near;
    return start + i;
  }
}

/** The EventID text buf[a, b) as a number when it has the form of a key of TASKS (1-99, no leading 0), else 0. */
function taskKey(buf: Buffer, a: number, b: number): number {
  const d0 = buf[a] - 48;
  const d1 = buf[a + 1] - 48;
  if (b - a === 1) return d0 >= 1 && d0 <= 9 ? d0 : 0;
  return b - a === 2 && d0 >= 1 && d0 <= 9 && d1 >= 0 && d1 <= 9 ? d0 * 10 + d1 : 0;
}

const sys = new SystemPart();

/** The template's pieces and values at the end of the line; for Xml, the event is buf[start, end). */
function fill(t: Template, start: number, end: number): void {
  const { pieces, values } = t;
  for (let k = 0; k < values.length; k++) {
    line.bytes(pieces[k]);
    value(values[k], start, end);
  }
  line.bytes(pieces[values.length]);
}

function value(v: Value, start: number, end: number): void {
  const t = sys.timeA;
  switch (v) {
    case Value.Timestamp:
      line.copy(t, Math.min(sys.timeB, t + 23));
      return;
    case Value.EventTime:
      line.copy(t, Math.min(sys.timeB, t + 10));
      line.byte(32);
      if (sys.timeB > t + 11) line.copy(t + 11, Math.min(sys.timeB, t + 19));
      return;
    case Value.EventId:
      line.copy(sys.eidA, sys.eidB);
      return;
    case Value.RecordId:
      line.copy(sys.recA, sys.recB);
      return;
    case Value.Computer:
      line.xmlText(sys.compA, sys.compB);
      return;
    case Value.Host: {
      const a = line.o;
      line.xmlText(sys.compA, sys.compB);
      // ASCII letters only: other bytes are parts of UTF-8 sequences.
      const buf = line.buf;
      for (let i = a; i < line.o; i++) if (buf[i] >= 65 && buf[i] <= 90) buf[i] += 32;
      return;
    }
    case Value.Xml:
      line.text(start, end);
      return;
  }
}

/** A layout that is a template of the event's System values and the whole event. */
function layout(head: Template | null, rest: Template[]): LineFormatter {
  return (w, start) => {
    const end = w.off;
    line.begin(w, start);
    sys.read(start, end);
    if (head !== null) fill(head, start, end);
    fill(rest[sys.task] ?? rest[0], start, end);
    line.end(w, start);
  };
}

/**
 * Flat NXLog JSON: every Data element as a top-level string key, its text XML-decoded. NXLog
 * overwrites Sysmon's registry EventType with its own severity word; we keep Sysmon's
 * (SetValue, DeleteValue...) so that the labels hold for this layout too: the first EventType
 * other than INFO takes the place of "INFO" in the metadata.
 */
function nxlogFlat(w: ByteWriter, start: number): void {
  const end = w.off;
  line.begin(w, start);
  sys.read(start, end);
  fill(NXLOG_HEAD, start, end);
  const slot = line.o;
  fill(NXLOG_FLAT[sys.task] ?? NXLOG_FLAT[0], start, end);
  dataFields(start, end, slot);
  line.byte(125);
  line.end(w, start);
}

/** Winlogbeat without include_xml: the metadata, then every Data element in winlog.event_data. */
function winlogbeatFields(w: ByteWriter, start: number): void {
  const end = w.off;
  line.begin(w, start);
  sys.read(start, end);
  fill(WINLOGBEAT_FIELDS[sys.task] ?? WINLOGBEAT_FIELDS[0], start, end);
  dataFields(start, end, -1);
  line.byte(125);
  line.byte(125);
  line.byte(125);
  line.end(w, start);
}

/**
 * Every Data element of the event as `"name":"text"` (XML-decoded), comma-separated; after a
 * member already written when `infoSlot` is set (flat NXLog), whose EventType then replaces the
 * "INFO" at infoSlot instead of being written (eventType). Malformed Data elements (no `'>` or
 * `</Data>`) end the fields.
 */
function dataFields(start: number, end: number, infoSlot: number): void {
  const buf = line.buf;
  let typed = false;
  let first = infoSlot === -1;
  let i = sys.eventData(start, end);
  if (i < 0) i = start;
  for (;;) {
    const a = i + DATA_OPEN.length <= end && line.startsWith(i, DATA_OPEN) ? i : findTag(DATA_OPEN, i, end);
    if (a < 0) break;
    const nameA = a + DATA_OPEN.length;
    let nameB = line.find(nameA, APOS);
    while (nameB + 1 < end && buf[nameB + 1] !== GT) nameB = line.find(nameB + 1, APOS);
    if (nameB + 1 >= end) break;
    const valueA = nameB + 2;
    let valueB = line.find(valueA, LT);
    if (valueB + DATA_CLOSE.length > end || !line.startsWith(valueB, DATA_CLOSE)) valueB = findTag(DATA_CLOSE, valueA, end);
    if (valueB < 0) break;
    i = valueB + DATA_CLOSE.length;
    if (infoSlot === -1 || !line.equals(nameA, nameB, EVENT_TYPE)) {
      if (!first) line.byte(44); // ,
      first = false;
      line.byte(34); // "
      line.copy(nameA, nameB);
      const c = line.o;
      buf[c] = 34; // ":"
      buf[c + 1] = 58;
      buf[c + 2] = 34;
      line.o = c + 3;
      line.xmlText(valueA, valueB);
      line.byte(34);
    } else if (!typed) typed = eventType(infoSlot, valueA, valueB);
  }
}

/**
 * The EventType value buf[a, b) in place of `"INFO"` at `slot`, moving what follows; a value
 * that reads INFO leaves it (so a later one may still take it). Returns whether it was replaced.
 */
function eventType(slot: number, a: number, b: number): boolean {
  const buf = line.buf;
  const v = line.o;
  line.byte(34);
  line.xmlText(a, b);
  line.byte(34);
  const n = line.o - v;
  if (line.equals(v, line.o, INFO_TAG)) {
    line.o = v;
    return false;
  }
  // The value is at [v, v + n); [slot + 6, v) moves by n - 6. Put the value past that first.
  const shift = n - INFO_TAG.length;
  const at = shift > 0 ? v + shift : v;
  if (at !== v) buf.copyWithin(at, v, v + n);
  buf.copyWithin(slot + n, slot + INFO_TAG.length, v);
  buf.copyWithin(slot, at, at + n);
  line.o = v + shift;
  return true;
}

const WINLOGBEAT_LINE = layout(null, WINLOGBEAT);
const NXLOG_XML_LINE = layout(NXLOG_HEAD, NXLOG_XML);

/** The re-layout for a format; null for xml, which is written as rendered. */
export function formatter(format: OutputFormat): LineFormatter | null {
  switch (format) {
    case 'xml':
      return null;
    case 'winlogbeat':
      return WINLOGBEAT_LINE;
    case 'winlogbeat-fields':
      return winlogbeatFields;
    case 'nxlog-xml':
      return NXLOG_XML_LINE;
    case 'nxlog-json':
      return nxlogFlat;
  }
}
