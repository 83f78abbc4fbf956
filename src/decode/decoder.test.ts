// The fast scanner against the reference parser (fast-xml-parser): identical events on every
// real and bundled sample, and on generated inputs (property tests).

import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test/helpers/cli.js';
import { HAVE_REAL, REAL_SKIP_REASON, realFiles, splitEvents } from '../../test/helpers/real-samples.js';
import { withGuidTexts } from '../../test/helpers/guid-texts.js';
import { HostLog } from '../../test/helpers/sysmon-xml.js';
import { DecodeCounters } from './counters.js';
import { SysmonDecoder } from './decoder.js';
import { SysmonEvent } from './event.js';
import { ByteEventScanner } from './byte-scanner.js';
import { FastEventScanner, UNRECOGNISED } from './fast-xml.js';
import { DecodeProblem } from './problem.js';
import { decodeWithReferenceParser } from './reference-xml.js';
import { mutated, tokens } from '../../test/fuzz/mutate.js';

function fast(xml: string): ReturnType<FastEventScanner['scan']> {
  const s = new FastEventScanner(new DecodeCounters());
  s.reset(xml);
  return s.scan(0, xml.length);
}

/** The string scanner on a latin1 view of the UTF-8 bytes: what the byte scanner must decide alike. */
function fastLatin1(xml: string | Buffer): ReturnType<FastEventScanner['scan']> {
  const buf = typeof xml === 'string' ? Buffer.from(xml, 'utf8') : xml;
  const s = new FastEventScanner(new DecodeCounters());
  const text = buf.toString('latin1');
  s.reset(text, buf);
  return s.scan(0, text.length);
}

/** The fast path of files and messages: the byte scanner on the UTF-8 bytes. */
function fastBytes(xml: string | Buffer): ReturnType<ByteEventScanner['scan']> {
  const buf = typeof xml === 'string' ? Buffer.from(xml, 'utf8') : xml;
  const s = new ByteEventScanner(new DecodeCounters());
  s.reset(buf);
  return withGuidTexts(s.scan(0, buf.length));
}

function reference(xml: string): ReturnType<typeof decodeWithReferenceParser> {
  return decodeWithReferenceParser(xml, new DecodeCounters());
}

function expectSame(xml: string): void {
  const ref = reference(xml);
  const f = fast(xml);
  expect(f).not.toBe(UNRECOGNISED);
  expect(f).toEqual(ref);
  expect(fastLatin1(xml)).toEqual(ref);
  expect(fastBytes(xml)).toEqual(ref);
  expect(withGuidTexts(new SysmonDecoder(new DecodeCounters()).decodeXmlBytes(Buffer.from(xml, 'utf8')))).toEqual(ref);
}

describe('fast scanner vs fast-xml-parser on files', () => {
  const bundled = readdirSync(resolve(REPO_ROOT, 'samples'))
    .filter((f) => f.endsWith('.xml'))
    .map((f) => resolve(REPO_ROOT, 'samples', f));
  it.each(bundled)('bundled %s', (file) => {
    const events = splitEvents(readFileSync(file, 'utf8'));
    expect(events.length).toBeGreaterThan(10);
    for (const e of events) expectSame(e);
  });

  const real = [...realFiles('.python-evtx.xml'), ...realFiles('.evtxexport.txt')];
  it.skipIf(!HAVE_REAL)(`real renderings (${HAVE_REAL ? real.length : REAL_SKIP_REASON})`, () => {
    let sysmon = 0;
    for (const file of real) {
      for (const e of splitEvents(readFileSync(file, 'utf8'))) {
        const ref = reference(e);
        expect(ref, file).not.toBeInstanceOf(DecodeProblem);
        expect(fast(e), file).toEqual(ref);
        expect(fastLatin1(e), file).toEqual(ref);
        expect(fastBytes(e), file).toEqual(ref);
        if (ref instanceof SysmonEvent) sysmon++;
      }
    }
    expect(sysmon).toBeGreaterThan(300);
  });
});

// --- generated inputs -------------------------------------------------------------------
const valueChars = fc.constantFrom(...Array.from('abcXYZ019 \\/:.-_{}()%&<>"\'äöü®€中文😀\t'), 'SYSTEM', 'C:\\Windows', '&amp;');
const value = fc.array(valueChars, { maxLength: 30 }).map((a) => a.join(''));

function esc(s: string, quote: string): string {
  let r = s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (quote === '"') r = r.replace(/"/g, '&quot;');
  else r = r.replace(/'/g, '&apos;');
  return r;
}

function numericEscapes(s: string): string {
  return s.replace(/[®€]/g, (c) => (c === '®' ? '&#174;' : '&#x20AC;'));
}

const FIELDS = ['RuleName', 'UtcTime', 'ProcessGuid', 'ProcessId', 'Image', 'OriginalFileName', 'CommandLine', 'User', 'LogonId', 'TerminalSessionId', 'ParentProcessGuid', 'ParentProcessId', 'ParentImage', 'ParentCommandLine', 'ParentUser', 'EventType', 'TargetObject', 'Details', 'NewName', 'Hashes'];

const eventArb = fc.record({
  eventId: fc.constantFrom(1, 5, 12, 13, 14, 3, 7),
  host: fc.constantFrom('WS01', 'ws01.corp', 'DC-ÄÖ', 'host&co'),
  record: fc.nat(),
  time: fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2030, 0, 1) }),
  values: fc.array(value, { minLength: FIELDS.length, maxLength: FIELDS.length }),
  present: fc.array(fc.boolean(), { minLength: FIELDS.length, maxLength: FIELDS.length }),
  quote: fc.constantFrom('"', "'"),
  ws: fc.constantFrom('', '\n', '\r\n  ', '\n    '),
  qualifiers: fc.boolean(),
  selfClose: fc.boolean(),
  numeric: fc.boolean(),
  pid: fc.nat({ max: 99999 }),
});

type GeneratedEvent = typeof eventArb extends fc.Arbitrary<infer T> ? T : never;

function render(e: GeneratedEvent): string {
  const q = e.quote;
  const w = e.ws;
  const data: string[] = [];
  FIELDS.forEach((name, i) => {
    if (!e.present[i] && name !== 'UtcTime') return;
    let v = e.values[i];
    if (name === 'UtcTime') v = new Date(e.time).toISOString().replace('T', ' ').replace('Z', '');
    if (name === 'ProcessId' || name === 'ParentProcessId') v = String(e.pid);
    let x = esc(v, q);
    if (e.numeric) x = numericEscapes(x);
    data.push(x === '' && e.selfClose ? `<Data Name=${q}${name}${q}/>` : `<Data Name=${q}${name}${q}>${x}</Data>`);
  });
  return (
    `<Event xmlns=${q}http://schemas.microsoft.com/win/2004/08/events/event${q}>${w}<System>${w}` +
    `<Provider Name=${q}Microsoft-Windows-Sysmon${q} Guid=${q}{5770385f-c22a-43e0-bf4c-06f5698ffbd9}${q}/>${w}` +
    `<EventID${e.qualifiers ? ` Qualifiers=${q}${q}` : ''}>${e.eventId}</EventID>${w}<EventRecordID>${e.record}</EventRecordID>${w}` +
    `<Channel>Microsoft-Windows-Sysmon/Operational</Channel>${w}<Computer>${esc(e.host, q)}</Computer>${w}` +
    `<Security UserID=${q}S-1-5-18${q}/>${w}</System>${w}<EventData>${w}${data.join(w)}${w}</EventData>${w}</Event>`
  );
}

describe('fast scanner vs fast-xml-parser on generated events (property)', () => {
  it('gives identical events for any values, quoting, entities and layout', () => {
    fc.assert(
      fc.property(eventArb, (e) => {
        const xml = render(e);
        expectSame(xml);
      }),
      { numRuns: 600 },
    );
  });

  it('gives identical events when one scanner decodes many, in both views (its raw-value caches)', () => {
    // Values repeat across events and the same raw text must decode per view: a latin1 view of
    // UTF-8 bytes and proper text read 'Ã©' differently.
    const shared = fc.constantFrom('C:\\Windows\\System32\\svchost.exe', 'Ã©', 'é', 'CORP\\ä', '&amp;x', '0x3E7', '999', '0x00000000000003e7');
    fc.assert(
      fc.property(fc.array(fc.tuple(eventArb, shared), { minLength: 2, maxLength: 12 }), (list) => {
        const scanner = new FastEventScanner(new DecodeCounters());
        for (const [e, v] of list) {
          const xml = render({ ...e, values: e.values.map((x, i) => (i % 2 === 0 ? v : x)) });
          const ref = reference(xml);
          scanner.reset(xml);
          expect(scanner.scan(0, xml.length)).toEqual(ref);
          const buf = Buffer.from(xml, 'utf8');
          const text = buf.toString('latin1');
          scanner.reset(text, buf);
          expect(scanner.scan(0, text.length)).toEqual(ref);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('gives identical events when one byte scanner decodes many from one buffer (its byte-keyed caches)', () => {
    // The events lie one after another in one chunk, as the framer hands them over; the byte
    // scanner's caches key values by their bytes, so the same bytes must give the same value
    // wherever they lie, and different bytes never share one.
    const shared = fc.constantFrom('C:\\Windows\\System32\\svchost.exe', 'Ã©', 'é', 'CORP\\ä', '&amp;x', '0x3E7', '999', '0x00000000000003e7', '{AAAAAAAA-0000-0000-0000-000000000001}', '"C:\\x.exe" &quot;a&quot;');
    fc.assert(
      fc.property(fc.array(fc.tuple(eventArb, shared), { minLength: 2, maxLength: 12 }), fc.constantFrom('', '\n', '\r\n'), (list, sep) => {
        const xmls = list.map(([e, v]) => render({ ...e, values: e.values.map((x, i) => (i % 2 === 0 ? v : x)) }));
        const buf = Buffer.from(sep + xmls.join(sep) + sep, 'utf8');
        const scanner = new ByteEventScanner(new DecodeCounters());
        scanner.reset(buf);
        let at = Buffer.byteLength(sep);
        for (const xml of xmls) {
          const n = Buffer.byteLength(xml);
          expect(withGuidTexts(scanner.scan(at, at + n))).toEqual(reference(xml));
          at += n + Buffer.byteLength(sep);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('hands shapes it does not know to the reference parser, with the same result', () => {
    fc.assert(
      fc.property(eventArb, fc.constantFrom('cdata', 'comment', 'prefix'), (e, shape) => {
        let xml = render({ ...e, eventId: 1, present: e.present.map(() => true), selfClose: false });
        if (shape === 'cdata') xml = xml.replace(/(<Data Name=.CommandLine.)>([^<]*)</, '$1><![CDATA[$2]]><');
        if (shape === 'comment') xml = xml.replace('<EventData>', '<EventData><!-- forwarded -->');
        if (shape === 'prefix') xml = xml.replace(/<(\/?)(Event|System|EventData|Data|EventID|Computer|Channel|Provider|EventRecordID|Security)\b/g, '<$1e:$2').replace('<e:Event xmlns=', '<e:Event xmlns:e=');
        const counters = new DecodeCounters();
        const d = new SysmonDecoder(counters);
        const got = d.decodeXml(xml);
        expect(counters.fallbackPath).toBe(1);
        expect(got).toEqual(reference(xml));
        expect(got).toBeInstanceOf(SysmonEvent);
      }),
      { numRuns: 150 },
    );
  });
});

describe('decode errors', () => {
  const good = render({ eventId: 1, host: 'WS01', record: 7, time: Date.UTC(2024, 0, 1), values: FIELDS.map(() => 'x'), present: FIELDS.map(() => true), quote: "'", ws: '', qualifiers: false, selfClose: false, numeric: false, pid: 4 });
  const decode = (xml: string) => new SysmonDecoder(new DecodeCounters()).decodeXml(xml);

  it('reports a missing EventID, Computer or UtcTime, or a bad time', () => {
    expect((decode(good.replace(/<EventID>1<\/EventID>/, '')) as DecodeProblem).reason).toBe('missing-eventid');
    expect((decode(good.replace(/<Computer>WS01<\/Computer>/, '<Computer/>')) as DecodeProblem).reason).toBe('missing-computer');
    expect((decode(good.replace(/2024-01-01 00:00:00.000/, 'yesterday')) as DecodeProblem).reason).toBe('bad-utctime');
    expect((decode(good.replace(/<Data Name='UtcTime'>[^<]*<\/Data>/, '')) as DecodeProblem).reason).toBe('bad-utctime');
  });

  it('reports malformed XML through the reference parser', () => {
    const r = decode(good.replace('</EventData>', '</EventDat>'));
    expect(r).toBeInstanceOf(DecodeProblem);
    expect((r as DecodeProblem).reason).toBe('malformed-xml');
  });

  it('counts and skips events of other channels and EventIDs nobody reads', () => {
    const counters = new DecodeCounters();
    const d = new SysmonDecoder(counters);
    expect(d.decodeXml(good.replace(/<EventID>1</, '<EventID>3<'))).toBeNull();
    expect(d.decodeXml(good.replace("Name='Microsoft-Windows-Sysmon'", "Name='Microsoft-Windows-Kernel-General'").replace('Microsoft-Windows-Sysmon/Operational', 'System'))).toBeNull();
    expect(counters.skippedOtherIds).toBe(1);
    expect(counters.notSysmon).toBe(1);
    expect(counters.eventsByEventId()).toEqual({ '3': 1 });
  });
});

describe('entities no decoder knows', () => {
  // Names an object's prototype answers to must not be read as entities (a plain-object table gave
  // `function Object() { [native code] }` for &constructor;), nor may a name too long to be one stop
  // the decoding of the entities after it: fast-xml-parser leaves them as written, and so must we.
  const values = ['&constructor;', 'a&__proto__;b', '&toString;&lt;', '&valueOf; &hasOwnProperty; &amp;', '&abcdefghijklmnop;&gt;&foo;&#65;'];
  const expected = ['&constructor;', 'a&__proto__;b', '&toString;<', '&valueOf; &hasOwnProperty; &', '&abcdefghijklmnop;>&foo;A'];
  const xmlOf = (v: string) =>
    `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>1</EventID>` +
    `<EventRecordID>7</EventRecordID><Computer>WS01</Computer></System><EventData><Data Name='UtcTime'>2024-01-01 00:00:00.000</Data>` +
    `<Data Name='ProcessGuid'>{a}</Data><Data Name='Image'>C:\\x${v}.exe</Data><Data Name='CommandLine'>${v}</Data></EventData></Event>`;

  it.each(values.map((v, i) => [v, expected[i]]))('the string scanner leaves %s as fast-xml-parser does', (v, want) => {
    const ref = reference(xmlOf(v));
    expect(ref).toBeInstanceOf(SysmonEvent);
    expect((ref as SysmonEvent).commandLine).toBe(want);
    const f = fast(xmlOf(v));
    expect(f).toEqual(ref);
    expect(fastLatin1(xmlOf(v))).toEqual(ref);
  });

  it.each(values.map((v, i) => [v, expected[i]]))('the byte scanner leaves %s as fast-xml-parser does', (v, want) => {
    const b = fastBytes(xmlOf(v));
    expect((b as SysmonEvent).commandLine).toBe(want);
    expect((b as SysmonEvent).image).toBe(`C:\\x${want}.exe`);
    expect(b).toEqual(reference(xmlOf(v)));
  });
});

describe('process access (EventID 10)', () => {
  it('is read for its source, the process that acts: fast path, reference parser and flat JSON agree', () => {
    const log = new HostLog('WS-Access', 3);
    const b = log.boot(Date.UTC(2024, 0, 1));
    log.access(b.t + 1000, b.winlogon, b.lsass, '0x1410');
    const xml = log.events[log.events.length - 1];
    expectSame(xml);
    const ev = fast(xml) as SysmonEvent;
    expect([ev.eventId, ev.processGuid, ev.processId, ev.image]).toEqual([10, b.winlogon.guid, b.winlogon.pid, b.winlogon.image]);
    const flat = JSON.stringify({ EventID: 10, Hostname: 'WS-Access', SourceName: 'Microsoft-Windows-Sysmon', ...log.written[log.written.length - 1].fields });
    expect(new SysmonDecoder(new DecodeCounters()).decodeJson(flat)).toEqual({ ...ev, recordId: 0 });
  });
});

// --- the byte scanner against the string scanner on a latin1 view ------------------------------
// On input outside the canonical shape (damage, odd entities, bytes that are not UTF-8) the
// reference parser does not decide alone: the fast path returns UNRECOGNISED or a problem of its
// own, and its counters move. The byte scanner must make every one of those decisions as the
// string scanner makes them on the latin1 view of the same bytes.

/** Both scanners on the same bytes, with their counters. */
function bothScanners(buf: Buffer): { bytes: unknown; latin1: unknown } {
  const cb = new DecodeCounters();
  const b = new ByteEventScanner(cb);
  b.reset(buf);
  const rb = withGuidTexts(b.scan(0, buf.length));
  const cl = new DecodeCounters();
  const l = new FastEventScanner(cl);
  l.reset(buf.toString('latin1'), buf);
  const rl = l.scan(0, buf.length);
  const view = (r: unknown, c: DecodeCounters) => ({ r: r === UNRECOGNISED ? 'UNRECOGNISED' : r, c: { ...c, byId: c.eventsByEventId(), errors: c.errorsByReason() } });
  return { bytes: view(rb, cb), latin1: view(rl, cl) };
}

// Raw text put into values unescaped: every spelling decodeEntities meets, well-formed or not,
// and bytes that are not UTF-8.
const RAW_PIECES = [
  'a', 'Z', ' ', ';', '#', 'x', '0', '9', 'é', '€', '中', '😀', '&', '&amp;', '&lt;', '&gt;', '&quot;', '&apos;', '&AMP;', '&amp', '&quot',
  '&#65;', '&#x41;', '&#X41;', '&#0000000065;', '&#00000000065;', '&#x1F600;', '&#x10FFFF;', '&#x110000;', '&#1114111;', '&#1114112;',
  '&#xD800;', '&#55296;', '&#xDFFF;', '&#0;', '&#;', '&#x;', '&# 65;', '&#+65;', '&#-65;', '&#x0x41;', '&#65a;', '&#6 5;', '&constructor;',
  '&toString;', '&__proto__;', '&hasOwnProperty;', '&verylongname12;', '&#999999999999;',
].map((t) => Buffer.from(t, 'utf8'));
const RAW_BYTES = [0x80, 0xbf, 0xc3, 0xe2, 0xf0, 0xff, 0xc0, 0xed].map((b) => Buffer.from([b]));
const rawValue = fc.array(fc.oneof({ arbitrary: fc.constantFrom(...RAW_PIECES), weight: 4 }, { arbitrary: fc.constantFrom(...RAW_BYTES), weight: 1 }), { maxLength: 12 }).map((parts) => Buffer.concat(parts));

describe('byte scanner vs the string scanner on the latin1 view (property)', () => {
  it('decodes raw values with any entity spelling and any bytes alike', () => {
    fc.assert(
      fc.property(eventArb, fc.array(rawValue, { minLength: FIELDS.length, maxLength: FIELDS.length }), fc.boolean(), (e, raws, inTime) => {
        const xml = render({ ...e, values: FIELDS.map((_, i) => `@@${i}@@`), present: e.present.map(() => true), selfClose: false });
        // Every value (and, sometimes, UtcTime, the Computer and the EventID) replaced by raw bytes.
        const parts: Buffer[] = [];
        let last = 0;
        const re = /@@(\d+)@@|<Computer>[^<]*<|<EventID>[^<]*</g;
        for (let m = re.exec(xml); m !== null; m = re.exec(xml)) {
          parts.push(Buffer.from(xml.slice(last, m.index), 'utf8'));
          if (m[1] !== undefined) parts.push(raws[Number(m[1])]);
          else if (inTime && m[0].startsWith('<Computer>')) parts.push(Buffer.from('<Computer>', 'utf8'), raws[0], Buffer.from('<', 'utf8'));
          else if (inTime) parts.push(Buffer.from(m[0].startsWith('<EventID>') ? '<EventID>' : '', 'utf8'), Buffer.concat([Buffer.from(String(e.eventId)), raws[1]]), Buffer.from('<', 'utf8'));
          else parts.push(Buffer.from(m[0], 'utf8'));
          last = m.index + m[0].length;
        }
        parts.push(Buffer.from(xml.slice(last), 'utf8'));
        const buf = Buffer.concat(parts);
        const { bytes, latin1 } = bothScanners(buf);
        expect(bytes).toEqual(latin1);
      }),
      { numRuns: 400 },
    );
  });

  it('takes, refuses or reports damaged events alike (mutated events, counters included)', () => {
    const seeds = [...Array(8).keys()].map((i) =>
      Buffer.from(render({ eventId: ([1, 13, 5, 12, 14, 3, 7, 1] as const)[i], host: 'WS01', record: i, time: Date.UTC(2024, 0, 1), values: FIELDS.map((f) => `${f}-v&amp;é`), present: FIELDS.map(() => true), quote: i % 2 ? '"' : "'", ws: i % 3 ? '' : '\n    ', qualifiers: i === 2, selfClose: false, numeric: false, pid: 4 }), 'utf8'),
    );
    const dictionary = tokens(['<', '>', '/', '"', "'", '=', ' ', '\n', '</Data>', "<Data Name='Image'>", '<Data Name="CommandLine">', "<Data Name='UtcTime'>", '<Data/>', '</EventData>', '<EventData/>', '</System>', '<System>', '<EventID>', '</EventID>', '<Computer>', '<Channel>', "<Provider Name='Microsoft-Windows-Sysmon'/>", "Name='Other'", '<!-- c -->', '<![CDATA[x]]>', '<?pi?>', '&amp;', '&#x41;', '&#xD800;', '&constructor;', '&', '2024-02-30 00:00:00.000', '</Event>', '<e:Event>']);
    fc.assert(
      fc.property(mutated(seeds, { dictionary, maxMutations: 4, maxBytes: 16 << 10 }), ({ bytes }) => {
        const { bytes: b, latin1 } = bothScanners(bytes);
        expect(b).toEqual(latin1);
      }),
      { numRuns: 1500 },
    );
  });
});

describe('process GUIDs read four bytes at a time', () => {
  // The byte scanner tests a GUID's bytes for 'A'-'Z' and '&' a word at a time: one such byte in
  // any lane or in the tail, next to bytes of 0x80 and more, must still be lower-cased or decoded.
  const guid = '{747f3d96-0a1b-5ea4-0000-0010c0ffee09}';
  const xmlOf = (g: string, eventId: number) =>
    `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>${eventId}</EventID>` +
    `<EventRecordID>7</EventRecordID><Computer>WS01</Computer></System><EventData><Data Name='UtcTime'>2024-01-01 00:00:00.000</Data>` +
    `<Data Name='ProcessGuid'>${g}</Data><Data Name='ParentProcessGuid'>${g}</Data></EventData></Event>`;
  const spellings: string[] = [];
  for (let i = 0; i < guid.length; i++) {
    for (const c of ['F', 'Z', 'A', '@', '[', '&amp;', '&#x41;', 'é', '中']) spellings.push(guid.slice(0, i) + c + guid.slice(i + 1));
  }
  spellings.push('{ABC}', 'AB', 'abcdE', '&lt;abcd', 'abcdéfgH');

  it('lower-cases and decodes as the reference does, wherever the byte lies', () => {
    for (const g of spellings) for (const id of [1, 13]) expectSame(xmlOf(g, id));
  });
});
