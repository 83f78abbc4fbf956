// Binary XML tokens the real samples do not use (character and entity references, CDATA,
// processing instructions), from a hand-built fragment; and malformed fragments fail cleanly.

import { describe, expect, it } from 'vitest';
import { ChunkContext } from './binxml.js';
import { EvtxFormatError } from './format.js';
import { renderXml, rootElement } from './render.js';
import { resolve, type RChild } from './resolve.js';
import { BinXmlBuilder as Builder } from '../../../test/helpers/binxml-builder.js';

function render(buf: Buffer): string {
  const ctx = new ChunkContext(buf);
  const root: RChild[] = [];
  resolve(ctx, ctx.fragment(0, buf.length, 0), null, 0, root);
  return renderXml(rootElement(root)!);
}

describe('Binary XML tokens', () => {
  it('elements, attributes, text, character and entity references, CDATA, PIs', () => {
    const b = new Builder().u8(0x0f, 1, 1, 0);
    b.u8(0x0a).name('xml-stylesheet').u8(0x0b).u16(4).chars('href');
    b.u8(0x41).u16(0).u32(0).name('E').u32(0);
    b.u8(0x06).name('k').u8(0x05, 0x01).u16(1).chars('v');
    b.u8(0x02);
    b.u8(0x05, 0x01).u16(1).chars('a');
    b.u8(0x08).u16(0x3c);
    b.u8(0x09).name('amp');
    b.u8(0x07).u16(5).chars('cdata');
    b.u8(0x01).u16(0).u32(0).name('Empty').u8(0x03);
    b.u8(0x04, 0x00);
    expect(render(b.buffer())).toBe('<E k="v">a&lt;&amp;cdata<Empty/></E>');
  });

  it('malformed fragments throw EvtxFormatError, never anything else', () => {
    const cases: [string, Buffer][] = [
      ['unknown token', new Builder().u8(0x0f, 1, 1, 0, 0x3f).buffer()],
      ['element not closed', new Builder().u8(0x01).u16(0).u32(0).name('E').u8(0x02).buffer()],
      ['end element outside an element', new Builder().u8(0x04).buffer()],
      ['name offset outside the chunk', new Builder().u8(0x01).u16(0).u32(0).u32(999_999).u8(0x03).buffer()],
      ['value past the end', new Builder().u8(0x05, 0x01).u16(500).buffer()],
      ['template offset outside the chunk', new Builder().u8(0x0c, 1).u32(0).u32(999_999).u32(0).buffer()],
    ];
    for (const [what, buf] of cases) expect(() => render(buf), what).toThrow(EvtxFormatError);
  });

  it('a template that instantiates itself fails instead of recursing', () => {
    // TemplateInstance at 0 whose definition (inline, at 10) holds a TemplateInstance of itself.
    const b = new Builder().u8(0x0c, 1).u32(0).u32(10);
    b.u32(0).u32(0).u32(0).u32(0).u32(0).u32(15); // next, GUID, data size
    b.u8(0x0c, 1).u32(0).u32(10).u32(0); // the definition: an instance of itself
    b.u32(0); // no substitution values
    expect(() => render(b.buffer())).toThrow(/refers to itself/);
  });
});

describe('expansion budget', () => {
  // Fuzzing found damaged records that render to megabytes each (one value repeated by the
  // template); a record's expansion is bounded, past it the record is reported as damaged.
  it('refuses a fragment that expands past MAX_RESOLVED_CHARS, and renders one just under it', () => {
    const frag = (pieces: number): Buffer => {
      const b = new Builder().u8(0x0f, 1, 1, 0);
      b.u8(0x01).u16(0).u32(0).name('E').u8(0x02);
      for (let i = 0; i < pieces; i++) b.u8(0x05, 0x01).u16(60000).chars('x'.repeat(60000));
      b.u8(0x04, 0x00);
      return b.buffer();
    };
    expect(render(frag(8)).length).toBe(8 * 60000 + 7);
    expect(() => render(frag(9))).toThrow(EvtxFormatError);
    expect(() => render(frag(9))).toThrow(/expands to more than/);
  });
});

