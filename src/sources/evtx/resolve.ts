// Turns parsed Binary XML plus substitution values into a plain element tree (nested BinXml and
// templates expanded). Used to render records (evtx-dump) and to read fields of records whose
// template does not have the plain System/EventData shape the fast path handles.

import type { ChunkContext } from './binxml.js';
import { EvtxFormatError, VT_ARRAY, VT_BINXML, VT_NULL } from './format.js';
import { K_CDATA, K_CHARREF, K_ELEMENT, K_ENTITYREF, K_SUBST, K_TEMPLATE, K_TEXT, type XAttr, type XCharRef, type XEntityRef, type XNode } from './nodes.js';
import type { SubstValues } from './subst.js';
import { arrayItems, scalarText } from './values.js';

export interface RElement {
  name: string;
  attrs: RAttr[];
  children: RChild[];
}
export interface RAttr {
  name: string;
  value: string;
}
export type RChild = RElement | string;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Array items are joined with this separator when rendered as one text. */
export const ARRAY_SEPARATOR = ',';

/**
 * Characters a record may expand to. A record is at most 64 KiB (its binary values render to at
 * most 128 Ki hex digits) and the real ones render to a few KB; a damaged one whose template
 * repeats one large value hundreds of times rendered to megabytes per record (found by
 * fuzzing), so past this it is a damaged record.
 */
export const MAX_RESOLVED_CHARS = 1 << 19;

/** What is left of a record's expansion budget, shared by the recursive calls of one record. */
export interface ResolveBudget {
  left: number;
}

function spend(budget: ResolveBudget, n: number): void {
  budget.left -= n;
  if (budget.left < 0) throw new EvtxFormatError(`record expands to more than ${MAX_RESOLVED_CHARS} characters: its templates or values are damaged`, 0);
}

export function resolve(ctx: ChunkContext, nodes: XNode[], values: SubstValues | null, nest: number, out: RChild[], budget: ResolveBudget = { left: MAX_RESOLVED_CHARS }): void {
  for (const n of nodes) {
    spend(budget, 8);
    switch (n.kind) {
      case K_ELEMENT: {
        const only = n.children.length === 1 ? n.children[0] : undefined;
        if (only !== undefined && only.kind === K_SUBST && values !== null) {
          const t = only.index < values.count ? values.types[only.index] : VT_NULL;
          // An element made of one null optional value is left out, as Windows renders it.
          if (t === VT_NULL && only.optional && n.attrs.length === 0) break;
          // An array value repeats its element once per item (<Data>a</Data><Data>b</Data>).
          if (t & VT_ARRAY) {
            for (const item of arrayItems(ctx.buf, values.offsets[only.index], values.sizes[only.index], t)) {
              const attrs = attrsOf(ctx, n.attrs, values);
              spend(budget, n.name.length + item.length + attrs.reduce((a, x) => a + x.name.length + x.value.length, 0));
              out.push({ name: n.name, attrs, children: item === '' ? [] : [item] });
            }
            break;
          }
        }
        const el: RElement = { name: n.name, attrs: attrsOf(ctx, n.attrs, values), children: [] };
        spend(budget, n.name.length + el.attrs.reduce((a, x) => a + x.name.length + x.value.length, 0));
        resolve(ctx, n.children, values, nest, el.children, budget);
        out.push(el);
        break;
      }
      case K_TEXT:
      case K_CDATA:
        spend(budget, n.text.length);
        out.push(n.text);
        break;
      case K_CHARREF:
      case K_ENTITYREF:
        out.push(resolvedText(n));
        break;
      case K_SUBST:
        substitute(ctx, n.index, values, nest, out, budget);
        break;
      case K_TEMPLATE:
        resolve(ctx, n.template.nodes, n.values, nest + 1, out, budget);
        break;
      default:
        break; // processing instructions carry nothing an event reader needs
    }
  }
}

function attrsOf(ctx: ChunkContext, attrs: XAttr[], values: SubstValues | null): RAttr[] {
  const out: RAttr[] = [];
  for (const a of attrs) {
    const v = attrValue(ctx, a.value, values);
    if (v !== null) out.push({ name: a.name, value: v });
  }
  return out;
}

function substitute(ctx: ChunkContext, i: number, values: SubstValues | null, nest: number, out: RChild[], budget: ResolveBudget): void {
  if (values === null || i >= values.count) return;
  const type = values.types[i];
  const off = values.offsets[i];
  const size = values.sizes[i];
  if (type === VT_NULL) return;
  if (type === VT_BINXML) {
    resolve(ctx, ctx.fragment(off, off + size, nest + 1), null, nest + 1, out, budget);
    return;
  }
  const text = type & VT_ARRAY ? arrayItems(ctx.buf, off, size, type).join(ARRAY_SEPARATOR) : scalarText(ctx.buf, off, size, type);
  spend(budget, text.length);
  out.push(text);
}

/** An attribute's text; null when it is made only of null substitutions (Windows leaves such attributes out). */
function attrValue(ctx: ChunkContext, parts: XNode[], values: SubstValues | null): string | null {
  let s = '';
  let present = parts.length === 0;
  for (const p of parts) {
    if (p.kind === K_SUBST) {
      if (values === null || p.index >= values.count || values.types[p.index] === VT_NULL) continue;
      const type = values.types[p.index];
      const off = values.offsets[p.index];
      const size = values.sizes[p.index];
      if (type === VT_BINXML) continue;
      s += type & VT_ARRAY ? arrayItems(ctx.buf, off, size, type).join(ARRAY_SEPARATOR) : scalarText(ctx.buf, off, size, type);
      present = true;
    } else if (p.kind === K_TEXT) {
      s += p.text;
      present = true;
    } else if (p.kind === K_CHARREF || p.kind === K_ENTITYREF) {
      s += resolvedText(p);
      present = true;
    }
  }
  return present ? s : null;
}

/** The text a character or entity reference stands for (an unknown entity stays as written). */
export function resolvedText(n: XCharRef | XEntityRef): string {
  return n.kind === K_CHARREF ? String.fromCharCode(n.code) : (ENTITIES[n.name] ?? `&${n.name};`);
}

/** Concatenated text children of an element. */
export function textOf(el: RElement): string {
  let s = '';
  for (const c of el.children) if (typeof c === 'string') s += c;
  return s;
}

export function child(el: RElement, name: string): RElement | undefined {
  for (const c of el.children) if (typeof c !== 'string' && c.name === name) return c;
  return undefined;
}

export function attr(el: RElement, name: string): string | undefined {
  for (const a of el.attrs) if (a.name === name) return a.value;
  return undefined;
}
