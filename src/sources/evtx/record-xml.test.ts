// The byte writer renders a record exactly as resolve() + renderXml() do, and leaves to them
// (returning false, nothing written) what it does not cover.

import { describe, expect, it } from 'vitest';
import { BinXmlBuilder, utf16Value } from '../../../test/helpers/binxml-builder.js';
import { ChunkContext } from './binxml.js';
import { ByteSink } from './byte-sink.js';
import { VT_ANSI_STRING, VT_ARRAY, VT_BINXML, VT_FILETIME, VT_GUID, VT_NULL, VT_STRING, VT_UINT16, VT_UINT32 } from './format.js';
import { RecordXmlWriter } from './record-xml.js';
import { renderXml, rootElement } from './render.js';
import { resolve, type RChild } from './resolve.js';

function slow(buf: Buffer): string {
  const ctx = new ChunkContext(buf);
  const root: RChild[] = [];
  resolve(ctx, ctx.fragment(0, buf.length, 0), null, 0, root);
  return renderXml(rootElement(root)!);
}

function fast(buf: Buffer): string | null {
  const sink = new ByteSink(Buffer.alloc(16));
  const ok = new RecordXmlWriter().write(new ChunkContext(buf), 0, buf.length, sink);
  return ok ? sink.buf.toString('utf8', 0, sink.pos) : null;
}

const u16 = (v: number): number[] => [v & 0xff, v >> 8];
const u32 = (v: number): number[] => [...u16(v & 0xffff), ...u16(v >>> 16)];

/** <Event a="{0}" b="x"><S>{1}</S><O>{2?}</O><N>{3}</N><E/>{4 nested}</Event>, EventData nested as Windows writes it. */
function record(v0: [number, number[]], v1: [number, number[]], v2: [number, number[]], data: [number, number[]][]): Buffer {
  // Built twice: the nested value's offsets depend on where it lands (just before the final EOF).
  const first = recordAt(0, v0, v1, v2, data);
  return recordAt(first.length - 1 - first.innerLength, v0, v1, v2, data);
}

function recordAt(innerBase: number, v0: [number, number[]], v1: [number, number[]], v2: [number, number[]], data: [number, number[]][]): Buffer & { innerLength: number } {
  const inner = new BinXmlBuilder(innerBase).u8(0x0f, 1, 1, 0);
  inner.instance(
    2,
    (b) => {
      b.u8(0x0f, 1, 1, 0).element('EventData').u8(0x02);
      data.forEach((_, i) => b.element('Data', true).attr('Name').text(`F${i}`).u8(0x02).subst(i, data[i][0], true).u8(0x04));
      b.u8(0x04, 0x00);
    },
    data,
  );
  inner.u8(0x00);
  const b = new BinXmlBuilder().u8(0x0f, 1, 1, 0);
  b.instance(
    1,
    (t) => {
      t.u8(0x0f, 1, 1, 0).element('Event', true).attr('a').subst(0, v0[0], true).attr('b').text('x').u8(0x02);
      t.element('S').u8(0x02).subst(1, VT_STRING).u8(0x04);
      t.element('O').u8(0x02).subst(2, VT_STRING, true).u8(0x04);
      t.element('N').u8(0x02).subst(3, VT_UINT16).u8(0x04);
      t.element('E').u8(0x03);
      t.subst(4, VT_BINXML);
      t.u8(0x04, 0x00);
    },
    [v0, v1, v2, [VT_UINT16, u16(13)], [VT_BINXML, [...inner.buffer()]]],
  );
  return Object.assign(b.u8(0x00).buffer(), { innerLength: inner.buffer().length });
}

const s = (text: string, nul = true): [number, number[]] => [VT_STRING, utf16Value(text, nul)];
const nul: [number, number[]] = [VT_NULL, []];

describe('RecordXmlWriter', () => {
  const cases: [string, Buffer][] = [
    ['plain values', record(s('v'), s('C:\\Windows\\system32\\cmd.exe'), s('opt'), [s('a'), [VT_UINT32, u32(4242)], [VT_GUID, [...Array(16).keys()]]])],
    ['escapes, line breaks, controls, non-ASCII', record(s('<"&\'>'), s('a\tb\r\nc\u0085d\u2028e\u2029f\u0001g'), s('é€中'), [[VT_ANSI_STRING, [0x41, 0x26, 0x85, 0xe9, 0]], s('x\u00a0y')])],
    ['null attribute, dropped optional element, empty string', record(nul, s('', false), nul, [nul, s('', false)])],
    ['times and odd-length strings', record(s('t'), [VT_STRING, [0x41, 0, 0x42]], s('o'), [[VT_FILETIME, [0x00, 0x80, 0x3e, 0xd5, 0xde, 0xb1, 0x9d, 0x01]]])],
  ];
  for (const [what, buf] of cases) {
    it(`renders ${what} as resolve() and renderXml() do`, () => {
      const expected = slow(buf);
      expect(fast(buf)).toBe(expected);
    });
  }

  const arrays: [string, Buffer][] = [
    ['string arrays: an element per item (an empty one <X/>), joined in attributes and mixed content', record([VT_STRING | VT_ARRAY, utf16Value('a<b\0\0c')], [VT_STRING | VT_ARRAY, utf16Value('p\0\0q&r')], s('o'), [[VT_STRING | VT_ARRAY, utf16Value('x\0é\0')], s('y')])],
    ['integer and GUID arrays', record(s('a'), [VT_UINT32 | VT_ARRAY, [...u32(1), ...u32(4294967295)]], s('o'), [[VT_UINT16 | VT_ARRAY, [...u16(7), ...u16(65535)]], [VT_GUID | VT_ARRAY, [...Array(32).keys()]]])],
    ['an empty array: the element left out', record(s('a'), s('x'), s('y'), [[VT_STRING | VT_ARRAY, []], [VT_UINT32 | VT_ARRAY, []]])],
  ];
  for (const [what, buf] of arrays) {
    it(`renders ${what} as resolve() and renderXml() do`, () => {
      const expected = slow(buf);
      expect(fast(buf)).toBe(expected);
    });
  }

  it('leaves text with surrogates and damaged values to the general path', () => {
    expect(fast(record(s('\ud83d\ude00'), s('x'), s('y'), []))).toBeNull();
    expect(fast(record(s('a'), s('x'), s('y'), [[VT_STRING | VT_ARRAY, utf16Value('p\0\ud83d\ude00')]]))).toBeNull();
    expect(fast(record(s('a'), s('x'), s('y'), [[VT_GUID, [1, 2, 3]]]))).toBeNull();
    // An array shorter than one item has no items, for resolve() too.
    const short = record(s('a'), s('x'), s('y'), [[VT_GUID | VT_ARRAY, [1, 2, 3]]]);
    expect(fast(short)).toBe(slow(short));
  });

  it('writes nothing when it gives up', () => {
    const sink = new ByteSink(Buffer.alloc(64));
    sink.raw('kept');
    const buf = record(s('\ud83d'), s('x'), s('y'), []);
    expect(new RecordXmlWriter().write(new ChunkContext(buf), 0, buf.length, sink)).toBe(false);
    expect(sink.buf.toString('utf8', 0, sink.pos)).toBe('kept');
  });
});
