// A template compiled in one chunk is reused in another where its definition is equivalent, and
// only there: the same bytes at another offset, names in place or naming the same strings.

import { describe, expect, it } from 'vitest';
import { BinXmlBuilder } from '../../../test/helpers/binxml-builder.js';
import { ChunkContext } from './binxml.js';
import { VT_STRING } from './format.js';
import { K_ELEMENT } from './nodes.js';
import { SubstValues } from './subst.js';

/** A chunk: a name defined at offset 0 (when given), padding, then a record <E>{0}</E> whose element name is in place or that name. */
function chunk(pad: number, external?: string): { buf: Buffer; start: number } {
  const b = new BinXmlBuilder();
  if (external !== undefined) b.nameStruct(external);
  while (b.pos < pad) b.u8(0);
  const start = b.pos;
  b.u8(0x0f, 1, 1, 0).instance(7, (t) => t.u8(0x0f, 1, 1, 0).element(external === undefined ? 'E' : 0).u8(0x02).subst(0, VT_STRING).u8(0x04, 0x00), [[VT_STRING, [0x41, 0]]]);
  return { buf: b.u8(0x00).buffer(), start };
}

function templateOf(ctx: ChunkContext, c: { buf: Buffer; start: number }) {
  ctx.reset(c.buf);
  const t = ctx.recordTemplate(c.start, c.buf.length, new SubstValues());
  if (t === null) throw new Error('no template instance');
  return t;
}

function rootName(t: { nodes: { kind: number }[] }): string {
  const n = t.nodes[0] as { kind: number; name?: string };
  return n.kind === K_ELEMENT ? (n.name ?? '') : '';
}

describe('templates shared across chunks', () => {
  it('reuses a definition found at another offset, names defined in place', () => {
    const ctx = new ChunkContext(Buffer.alloc(0));
    const a = templateOf(ctx, chunk(0));
    const b = templateOf(ctx, chunk(100));
    expect(b).toBe(a);
  });

  it('reuses one whose names point elsewhere only when they name the same strings', () => {
    const ctx = new ChunkContext(Buffer.alloc(0));
    const e = templateOf(ctx, chunk(40, 'Event'));
    expect(templateOf(ctx, chunk(80, 'Event'))).toBe(e);
    const f = templateOf(ctx, chunk(80, 'Other'));
    expect(f).not.toBe(e);
    expect(rootName(f)).toBe('Other');
    // In place instead of elsewhere: not the same bytes, compiled anew.
    const g = templateOf(ctx, chunk(60));
    expect(g).not.toBe(e);
    expect(rootName(g)).toBe('E');
  });
});
