// Output layouts. Every event is rendered as Windows Event XML first; the JSON layouts wrap or
// flatten that XML the way forwarders do, so all layouts carry the same values:
// - xml: the event, one per line (wevtutil / RenderEvent shape);
// - winlogbeat: Winlogbeat JSON with include_xml, the XML in event.original;
// - nxlog-xml: NXLog im_msvistalog JSON with CaptureEventXML, the XML in EventXML;
// - nxlog-json: flat NXLog to_json as in OTRF Security-Datasets: Sysmon fields as top-level
//   string keys, Hostname for the computer, EventID a number.
// Lines are byte strings (one char per UTF-8 byte): JSON.stringify leaves chars >= 0x80 alone,
// so the bytes written are valid UTF-8.

import { xmlUnescape } from './text.js';

export const FORMATS = ['xml', 'winlogbeat', 'nxlog-xml', 'nxlog-json'] as const;
export type OutputFormat = (typeof FORMATS)[number];

/** Turns a rendered event into one output line (without the newline). */
export type LineFormatter = (xml: string) => string;

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

const TASKS: Record<string, string> = {
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
  const s = systemPart(xml);
  let out = nxlogHead(s);
  let i = xml.indexOf('<EventData>');
  for (;;) {
    const a = xml.indexOf("<Data Name='", i);
    if (a < 0) break;
    const nameEnd = xml.indexOf("'>", a + 12);
    const name = xml.slice(a + 12, nameEnd);
    const valueEnd = xml.indexOf('</Data>', nameEnd + 2);
    const value = xmlUnescape(xml.slice(nameEnd + 2, valueEnd));
    i = valueEnd + 7;
    if (name === 'EventType') {
      out = out.replace('"EventType":"INFO"', `"EventType":${JSON.stringify(value)}`);
      continue;
    }
    out += `,"${name}":${JSON.stringify(value)}`;
  }
  return out + '}';
}

/** The re-layout for a format; null for xml, which is written as rendered. */
export function formatter(format: OutputFormat): LineFormatter | null {
  switch (format) {
    case 'xml':
      return null;
    case 'winlogbeat':
      return winlogbeat;
    case 'nxlog-xml':
      return nxlogXml;
    case 'nxlog-json':
      return nxlogFlat;
  }
}
