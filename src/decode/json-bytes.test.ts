import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../test/helpers/string-formats.js';
import { withGuidTexts } from '../../test/helpers/guid-texts.js';
import { Fleet } from '../generator/fleet.js';
import { formatter } from '../generator/formats.js';
import { LinesOutput } from '../generator/output.js';
import { BatchDecoder } from './batch-decoder.js';
import { DecodeCounters } from './counters.js';
import { SysmonDecoder, type DecodeOutcome } from './decoder.js';

const fleet = new Fleet({ hosts: 3, durationSecs: 600, seed: 5 });
const sink = new LinesOutput();
while (!fleet.done && sink.lines.length < 400) fleet.fill(sink, 1000);
const xmls = sink.lines.map((l) => l.line).slice(0, 400);

/** The generator's own Winlogbeat and NXLog lines, and lines written here with JSON.stringify. */
const lines: string[] = [
  ...xmls.slice(0, 150).map((x) => formatBytes(formatter('winlogbeat')!, x)),
  ...xmls.slice(150, 300).map((x) => formatBytes(formatter('nxlog-xml')!, x)),
  ...xmls.slice(300).map((x, i) =>
    JSON.stringify(
      i % 3 === 0
        ? { '@timestamp': '2024-01-01T00:00:00Z', 'event.original': x, host: { name: 'x' } }
        : i % 3 === 1
          ? { event: { code: '1', original: x.replace(/Windows/g, 'Wéndows') }, tags: [1, -2.5e3, true, null, { a: [] }] }
          : { EventXML: x, Hostname: 'ws', n: 0.5 },
    ),
  ),
];

/** Lines in the field layouts: flat NXLog as the generator writes it, and Winlogbeat's winlog.event_data made from it. */
const flat = xmls.slice(0, 120).map((x, i) => formatBytes(formatter('nxlog-json')!, x).replace(/System32/g, i % 2 === 0 ? 'Systém32' : 'System32'));
const fieldLines: string[] = [
  ...flat.slice(0, 60),
  ...flat.slice(60).map((l) => {
    const { EventID, Hostname, RecordNumber, SourceName, Channel, ...fields } = JSON.parse(l) as Record<string, unknown>;
    return JSON.stringify({ '@timestamp': 'x', winlog: { event_id: EventID, computer_name: Hostname, record_id: RecordNumber, provider_name: SourceName, channel: Channel, event_data: fields } });
  }),
];

/** The text path: a string of the line, JSON.parse, the text scanner. */
function textPath(line: Buffer): DecodeOutcome {
  return withGuidTexts(new SysmonDecoder(new DecodeCounters()).decodeJson(new TextDecoder().decode(line)));
}

const fast = new SysmonDecoder(new DecodeCounters());

describe('JSON lines with XML, from their bytes', () => {
  it('gives what the text path gives for the forwarders\' lines, without the text path', () => {
    expect(lines.length).toBe(400);
    for (const l of lines) {
      const b = Buffer.from(l, 'utf8');
      const r = fast.decodeJsonBytes(b, 0, b.length);
      expect(r, l.slice(0, 200)).not.toBeUndefined();
      expect(withGuidTexts(r)).toEqual(textPath(b));
    }
  });

  it('counts as the text path counts, skipped events too (decodeValue, BatchDecoder)', () => {
    for (const l of [...lines.slice(0, 120), ...fieldLines]) {
      const b = Buffer.from(l, 'utf8');
      const viaBytes = new DecodeCounters();
      const viaText = new DecodeCounters();
      new SysmonDecoder(viaBytes).decodeValue(b);
      new SysmonDecoder(viaText).decodeJson(l);
      expect(viaBytes).toEqual(viaText);
      const batch = new DecodeCounters();
      new BatchDecoder(batch).decode({ kind: 'jsonl', bytes: Buffer.concat([b, b]), bounds: [0, b.length, b.length, 2 * b.length], lineNumbers: [1, 2] });
      const twice = new DecodeCounters();
      const t = new SysmonDecoder(twice);
      t.decodeJson(l);
      t.decodeJson(l);
      expect(batch).toEqual(twice);
    }
  });

  it('gives the text path\'s answer for the field layouts too (flat NXLog, winlog.event_data)', () => {
    let pastAscii = 0;
    for (const l of fieldLines) {
      const b = Buffer.from(l, 'utf8');
      if (b.length !== l.length) pastAscii++;
      // Lines of ASCII are read as Latin-1; the others take the text path.
      const r = fast.decodeJsonBytes(b, 0, b.length);
      expect(r === undefined, l.slice(0, 120)).toBe(b.length !== l.length);
      if (r !== undefined) expect(withGuidTexts(r)).toEqual(textPath(b));
      expect(withGuidTexts(fast.decodeValue(b))).toEqual(textPath(b));
    }
    expect(pastAscii).toBeGreaterThan(5);
  });

  it('agrees with the text path on damaged and unusual lines, or leaves them to it (property)', () => {
    const palette = ['"', '\\', '{', '}', '[', ']', ',', ':', ' ', '\t', 'a', '0', '-', '.', 'e', '\n', '\x01', '\x7f', 'é', '\u{1F600}', 'u'];
    const snippets = [
      ',"event":{}',
      ',"event":{"original":"<Event/>"}',
      ',"event":"text"',
      ',"EventXML":"x"',
      ',"event.original":"<Event>"',
      ',"original":"x"',
      '\\u00e9',
      '\\ud83d\\ude00',
      '\\ud83d',
      '\\udc00x',
      '\\u0001',
      '\\u000a',
      '\\/',
      '\\b',
      '"ev\\u0065nt":{"original":"y"},',
      '"original":1,',
      '01',
      '-0.5e+2',
      '1.',
      'tru',
      'nul',
      '\xff',
    ];
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), at: fc.nat(), text: fc.constantFrom(...palette) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...snippets, ...palette) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
    );
    fc.assert(
      fc.property(fc.nat({ max: lines.length + fieldLines.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 3 }), (k, edits) => {
        let s = k < lines.length ? lines[k] : fieldLines[k - lines.length];
        for (const e of edits) {
          const at = e.at % (s.length + 1);
          if (e.kind === 'put') s = s.slice(0, at) + e.text + s.slice(at + 1);
          else if (e.kind === 'insert') s = s.slice(0, at) + e.text + s.slice(at);
          else s = s.slice(0, at) + s.slice(at + e.length);
        }
        // Latin-1 for '\xff', a byte that is no UTF-8; the rest as UTF-8.
        const b = Buffer.concat(s.split('\xff').flatMap((part, i) => (i === 0 ? [Buffer.from(part, 'utf8')] : [Buffer.from([0xff]), Buffer.from(part, 'utf8')])));
        const r = fast.decodeJsonBytes(b, 0, b.length);
        if (r !== undefined) expect(withGuidTexts(r)).toEqual(textPath(b));
      }),
      { numRuns: 3000 },
    );
  });

  it('reads escapes and duplicate keys as JSON.parse does, and leaves \\u escapes and bad UTF-8 to the text path', () => {
    const xml = xmls.find((x) => x.includes('<EventID>1<'))!;
    const cases = [
      { event: { original: '<Event/>', original2: 1 }, z: 'é' },
      { event: { original: xml }, EventXML: '<x/>', z: '®' },
      { event: 's', 'event.original': xml.replace(/System32/g, 'Système32'), EventXML: 'e' },
      { event: {}, 'event.original': xml, EventXML: xml.replace('<Computer>', '<Computer>ü') },
    ].map((o) => JSON.stringify(o));
    cases.push(`{"event":{"original":"x","original":${JSON.stringify(xml.replace('Windows', 'Wïndows'))}}}`);
    cases.push(`{"EventXML":${JSON.stringify(xml.replace(/'/g, '"').replace('<Data', '\n<Data'))}, "é":1}`);
    for (const c of cases) {
      const b = Buffer.from(c, 'utf8');
      const r = fast.decodeJsonBytes(b, 0, b.length);
      expect(r, c.slice(0, 100)).not.toBeUndefined();
      expect(withGuidTexts(r)).toEqual(textPath(b));
    }
    // A real escape: backslash, u, four hex digits, in the JSON text.
    const escaped = Buffer.from(JSON.stringify({ EventXML: xml, z: 'é' }).replace('Windows', 'W' + String.fromCharCode(92) + 'u00efndows'), 'utf8');
    expect(escaped.toString()).toContain('W\\u00efndows');
    expect(fast.decodeJsonBytes(escaped, 0, escaped.length)).toBeUndefined();
    expect(withGuidTexts(fast.decodeValue(escaped))).toEqual(textPath(escaped));
    const bad = Buffer.concat([Buffer.from(`{"EventXML":${JSON.stringify(xml)},"z":"`), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    expect(fast.decodeJsonBytes(bad, 0, bad.length)).toBeUndefined();
  });
});
