// The JSON output layouts as they were first written: string code over "byte strings" (one char
// per UTF-8 byte) with JSON.stringify. Kept only as the reference the byte-level layouts in
// src/generator/formats.ts are compared with (formats.test.ts): they must give the same
// bytes. Not used by the generator itself.
// - winlogbeat: Winlogbeat JSON with include_xml, the XML in event.original;
// - nxlog-xml: NXLog im_msvistalog JSON with CaptureEventXML, the XML in EventXML;
// - nxlog-json: flat NXLog to_json: Sysmon fields as top-level string keys.

import { ByteWriter } from '../../src/generator/bytes.js';
import { TASKS, type LineFormatter, type OutputFormat } from '../../src/generator/formats.js';
import { relayout } from '../../src/generator/output.js';
import { utf8Bytes } from '../../src/generator/text.js';

/** Turns a rendered event into one output line (without the newline). */
export type StringFormatter = (xml: string) => string;

/** Decode the five XML entities and numeric references (flat JSON output starts from the XML). */
export function xmlUnescape(s: string): string {
  if (s.indexOf('&') < 0) return s;
  let out = '';
  let i = 0;
  for (;;) {
    const amp = s.indexOf('&', i);
    if (amp < 0) return out + s.slice(i);
    const semi = s.indexOf(';', amp);
    if (semi < 0) return out + s.slice(i);
    out += s.slice(i, amp);
    const name = s.slice(amp + 1, semi);
    if (name === 'amp') out += '&';
    else if (name === 'lt') out += '<';
    else if (name === 'gt') out += '>';
    else if (name === 'quot') out += '"';
    else if (name === 'apos') out += "'";
    else if (name.charCodeAt(0) === 35) {
      const code = name.charCodeAt(1) === 120 ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      out += utf8Bytes(String.fromCodePoint(code));
    } else out += s.slice(amp, semi + 1);
    i = semi + 1;
  }
}

function between(s: string, open: string, close: string, from = 0): string {
  const a = s.indexOf(open, from);
  if (a < 0) return '';
  const b = s.indexOf(close, a + open.length);
  return b < 0 ? '' : s.slice(a + open.length, b);
}

/** The System values the JSON layouts repeat outside the XML. */
interface SystemPart {
  eventId: string;
  recordId: string;
  computer: string;
  /** TimeCreated SystemTime, '2024-01-01T00:00:00.1234567Z'. */
  created: string;
}

function systemPart(xml: string): SystemPart {
  return {
    eventId: between(xml, '<EventID>', '<'),
    recordId: between(xml, '<EventRecordID>', '<'),
    computer: xmlUnescape(between(xml, '<Computer>', '<')),
    created: between(xml, "SystemTime='", "'"),
  };
}


function winlogbeat(xml: string): string {
  const s = systemPart(xml);
  const ts = s.created.slice(0, 23) + 'Z';
  return (
    `{"@timestamp":"${ts}","agent":{"type":"winlogbeat","version":"8.11.1"},"ecs":{"version":"8.0.0"},` +
    `"event":{"code":"${s.eventId}","kind":"event","provider":"Microsoft-Windows-Sysmon","action":${JSON.stringify(TASKS[s.eventId] ?? '')},"original":${JSON.stringify(xml)}},` +
    `"host":{"name":${JSON.stringify(s.computer.toLowerCase())}},` +
    `"winlog":{"api":"wineventlog","channel":"Microsoft-Windows-Sysmon/Operational","computer_name":${JSON.stringify(s.computer)},` +
    `"event_id":"${s.eventId}","provider_guid":"{5770385f-c22a-43e0-bf4c-06f5698ffbd9}","provider_name":"Microsoft-Windows-Sysmon","record_id":${s.recordId}}}`
  );
}

/** Winlogbeat without include_xml: every Data element as a string in winlog.event_data. */
function winlogbeatFields(xml: string): string {
  const s = systemPart(xml);
  const ts = s.created.slice(0, 23) + 'Z';
  const fields = dataFields(xml).map(([name, value]) => `"${name}":${JSON.stringify(value)}`);
  return (
    `{"@timestamp":"${ts}","agent":{"type":"winlogbeat","version":"8.11.1"},"ecs":{"version":"8.0.0"},` +
    `"event":{"code":"${s.eventId}","kind":"event","provider":"Microsoft-Windows-Sysmon","action":${JSON.stringify(TASKS[s.eventId] ?? '')}},` +
    `"host":{"name":${JSON.stringify(s.computer.toLowerCase())}},` +
    `"winlog":{"api":"wineventlog","channel":"Microsoft-Windows-Sysmon/Operational","computer_name":${JSON.stringify(s.computer)},` +
    `"event_id":"${s.eventId}","provider_guid":"{5770385f-c22a-43e0-bf4c-06f5698ffbd9}","provider_name":"Microsoft-Windows-Sysmon","record_id":${s.recordId},` +
    `"event_data":{${fields.join(',')}}}}`
  );
}

/** NXLog's metadata keys, as in the OTRF datasets. */
function nxlogHead(s: SystemPart): string {
  const et = s.created.slice(0, 10) + ' ' + s.created.slice(11, 19);
  return (
    `{"EventTime":"${et}","Hostname":${JSON.stringify(s.computer)},"Keywords":-9223372036854775808,"EventType":"INFO","SeverityValue":2,"Severity":"INFO",` +
    `"EventID":${s.eventId},"SourceName":"Microsoft-Windows-Sysmon","ProviderGuid":"{5770385F-C22A-43E0-BF4C-06F5698FFBD9}","Task":${s.eventId},` +
    `"RecordNumber":${s.recordId},"Channel":"Microsoft-Windows-Sysmon/Operational","Domain":"NT AUTHORITY","AccountName":"SYSTEM","UserID":"S-1-5-18","AccountType":"User",` +
    `"Category":${JSON.stringify(TASKS[s.eventId] ?? '')},"Opcode":"Info","SourceModuleName":"eventlog","SourceModuleType":"im_msvistalog"`
  );
}

function nxlogXml(xml: string): string {
  return nxlogHead(systemPart(xml)) + `,"EventXML":${JSON.stringify(xml)}}`;
}

/**
 * Flat NXLog JSON. NXLog overwrites Sysmon's registry EventType with its own severity word;
 * we keep Sysmon's (SetValue, DeleteValue...) so that the labels hold for this layout too.
 */
function nxlogFlat(xml: string): string {
  let out = nxlogHead(systemPart(xml));
  for (const [name, value] of dataFields(xml)) {
    if (name === 'EventType') out = out.replace('"EventType":"INFO"', `"EventType":${JSON.stringify(value)}`);
    else out += `,"${name}":${JSON.stringify(value)}`;
  }
  return out + '}';
}

/** The event's Data elements, name and XML-decoded text, in order. */
function dataFields(xml: string): [string, string][] {
  const out: [string, string][] = [];
  let i = xml.indexOf('<EventData>');
  for (;;) {
    const a = xml.indexOf("<Data Name='", i);
    if (a < 0) break;
    const nameEnd = xml.indexOf("'>", a + 12);
    const valueEnd = xml.indexOf('</Data>', nameEnd + 2);
    out.push([xml.slice(a + 12, nameEnd), xmlUnescape(xml.slice(nameEnd + 2, valueEnd))]);
    i = valueEnd + 7;
  }
  return out;
}

const STRING_FORMATTERS: Record<Exclude<OutputFormat, 'xml'>, StringFormatter> = { winlogbeat, 'winlogbeat-fields': winlogbeatFields, 'nxlog-xml': nxlogXml, 'nxlog-json': nxlogFlat };

/** The reference string formatter of a JSON layout. */
export function stringFormatter(format: Exclude<OutputFormat, 'xml'>): StringFormatter {
  return STRING_FORMATTERS[format];
}

/** An event (byte string) re-laid out by a byte-level formatter, as a byte string. */
export function formatBytes(format: LineFormatter, xml: string): string {
  const w = new ByteWriter(xml.length * 24 + 4096);
  w.latin1(xml);
  relayout(w, 0, format);
  return w.slice(0, w.off);
}
