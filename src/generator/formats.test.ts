import { describe, expect, it } from 'vitest';
import { formatBytes, stringFormatter } from '../../test/helpers/string-formats.js';
import { ByteWriter } from './bytes.js';
import { Fleet, type FleetOptions } from './fleet.js';
import { FORMATS, formatter, type LineFormatter, type OutputFormat } from './formats.js';
import { CallbackOutput, LinesOutput, relayout } from './output.js';
import { runFleet } from './run.js';
import { fromUtf8Bytes, utf8Bytes } from './text.js';

const JSON_FORMATS = FORMATS.filter((f): f is Exclude<OutputFormat, 'xml'> => f !== 'xml');

function lines(o: Partial<FleetOptions>): Array<{ host: string; time: number; line: string }> {
  const fleet = new Fleet(o);
  const sink = new LinesOutput();
  while (!fleet.done) fleet.fill(sink, 10_000);
  return sink.lines;
}

/** Index of the first line where the byte-level layout differs from the string reference, or -1. */
function firstDifference(format: Exclude<OutputFormat, 'xml'>, xml: string[]): number {
  const bytes = formatter(format)!;
  const reference = stringFormatter(format);
  return xml.findIndex((x) => formatBytes(bytes, x) !== reference(x));
}

/** A Sysmon event as the renderer writes it, with the given EventData content (a byte string). */
function event(data: string, o: { eid?: string; computer?: string; time?: string; system?: string } = {}): string {
  const eid = o.eid ?? '1';
  return (
    `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385f-c22a-43e0-bf4c-06f5698ffbd9}'/>` +
    (o.system ??
      `<EventID>${eid}</EventID><Version>5</Version><Level>4</Level><Task>${eid}</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords>` +
        `<TimeCreated SystemTime='${o.time ?? '2024-01-01T00:00:01.1234567Z'}'/><EventRecordID>4711</EventRecordID><Correlation/><Execution ProcessID='2752' ThreadID='3576'/>` +
        `<Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>${o.computer ?? 'WS00001.corp.example.com'}</Computer><Security UserID='S-1-5-18'/>`) +
    `</System><EventData>${data}</EventData></Event>`
  );
}

const data = (fields: Record<string, string>): string =>
  Object.entries(fields)
    .map(([k, v]) => `<Data Name='${k}'>${v}</Data>`)
    .join('');

/** Text with everything JSON escaping and XML decoding handle; ~40 bytes, so also long runs. */
const TRICKY = [
  'C:\\Windows\\"quoted" path\\',
  'tab\there, CR\rhere, LF\nhere',
  '&amp; &lt; &gt; &quot; &apos; &amp;amp; &#x9; &#1; &#x1f; &#92; &#34; &#38;',
  utf8Bytes('&#233; &#x1F600; &#xD800; caf\u00e9 NT-AUTORIT\u00c4T\\SYSTEM Syst\u00e8me'),
  '&nbsp; &unknown;stuff & alone; &; &#x41; AT&T no semicolon &amp',
  'x', // short
  '"',
  '\\',
  '&quot;',
  '\t',
  '',
];

const EDGE_EVENTS: string[] = [
  ...TRICKY.map((v) => event(data({ RuleName: '-', CommandLine: v, Short: v.slice(0, 5), Long: v.repeat(3) }))),
  event(data({ RuleName: '-', EventType: 'SetValue', TargetObject: 'HKLM\\System\\x' }), { eid: '13' }),
  event(data({ RuleName: '-', EventType: 'INFO', UtcTime: 't', EventType2: 'x', ProcessGuid: '{g}' }), { eid: '12' }),
  event(data({ EventType: 'INFO' }) + data({ RuleName: 'r' }) + data({ EventType: 'DeleteValue' }) + data({ EventType: 'CreateKey' }), { eid: '12' }),
  event(data({ EventType: '&#73;NFO' }) + data({ EventType: 'A "long" event type with \\ and &amp; in it, long enough' }), { eid: '12' }),
  event(data({ EventType: '' }) + data({ EventType: 'SetValue' }), { eid: '13' }),
  event(data({ EventType: 'INF' }), { eid: '13' }),
  event(data({ RuleName: '-' }), { computer: 'WS-A&amp;B\\X.CORP.EXAMPLE.COM.LONGER.THAN.32.BYTES' }),
  event(data({ RuleName: '-' }), { computer: 'Ws&#65;' }),
  event(data({ RuleName: '-' }), { computer: '@ABCDEFGHIJKLMNOPQRSTUVWXYZ[`abcxyz{0189' }),
  event(data({ RuleName: '-' }), { computer: '' }),
  event(data({ RuleName: '-' }), { eid: '255' }),
  event(data({ RuleName: '-' }), { time: '2024-01-01T00:00' }),
  event(data({ RuleName: '-' }), { time: '2024-01-01' }),
  event(data({ RuleName: '-' }), { time: '' }),
  event(''),
  event("<Data Name='A'>1</Data>junk<Data Name='B'>2</Data>"),
];

/** Events without usable System values: the lines are not JSON (as before), but the same bytes. */
const BROKEN_EVENTS = [event(data({ RuleName: '-' }), { eid: '' }), event(data({ RuleName: '-' }), { eid: '01' }), event(data({ RuleName: '-' }), { system: '' })];

describe('JSON layouts', () => {
  for (const seed of [1, 2, 3, 7, 11]) {
    it(`give the bytes the string reference gave for every event of a fleet (seed ${seed}, localised names, late events)`, () => {
      const recs = lines({ hosts: 60, durationSecs: 1200, hostEventsPerSec: 0.4, anomalyFraction: 0.3, decoyFraction: 0.5, lateFraction: 0.05, seed });
      const xml = recs.map((r) => r.line);
      // The fleet holds what the check is about: non-ASCII (localised user names), late events,
      // registry events (EventType), entities.
      expect(xml.some((x) => x.includes(utf8Bytes('AUTORITÄT')) || x.includes(utf8Bytes('Système')))).toBe(true);
      expect(recs.some((r, i) => i > 0 && r.time < recs[i - 1].time)).toBe(true);
      expect(xml.some((x) => x.includes("<Data Name='EventType'>"))).toBe(true);
      expect(xml.some((x) => x.includes('&amp;'))).toBe(true);
      for (const f of JSON_FORMATS) expect(firstDifference(f, xml), f).toBe(-1);
    });
  }

  it('give the bytes the string reference gave in a chunked output, events back to back in each buffer', async () => {
    const o: Partial<FleetOptions> = { hosts: 40, durationSecs: 900, anomalyFraction: 0.3, decoyFraction: 0.5, lateFraction: 0.02, seed: 5 };
    const xml = lines(o).map((r) => r.line);
    for (const f of JSON_FORMATS) {
      const chunks: Buffer[] = [];
      const out = new CallbackOutput((c) => void chunks.push(Buffer.from(c)), formatter(f));
      await runFleet(new Fleet(o), out);
      await out.close();
      const reference = stringFormatter(f);
      expect(Buffer.concat(chunks).toString('latin1') === xml.map((x) => reference(x) + '\n').join(''), f).toBe(true);
    }
  });

  it('give the bytes the string reference gave on hand-made events: quotes, backslashes, tab, CR, LF, entities, references, EventType', () => {
    for (const f of JSON_FORMATS) {
      const reference = stringFormatter(f);
      for (const x of EDGE_EVENTS) {
        const line = formatBytes(formatter(f)!, x);
        expect(line, `${f}: ${x}`).toBe(reference(x));
        JSON.parse(fromUtf8Bytes(line));
      }
      for (const x of BROKEN_EVENTS) expect(formatBytes(formatter(f)!, x), `${f}: ${x}`).toBe(reference(x));
    }
  });

  it('re-lay out an event in place, whatever stands before and after it in the buffer', () => {
    // Stale bytes after the event hold every tag and byte the formatter looks for.
    const stale = Buffer.from(EDGE_EVENTS.join('') + "<Data Name='EventType'>SetValue</Data>\"\\&<", 'latin1');
    for (const f of JSON_FORMATS) {
      const reference = stringFormatter(f);
      for (const x of [...EDGE_EVENTS, ...BROKEN_EVENTS, lines({ hosts: 3, durationSecs: 60, seed: 2 })[0].line]) {
        const w = new ByteWriter(1 << 17);
        for (let i = 0; i < w.buf.length; i += stale.length) stale.copy(w.buf, i);
        w.off = 777;
        w.latin1(x);
        relayout(w, 777, formatter(f));
        expect(w.slice(777, w.off), `${f}: ${x}`).toBe(reference(x));
        expect(w.buf.subarray(0, 777).equals(stale.subarray(0, 777))).toBe(true);
      }
    }
  });

  it('keep the first EventType other than INFO in nxlog-json, and each layout valid JSON', () => {
    const f = formatter('nxlog-json') as LineFormatter;
    const parse = (x: string): Record<string, unknown> => JSON.parse(fromUtf8Bytes(formatBytes(f, x))) as Record<string, unknown>;
    expect(parse(EDGE_EVENTS[TRICKY.length + 2]).EventType).toBe('DeleteValue');
    expect(parse(EDGE_EVENTS[TRICKY.length + 3]).EventType).toBe('A "long" event type with \\ and & in it, long enough');
    expect(parse(event(data({ RuleName: '-' }))).EventType).toBe('INFO');
    const tricky = parse(EDGE_EVENTS[0]);
    expect(tricky.CommandLine).toBe(TRICKY[0]);
  });

  it('lower-case only ASCII letters of host.name, so that a non-ASCII computer name stays UTF-8', () => {
    const x = event(data({ RuleName: '-' }), { computer: utf8Bytes('PC-MÜLLER') });
    const wb = JSON.parse(fromUtf8Bytes(formatBytes(formatter('winlogbeat')!, x))) as { host: { name: string }; winlog: { computer_name: string } };
    expect(wb.host.name).toBe('pc-mÜller');
    expect(wb.winlog.computer_name).toBe('PC-MÜLLER');
  });
});
