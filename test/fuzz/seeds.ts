// Seed inputs for the fuzz targets: the bundled samples, the real samples beside the repo
// (../shared/samples/real, read in place, never copied), and every JSON layout built from them.
// Seeds are kept small (a few events each, a few whole files) so that mutations land on markup
// often and each input runs in milliseconds.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { splitEvents } from '../helpers/real-samples.js';

/** The repository root, found from here whether this runs as TypeScript (vitest) or compiled (build-fuzz/). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = resolve(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'sysmon-proctree') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('fuzz seeds: cannot find the sysmon-proctree repository root');
    dir = up;
  }
}

export const REPO_ROOT = repoRoot();
const SAMPLES = resolve(REPO_ROOT, 'samples');
/** The real samples beside the repo (read in place); absent on a user's clone, then only the bundled seeds are used. */
export const SHARED_REAL = resolve(REPO_ROOT, '..', 'shared', 'samples', 'real');

function files(dir: string, suffix: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => resolve(dir, f));
}

let cachedEvents: string[] | undefined;

/** Every event of the bundled samples and of the real XML renderings, as one-line or pretty XML strings. */
export function xmlEvents(): string[] {
  if (cachedEvents) return cachedEvents;
  const out: string[] = [];
  for (const f of files(SAMPLES, '.xml')) out.push(...splitEvents(readFileSync(f, 'utf8')));
  for (const f of [...files(SHARED_REAL, '.python-evtx.xml'), ...files(SHARED_REAL, '.evtxexport.txt')]) {
    // The big renderings add nothing the first events do not show.
    out.push(...splitEvents(readFileSync(f, 'utf8')).slice(0, 40));
  }
  cachedEvents = out;
  return out;
}

/** Small XML documents: 1, 3 or 8 events, bare, one per line, in an <Events> wrapper, with the evtxexport banner. */
export function xmlDocuments(): string[] {
  const ev = xmlEvents();
  const docs: string[] = [];
  for (let i = 0; i < ev.length; i += 7) {
    const one = ev[i];
    const three = ev.slice(i, i + 3);
    const eight = ev.slice(i, i + 8);
    docs.push(one);
    docs.push(three.join('\n') + '\n');
    docs.push(`<?xml version="1.0" encoding="utf-8"?>\n<Events>\n${eight.join('\n')}\n</Events>\n`);
    if (i % 3 === 0) docs.push(`evtxexport 20181227\n\n${three.join('\n\n')}\n`);
  }
  // And two whole files, for framing across chunk-sized inputs.
  for (const f of files(SAMPLES, '.xml').slice(0, 2)) docs.push(readFileSync(f, 'utf8'));
  return docs;
}

export type TextEncoding = 'utf8' | 'utf8-bom' | 'utf16le-bom' | 'utf16le';
export const TEXT_ENCODINGS: readonly TextEncoding[] = ['utf8', 'utf8-bom', 'utf16le-bom', 'utf16le'];

export function encode(text: string, enc: TextEncoding): Buffer {
  switch (enc) {
    case 'utf8':
      return Buffer.from(text, 'utf8');
    case 'utf8-bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    case 'utf16le-bom':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    case 'utf16le':
      return Buffer.from(text, 'utf16le');
  }
}

function between(s: string, open: string, close: string): string {
  const a = s.indexOf(open);
  if (a < 0) return '';
  const b = s.indexOf(close, a + open.length);
  return b < 0 ? '' : s.slice(a + open.length, b);
}

function unescape(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos|#x[0-9a-fA-F]+|#[0-9]+);/g, (_m, e: string) =>
    e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : e === 'apos' ? "'" : String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)),
  );
}

/** The fields of an event XML string as the JSON layouts carry them. */
function parts(xml: string): { eventId: number; computer: string; recordId: number; provider: string; channel: string; fields: Record<string, string> } {
  const fields: Record<string, string> = {};
  for (const m of xml.matchAll(/<Data Name=['"]([^'"]+)['"](?:\/>|>([\s\S]*?)<\/Data>)/g)) fields[m[1]] = unescape(m[2] ?? '');
  return {
    eventId: Number(between(xml, '<EventID', '</EventID>').replace(/^[^>]*>/, '')),
    computer: unescape(between(xml, '<Computer>', '</Computer>')),
    recordId: Number(between(xml, '<EventRecordID>', '</EventRecordID>')),
    provider: between(xml, "Provider Name='", "'") || between(xml, 'Provider Name="', '"'),
    channel: between(xml, '<Channel>', '</Channel>'),
    fields,
  };
}

/** One event in each JSON layout json-layouts.ts reads. */
export function jsonLayouts(xml: string): string[] {
  const p = parts(xml);
  const oneLine = xml.replace(/\r?\n/g, '');
  return [
    JSON.stringify({ '@timestamp': '2024-01-01T00:00:00Z', event: { original: oneLine, code: String(p.eventId), kind: 'event' }, winlog: { channel: p.channel } }),
    JSON.stringify({ 'event.original': oneLine }),
    JSON.stringify({ EventXML: oneLine, Hostname: p.computer, EventID: p.eventId }),
    JSON.stringify({
      winlog: { event_id: String(p.eventId), computer_name: p.computer, record_id: p.recordId, provider_name: p.provider, channel: p.channel, event_data: p.fields },
    }),
    JSON.stringify({ Type: 'WindowsEvent', EventID: p.eventId, Computer: p.computer, EventRecordId: p.recordId, Provider: p.provider, Channel: p.channel, EventData: JSON.stringify(p.fields) }),
    JSON.stringify({ EventID: p.eventId, Hostname: p.computer, SourceName: p.provider, Channel: p.channel, RecordNumber: p.recordId, EventType: 'INFO', ...p.fields }),
  ];
}

/** JSON-lines seeds: every layout of a spread of events (a few per file), and lines of the real JSON samples. */
export function jsonDocuments(): string[] {
  const ev = xmlEvents();
  const docs: string[] = [];
  for (let i = 0; i < ev.length; i += 11) {
    const layouts = jsonLayouts(ev[i]);
    for (const l of layouts) docs.push(l + '\n');
    docs.push(layouts.join('\n') + '\n');
    docs.push(layouts.join('\r\n'));
  }
  for (const f of files(SHARED_REAL, '.jsonl')) {
    const lines = readFileSync(f, 'utf8').split('\n').filter((l) => l.trim() !== '');
    for (let i = 0; i < Math.min(lines.length, 120); i += 15) docs.push(lines.slice(i, i + 3).join('\n') + '\n');
  }
  return docs;
}

/** gzip seeds: single members of XML and JSON documents (UTF-8 and UTF-16), and multi-member files. */
export function gzipDocuments(): Buffer[] {
  const xml = xmlDocuments();
  const json = jsonDocuments();
  const out: Buffer[] = [];
  for (let i = 0; i < xml.length; i += 9) out.push(gzipSync(encode(xml[i], i % 2 === 0 ? 'utf8' : 'utf16le-bom')));
  for (let i = 0; i < json.length; i += 9) out.push(gzipSync(json[i]));
  for (let i = 0; i + 2 < xml.length; i += 23) out.push(Buffer.concat([gzipSync(xml[i]), gzipSync(xml[i + 1], { level: 1 }), gzipSync(xml[i + 2])]));
  return out;
}

/** EVTX seeds: the small real files whole, and the big ones cut to the file header and two chunks. */
export function evtxDocuments(): Buffer[] {
  return files(SHARED_REAL, '.evtx').map((f) => {
    const b = readFileSync(f);
    return b.length <= 70_000 ? b : b.subarray(0, 4096 + 2 * 65536);
  });
}

/** Pipeline YAML seeds: the bundled pipelines and the YAML examples of docs/. */
export function yamlDocuments(): string[] {
  const out = files(resolve(REPO_ROOT, 'pipelines'), '.yaml').map((f) => readFileSync(f, 'utf8'));
  for (const f of files(resolve(REPO_ROOT, 'docs'), '.md')) {
    for (const m of readFileSync(f, 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)) out.push(m[1]);
  }
  return out;
}

export const XML_TOKENS = [
  '<Event>', '</Event>', "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>", '<Events>', '</Events>', '<x:Event>', '</x:Event>',
  '<System>', '</System>', '<EventData>', '</EventData>', "<Data Name='Image'>", "<Data Name='CommandLine'>", "<Data Name='UtcTime'>", '</Data>', '<Data/>',
  '<EventID>', '</EventID>', '<EventID>1</EventID>', '<EventID>13</EventID>', '<Computer>', '</Computer>', '<EventRecordID>', "<Provider Name='Microsoft-Windows-Sysmon'/>",
  '<![CDATA[', ']]>', '<!--', '-->', '<?xml version="1.0"?>', '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>', '&a;',
  '&amp;', '&lt;', '&gt;', '&quot;', '&apos;', '&#0;', '&#13;', '&#10;', '&#x1F600;', '&#xD800;', '&#1114112;', '&#99999999999;', '&#x;', '&;', '&',
  '<', '>', '/>', '"', "'", '=', ' ', '\t', '\r\n', '\n', '\0', '\u00ae', '\ud83d\ude00', '\ufeff', '\ufffd',
  '2024-01-01 00:00:00.000', '2024-02-30 00:00:00.000', '9999-12-31 23:59:60.9999999', '{00000000-0000-0000-0000-000000000000}', '0x3e7', '4294967296', '-1', '99999999999999999999',
  'evtxexport 20181227\n', 'smss.exe', 'C:\\Windows\\System32\\smss.exe', 'NT AUTHORITY\\SYSTEM',
];

export const JSON_TOKENS = [
  '{', '}', '[', ']', ':', ',', '"', '\\', '\\u0000', '\\ud800', '\\"', 'null', 'true', 'false', '0', '-0', '1e400', '1.5', '-1', '9007199254740993', '""', '{}', '[]',
  '"event":', '"original":', '"event.original":', '"EventXML":', '"winlog":', '"event_data":', '"event_id":', '"computer_name":', '"record_id":',
  '"EventData":', '"EventID":', '"Hostname":', '"Computer":', '"RecordNumber":', '"UtcTime":', '"ProcessGuid":', '"__proto__":', '"constructor":', '"toString":',
  '"2024-01-01 00:00:00.000"', '"Microsoft-Windows-Sysmon"', '\n', '\r\n', '\u2028',
  ...XML_TOKENS.slice(0, 24),
];

export const YAML_TOKENS = [
  ':', ': ', '- ', '-', '\n', '  ', '\t', '#', '&a ', '*a', '<<: *a', '!!str ', '!!int ', '!!binary ', '!!js/function ', '? ', '|', '>', '"', "'", '{', '}', '[', ']', ',', '---\n', '...\n', '%YAML 1.2\n',
  'null', '~', 'true', 'yes', 'no', '.inf', '-.inf', '.nan', '0x10', '0o17', '1e999', '-1', '0', '99999999999999999999', '1_000',
  'source:', 'sink:', 'rules:', 'smss:', 'index:', 'decode:', 'metrics:', 'kind: kafka', 'kind: files', 'brokers:', 'topic:', 'port:', 'host:', 'security:', 'child_exit_secs:',
  'max_event_bytes:', 'baseline_values:', 'allowed_children:', '__proto__:', 'constructor:',
];
