// File source: framing across chunk boundaries, every encoding and wrapper, and bad input that
// becomes counted error records while the events around it still come through.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { constants, deflateRawSync, gzipSync, inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../test/helpers/cli.js';
import { withGuidTexts } from '../../../test/helpers/guid-texts.js';
import { HostLog, eventsDocument } from '../../../test/helpers/sysmon-xml.js';
import { BatchDecoder } from '../../decode/batch-decoder.js';
import { DecodeCounters } from '../../decode/counters.js';
import type { SysmonEvent } from '../../decode/event.js';
import { batchErrors, type ErrorRecord } from '../batch.js';
import { readEvents } from '../../pipeline/read-events.js';
import { XmlEventFramer, type FrameSink } from './xml-framer.js';

const tmp = mkdtempSync(join(tmpdir(), 'proctree-files-'));
const SAMPLE = resolve(REPO_ROOT, 'samples', 'normal-boot-fleet.xml');

async function readAll(paths: string[], maxEventBytes = 1 << 20): Promise<{ events: SysmonEvent[]; errors: ErrorRecord[]; counters: DecodeCounters }> {
  const counters = new DecodeCounters();
  const events: SysmonEvent[] = [];
  const errors: ErrorRecord[] = [];
  for await (const b of readEvents(paths, { counters, maxEventBytes })) {
    events.push(...b.events.map(withGuidTexts));
    errors.push(...b.errors);
  }
  return { events, errors, counters };
}

function file(name: string, content: string | Buffer): string {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
}

function smallLog(n: number, host = 'WS9'): string[] {
  const h = new HostLog(host, 9);
  let t = Date.UTC(2024, 0, 1);
  const sys = h.system;
  for (let i = 0; i < n; i++) h.create((t += 1000), h.proc(1000 + i, 'C:\\Windows\\System32\\svchost.exe', `svchost.exe -k n${i} ünï`, sys));
  return h.events;
}

/** Frames a buffer pushed in the given chunk sizes; returns the [a, b) texts of events and error reasons. */
function frame(buf: Buffer, cuts: number[], max = 1 << 20): { events: string[]; errors: string[] } {
  const framer = new XmlEventFramer(max);
  const events: string[] = [];
  const errors: string[] = [];
  const sink: FrameSink = {
    chunk() {},
    event(a, b, bytes) {
      events.push(bytes.toString('utf8', a, b));
    },
    error(reason) {
      errors.push(reason);
    },
  };
  let pos = 0;
  for (const c of cuts) {
    if (pos >= buf.length) break;
    framer.push(buf.subarray(pos, Math.min(buf.length, pos + c)), sink);
    pos += c;
  }
  if (pos < buf.length) framer.push(buf.subarray(pos), sink);
  framer.end(sink);
  return { events, errors };
}

describe('XML framing', () => {
  const doc = Buffer.from(readFileSync(SAMPLE));
  const whole = frame(doc, [doc.length]);

  it('finds every event of a pretty document with its wrapper and declaration', () => {
    expect(whole.errors).toEqual([]);
    expect(whole.events.length).toBe((doc.toString().match(/<\/Event>/g) ?? []).length);
  });

  it('gives the same events wherever the chunks are cut (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 1, maxLength: 200 }), (cuts) => {
        expect(frame(doc, cuts)).toEqual(whole);
      }),
      { numRuns: 60 },
    );
  });

  it('accepts the evtxexport banner and one event per line', () => {
    const lines = smallLog(3);
    expect(frame(Buffer.from(`evtxexport 20181227\n\n${lines.join('\n')}\n`), [7, 100000])).toEqual({ events: lines, errors: [] });
  });

  it('reports garbage, a truncated event and an oversized one, and keeps every valid event around them', () => {
    const [a, b, c, d] = smallLog(4);
    const huge = b.replace('svchost.exe -k n1', 'x'.repeat(50 * 1024 * 1024));
    const input = Buffer.from(`${a}\nthis is not xml\n${c.slice(0, 400)}\n${huge}\n${c}\n${d}\n`);
    const r = frame(input, Array(200).fill(1 << 20), 1 << 20);
    expect(r.events).toEqual([a, c, d]);
    expect(r.errors).toEqual(['garbage-between-events', 'truncated-event', 'oversized-event']);
  });

  it('reports an input that ends inside an event', () => {
    const [a, b] = smallLog(2);
    expect(frame(Buffer.from(`${a}\n${b.slice(0, 300)}`), [100, 100000])).toEqual({ events: [a], errors: ['truncated-event'] });
  });
});

/**
 * Frames and decodes a buffer pushed in the given chunk sizes as the replay does (each chunk's
 * framing errors, then its decode, errors merged by batchErrors): every event, error record and
 * count. decoderChecks: frames cut at their end tag, checked by the decoder.
 */
function decodeFramed(buf: Buffer, cuts: number[], decoderChecks: boolean, max = 1 << 20): unknown {
  const framer = new XmlEventFramer(max, decoderChecks);
  const counters = new DecodeCounters();
  const decoder = new BatchDecoder(counters);
  const events: unknown[] = [];
  const errors: ErrorRecord[] = [];
  let bytes: Buffer = Buffer.alloc(0);
  let base = 0;
  let bounds: number[] = [];
  let unchecked = false;
  let framed: ErrorRecord[] = [];
  const sink: FrameSink = {
    chunk(b) {
      bytes = b;
    },
    event(a, b, _buf, fileOffset, byEndTag) {
      base = fileOffset;
      bounds.push(a, b);
      if (byEndTag) unchecked = true;
    },
    error(reason, message, offset, snippet) {
      counters.countError(reason);
      framed.push({ reason, message, source: 'f', offset, snippet });
    },
  };
  const batch = (): void => {
    const d = decoder.decode({ kind: 'xml', bytes, base, bounds, unchecked });
    events.push(...d.events.map((e) => ({ ...e })));
    errors.push(...batchErrors({ source: 'f', records: { kind: 'xml', bytes, base, bounds }, errors: framed, bytes: 0 }, d.problems));
    bounds = [];
    unchecked = false;
    framed = [];
  };
  let pos = 0;
  for (const c of cuts) {
    if (pos >= buf.length) break;
    framer.push(buf.subarray(pos, Math.min(buf.length, pos + c)), sink);
    batch();
    pos += c;
  }
  if (pos < buf.length) {
    framer.push(buf.subarray(pos), sink);
    batch();
  }
  framer.end(sink);
  batch();
  const c = { ...counters, eventsByEventId: counters.eventsByEventId(), errorsByReason: counters.errorsByReason() };
  return { events, errors, counters: c };
}

describe('XML framing cut at end tags, checked by the decoder', () => {
  const log = smallLog(6);
  const h = new HostLog('WS7', 7);
  h.registrySet(Date.UTC(2024, 0, 2), h.system, 'HKLM\\Software\\x', 'DWORD (0x00000001)');
  h.network(Date.UTC(2024, 0, 2, 1), h.system, '10.0.0.1');
  h.access(Date.UTC(2024, 0, 2, 2), h.system, h.system);
  const valid = [
    ...log,
    ...h.events,
    log[0].replace('<EventID>1<', '<EventID>4<'),
    log[1].replace('</EventData>', '</EventData>\n  '),
    log[2].replace("Name='Microsoft-Windows-Sysmon'", "Name='Other'"),
    log[3].replace("<Data Name='RuleName'>", "<Data Name='a<Event b'>"),
    log[4].replace('<EventData>', "<EventData a='<Event '>"),
    log[5].replace('<Computer>WS9</Computer>', ''),
  ];
  const garbage = ['junk', '<!-- c -->', '<?xml version="1.0"?>', '<Events>', '</Events>', '</Event>', '<Event>', '<Event/>', '<EventData>', '<Event\n', '<x:Event>'];
  // A piece: a valid event, one cut short, one with another piece put inside it, or garbage.
  const at = fc.integer({ min: 0, max: 1 << 30 });
  const piece: fc.Arbitrary<string> = fc.oneof(
    fc.constantFrom(...valid),
    fc.tuple(fc.constantFrom(...valid), at).map(([e, k]) => e.slice(0, k % (e.length + 1))),
    fc.tuple(fc.constantFrom(...valid), at, fc.oneof(fc.constantFrom(...valid), fc.constantFrom(...garbage))).map(([e, k, inner]) => {
      const i = k % (e.length + 1);
      return e.slice(0, i) + inner + e.slice(i);
    }),
    fc.constantFrom(...garbage),
  );
  const doc = fc.tuple(
    fc.array(fc.tuple(piece, fc.constantFrom('', '\n', ' ', '\r\n', '\n\n')), { minLength: 1, maxLength: 12 }),
    fc.array(fc.integer({ min: 1, max: 6000 }), { minLength: 1, maxLength: 30 }),
    // max_event_bytes: some events and pieces larger than it
    fc.constantFrom(1 << 20, 3000, 5000),
  );

  it('gives the events, error records (offsets, order, snippets) and counts of framing from start to start (property)', () => {
    fc.assert(
      fc.property(doc, ([parts, cuts, max]) => {
        const buf = Buffer.from(parts.map(([p, sep]) => p + sep).join(''));
        expect(decodeFramed(buf, cuts, true, max)).toEqual(decodeFramed(buf, cuts, false, max));
      }),
      { numRuns: 1000 },
    );
  });

  it('frames again an event cut short before a whole one, with the error at its start', () => {
    const [a, b] = smallLog(2);
    const input = Buffer.from(`${a.slice(0, 500)}${b}\n${a}\n`);
    const r = decodeFramed(input, [input.length], true) as { events: SysmonEvent[]; errors: ErrorRecord[] };
    expect(r).toEqual(decodeFramed(input, [input.length], false));
    expect(r.events.length).toBe(2);
    expect(r.errors.map((e) => [e.reason, e.offset])).toEqual([['truncated-event', 0]]);
    // A start right after a '<' in System, which the System walk steps over.
    const cut = a.indexOf('</Task>');
    const odd = Buffer.from(`${a.slice(0, cut)}<${b}\n${a}\n`);
    expect(decodeFramed(odd, [odd.length], true)).toEqual(decodeFramed(odd, [odd.length], false));
  });

  it('gives the same on the sample at every chunk size (property)', () => {
    const sample = Buffer.from(readFileSync(SAMPLE));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 1, maxLength: 200 }), (cuts) => {
        expect(decodeFramed(sample, cuts, true)).toEqual(decodeFramed(sample, cuts, false));
      }),
      { numRuns: 20 },
    );
  });
});

describe('file source', () => {
  const xml = readFileSync(SAMPLE, 'utf8');

  it('reads UTF-8, UTF-16LE with BOM, gzip and one-event-per-line files to the same events', async () => {
    const plain = await readAll([SAMPLE]);
    expect(plain.errors).toEqual([]);
    expect(plain.events.length).toBeGreaterThan(50);
    const utf16 = file('fleet-utf16.xml', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]));
    const gz = file('fleet.xml.gz', gzipSync(Buffer.from(xml)));
    const gz16 = file('fleet16.xml.gz', gzipSync(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')])));
    const bom8 = file('fleet-bom.xml', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(xml)]));
    for (const p of [utf16, gz, gz16, bom8]) {
      const r = await readAll([p]);
      expect(r.errors, p).toEqual([]);
      expect(r.events, p).toEqual(plain.events);
    }
  });

  it('reads a plain file (each chunk read in behind the unfinished event of the last, into reused memory) as it reads the same bytes gzipped', async () => {
    // Events larger than a chunk, events cut by every chunk boundary, UTF-8 split across
    // chunks, entities, garbage, a truncated event and an oversized one that spans chunks: the
    // plain file goes through readInto and the buffers the decoder gives back; the gzip file
    // through the joined chunks of the stream. Same events, same error records.
    const h = new HostLog('RD-ÄÖ', 9);
    let t = Date.UTC(2024, 0, 1);
    const sys = h.system;
    for (let i = 0; i < 2400; i++) h.create((t += 1000), h.proc(1000 + i, 'C:\\Windows\\System32\\svchost.exe', `svchost.exe -k "n${i}" ünï € 😀 ${'x'.repeat(i % 700)}`, sys));
    const ev = h.events;
    const big = ev[5].replace('svchost.exe -k', `svchost.exe ${'é'.repeat(1_300_000)} -k`);
    const huge = ev[6].replace('svchost.exe -k', `svchost.exe ${'y'.repeat(5 << 20)} -k`);
    const parts = [`evtxexport 20181227\n`, ...ev.slice(0, 5), big, huge, 'this is not xml', ev[7].slice(0, 700), ...ev.slice(8)];
    const text = parts.join('\n') + '\n' + ev[4].slice(0, 900);
    const plain = file('rd-plain.xml', text);
    const bom = file('rd-bom.xml', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
    const gz = file('rd-plain.xml.gz', gzipSync(Buffer.from(text)));
    const max = 4 << 20;
    const a = await readAll([plain], max);
    const b = await readAll([gz], max);
    const c = await readAll([bom], max);
    expect(a.events.length).toBe(2400 - 2);
    expect(a.errors.map((e) => e.reason)).toEqual(['oversized-event', 'garbage-between-events', 'truncated-event', 'truncated-event']);
    expect(a.events).toEqual(b.events);
    expect(a.errors.map(({ source, ...e }) => e)).toEqual(b.errors.map(({ source, ...e }) => e));
    expect(a.counters.errorsByReason()).toEqual(b.counters.errorsByReason());
    expect(c.events).toEqual(a.events);
    // Offsets count from after the byte order mark, as they did when it was dropped from the stream.
    expect(c.errors.map(({ source, ...e }) => e)).toEqual(a.errors.map(({ source, ...e }) => e));
  });

  it('reads every JSON-lines layout to the same events as the XML', async () => {
    const events = smallLog(5, 'JSONHOST');
    const ref = await readAll([file('j.xml', events.join('\n'))]);
    const winlogbeat = events.map((x) => JSON.stringify({ '@timestamp': '2024-01-01T00:00:00Z', event: { original: x, kind: 'event' }, winlog: { channel: 'x' } }));
    const nxlog = events.map((x) => JSON.stringify({ EventXML: x, Hostname: 'JSONHOST' }));
    const dotted = events.map((x) => JSON.stringify({ 'event.original': x }));
    for (const [name, lines] of [['wlb', winlogbeat], ['nx', nxlog], ['dot', dotted]] as const) {
      const r = await readAll([file(`${name}.jsonl`, lines.join('\r\n') + '\r\n')]);
      expect(r.errors).toEqual([]);
      expect(r.events).toEqual(ref.events);
    }
  });

  it('turns a JSON line in no known layout, bad JSON and an oversized line into error records and goes on', async () => {
    const [a, b] = smallLog(2, 'J2');
    const lines = [
      JSON.stringify({ EventXML: a }),
      '{"hello": "world"}',
      '{not json',
      JSON.stringify({ EventXML: b.replace('-k n1', 'y'.repeat(3 * 1024 * 1024)) }),
      JSON.stringify({ EventXML: b }),
    ];
    const r = await readAll([file('bad.jsonl', lines.join('\n'))]);
    expect(r.events.map((e) => e.recordId)).toEqual([1000, 1001]);
    expect(r.errors.map((e) => [e.reason, e.line])).toEqual([
      ['unknown-json-layout', 2],
      ['bad-json', 3],
      ['oversized-event', 4],
    ]);
    expect(r.counters.errorsByReason()).toEqual({ 'bad-json': 1, 'oversized-event': 1, 'unknown-json-layout': 1 });
  });

  it('gives error records the file, the byte offset and a snippet', async () => {
    const [a, b] = smallLog(2, 'OFF');
    const bad = b.replace(/<EventID>1<\/EventID>/, '');
    const p = file('off.xml', `${a}\n${bad}\n`);
    const r = await readAll([p]);
    expect(r.events.length).toBe(1);
    expect(r.errors).toEqual([{ reason: 'missing-eventid', message: expect.any(String), source: p, offset: Buffer.byteLength(a) + 1, snippet: expect.stringContaining('<Event') }]);
  });

  it('reads the same events from several files and from a folder', async () => {
    const one = await readAll([SAMPLE]);
    const twice = await readAll([SAMPLE, SAMPLE]);
    expect(twice.events.length).toBe(2 * one.events.length);
    const expanded = eventsDocument(smallLog(2));
    expect((await readAll([file('doc.xml', expanded)])).events.length).toBe(2);
  });
});

describe('damaged gzip input', () => {
  /** Record ids of events a perfect reader could take from `bytes` (complete events only). */
  function completeIds(text: string): number[] {
    return [...text.matchAll(/<EventRecordID>(\d+)<\/EventRecordID>[\s\S]*?<\/Event>/g)].map((m) => Number(m[1]));
  }

  it('reads every event before the cut of a .gz cut short, and reports where it ends (property over cut points)', async () => {
    const events = smallLog(400, 'GZCUT');
    const xml = `${events.join('\n')}\n`;
    const gz = gzipSync(Buffer.from(xml));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 11, max: gz.length - 9 }), async (cut) => {
        const p = file(`cut-${cut}.xml.gz`, gz.subarray(0, cut));
        const r = await readAll([p]);
        const inflated = inflateRawSync(gz.subarray(10, cut), { finishFlush: constants.Z_SYNC_FLUSH });
        // The offset counts bytes: a cut inside a character would lengthen the text by U+FFFD.
        const inflatable = inflated.toString('utf8');
        expect(r.events.map((e) => e.recordId)).toEqual(completeIds(inflatable));
        const gzErr = r.errors.filter((e) => e.reason === 'truncated-gzip');
        expect(gzErr).toEqual([
          { reason: 'truncated-gzip', message: expect.stringContaining('cut short'), source: p, offset: inflated.length, compressedOffset: cut, snippet: '' },
        ]);
        // Besides it, at most the event (or the start of a tag) the cut went through.
        const lastEnd = inflatable.lastIndexOf('</Event>');
        const tail = (lastEnd === -1 ? inflatable : inflatable.slice(lastEnd + 8)).trim();
        const others = r.errors.filter((e) => e.reason !== 'truncated-gzip').map((e) => e.reason);
        if (tail === '') expect(others).toEqual([]);
        else expect(others.length === 1 && ['truncated-event', 'garbage-between-events'].includes(others[0])).toBe(true);
        expect(r.counters.errorsByReason()['truncated-gzip']).toBe(1);
      }),
      // Cut 812 falls inside a character (it failed once in 25 random runs before the offset counted bytes).
      { numRuns: 25, examples: [[812]] },
    );
  });

  /**
   * Three gzip members; the middle one's deflate data breaks (an invalid block type, as zlib sees
   * when a writer died mid-member) after its first `keep` bytes of b.
   */
  function threeMembers(a: Buffer, b: Buffer, c: Buffer, keep: number): Buffer {
    const head = deflateRawSync(b.subarray(0, keep), { finishFlush: constants.Z_FULL_FLUSH });
    const broken = Buffer.concat([gzipSync(b).subarray(0, 10), head, Buffer.from([0x06]), deflateRawSync(b.subarray(keep)), Buffer.alloc(8)]);
    return Buffer.concat([gzipSync(a), broken, gzipSync(c)]);
  }

  it('skips a corrupt gzip member in the middle and reads the members after it (XML, JSON lines, UTF-16)', async () => {
    const [a, b, c] = [smallLog(150, 'GA'), smallLog(150, 'GB'), smallLog(150, 'GC')];
    const cases: [string, (ev: string[]) => Buffer][] = [
      ['xml', (ev) => Buffer.from(ev.join('\n') + '\n')],
      ['jsonl', (ev) => Buffer.from(ev.map((x) => JSON.stringify({ EventXML: x })).join('\n') + '\n')],
      ['utf16.xml', (ev) => Buffer.from(ev.join('\r\n') + '\r\n', 'utf16le')],
    ];
    for (const [ext, render] of cases) {
      const bodyA = ext === 'utf16.xml' ? Buffer.concat([Buffer.from([0xff, 0xfe]), render(a)]) : render(a);
      const bodyB = render(b);
      const p = file(`three.${ext}.gz`, threeMembers(bodyA, bodyB, render(c), Math.floor(bodyB.length * 0.4)));
      const r = await readAll([p]);
      const ids = r.events.map((e) => `${e.host}:${e.recordId}`);
      // Every event of a and c; of b, a run from its start that stops before the damage.
      for (const [h, ev] of [['GA', a], ['GC', c]] as const) for (let i = 0; i < ev.length; i++) expect(ids, ext).toContain(`${h}:${1000 + i}`);
      const fromB = r.events.filter((e) => e.host === 'GB').map((e) => e.recordId);
      expect(fromB.length, ext).toBeGreaterThan(10);
      expect(fromB, ext).toEqual(fromB.map((_, i) => 1000 + i));
      expect(fromB.length, ext).toBeLessThan(150);
      const bad = r.errors.filter((e) => e.reason === 'bad-gzip');
      expect(bad, ext).toHaveLength(1);
      expect(bad[0].compressedOffset, ext).toBeGreaterThan(0);
      expect(bad[0].message, ext).toContain('corrupt');
      // The events are in order: all of a, the start of b, all of c; nothing else but the event the damage cut.
      expect(r.events.map((e) => e.host), ext).toEqual([...a.map(() => 'GA'), ...fromB.map(() => 'GB'), ...c.map(() => 'GC')]);
      expect(r.errors.filter((e) => e.reason !== 'bad-gzip').length, ext).toBeLessThanOrEqual(2);
    }
  });

  it('reports a member whose damage zlib does not notice (its CRC-32 fails) and keeps every event of the others', async () => {
    const [a, b, c] = [smallLog(150, 'HA'), smallLog(150, 'HB'), smallLog(150, 'HC')];
    const gb = gzipSync(Buffer.from(b.join('\n') + '\n'));
    let seed = 7;
    for (let i = gb.length >> 1; i < (gb.length >> 1) + 48; i++) gb[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    const p = file('crc.xml.gz', Buffer.concat([gzipSync(Buffer.from(a.join('\n') + '\n')), gb, gzipSync(Buffer.from(c.join('\n') + '\n'))]));
    const r = await readAll([p]);
    expect(r.errors.filter((e) => e.reason === 'bad-gzip').map((e) => e.message)).toEqual([expect.stringContaining('CRC-32')]);
    const hosts = r.events.map((e) => e.host);
    expect(hosts.filter((h) => h === 'HA').length).toBe(150);
    expect(hosts.filter((h) => h === 'HC').length).toBe(150);
  });
});
