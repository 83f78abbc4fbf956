// Binary XML token parser for one chunk. Names and templates are addressed by chunk-relative
// offsets, so both are cached per chunk: a template is compiled once and reused by every record
// of the chunk that instantiates it.

import {
  EvtxFormatError,
  TOK_ATTRIBUTE,
  TOK_CDATA,
  TOK_CHARREF,
  TOK_CLOSE_EMPTY,
  TOK_CLOSE_START,
  TOK_END_ELEMENT,
  TOK_ENTITYREF,
  TOK_EOF,
  TOK_FRAGMENT_HEADER,
  TOK_NORMAL_SUBST,
  TOK_OPEN_START,
  TOK_OPTIONAL_SUBST,
  TOK_PI_DATA,
  TOK_PI_TARGET,
  TOK_TEMPLATE_INSTANCE,
  TOK_VALUE,
  VT_ANSI_STRING,
  VT_STRING,
} from './format.js';
import { K_CDATA, K_CHARREF, K_ELEMENT, K_ENTITYREF, K_PI, K_SUBST, K_TEMPLATE, K_TEXT, type Template, type XAttr, type XElement, type XNode } from './nodes.js';
import { SubstValues } from './subst.js';
import { TemplateStore, type NameRefSite } from './template-store.js';
import { fixedSize, guidText, scalarText, utf16 } from './values.js';

/** Nesting limits: real events nest a handful deep; corrupt data must not recurse unbounded. */
const MAX_ELEMENT_DEPTH = 64;
const MAX_NESTED_FRAGMENTS = 8;

/** Marks a template whose compilation is under way, so a self-referencing one fails instead of recursing. */
const COMPILING = new EvtxFormatError('template refers to itself', 0);

export class ChunkContext {
  /** The chunk's bytes; every offset in Binary XML is relative to its start. */
  buf: Buffer;
  private readonly names = new Map<number, string>();
  private readonly templates = new Map<number, Template | EvtxFormatError>();
  /** Templates compiled in earlier chunks, reused where a definition is equivalent. */
  private readonly shared = new TemplateStore();
  /** Cursor of the parse in progress (a field rather than tuple returns: no allocation per token). */
  private p = 0;
  /** While a template compiles: its start, its end, its name references, and whether it can be shared. */
  private defStart = -1;
  private defEnd = -1;
  private refs: NameRefSite[] | null = null;
  private shareable = false;

  constructor(buf: Buffer) {
    this.buf = buf;
  }

  /** Reuses this context for another chunk. */
  reset(buf: Buffer): void {
    this.buf = buf;
    this.names.clear();
    this.templates.clear();
  }

  /** Where the last read stopped (after recordTemplate: just after the substitution values). */
  get cursor(): number {
    return this.p;
  }

  u16(p: number): number {
    return this.buf[p] | (this.buf[p + 1] << 8);
  }

  u32(p: number): number {
    const b = this.buf;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
  }

  private need(p: number, n: number, end: number, what: string): void {
    if (p + n > end) throw new EvtxFormatError(`${what} runs past its container`, p);
  }

  /** The name structure at off: u32 next, u16 hash, u16 length in chars, chars, u16 NUL. */
  name(off: number): string {
    const hit = this.names.get(off);
    if (hit !== undefined) return hit;
    if (off < 0 || off + 8 > this.buf.length) throw new EvtxFormatError(`name offset ${off} outside the chunk`, off);
    const n = this.u16(off + 6);
    if (off + 8 + 2 * n > this.buf.length) throw new EvtxFormatError(`name at ${off} runs past the chunk`, off);
    const s = utf16(this.buf, off + 8, off + 8 + 2 * n);
    this.names.set(off, s);
    return s;
  }

  /** A u32 name reference at the cursor; a name defined in place right after it is skipped. */
  private nameRef(end: number): string {
    this.need(this.p, 4, end, 'name reference');
    const off = this.u32(this.p);
    this.p += 4;
    const name = this.name(off);
    const inPlace = off === this.p;
    if (this.refs !== null) this.refs.push({ rel: this.p - 4 - this.defStart, external: inPlace ? null : name });
    if (inPlace) this.p += 10 + 2 * this.u16(off + 6);
    // A name defined in place but past the template's end: the definition is not self-contained.
    if (inPlace && this.p > this.defEnd) this.shareable = false;
    return name;
  }

  /** The template defined at off (u32 next, 16-byte GUID, u32 size, fragment), compiled once. */
  template(off: number, nest: number): Template {
    const hit = this.templates.get(off);
    if (hit !== undefined) {
      if (hit instanceof EvtxFormatError) throw hit === COMPILING ? new EvtxFormatError('template refers to itself', off) : hit;
      return hit;
    }
    const saved = this.p;
    const savedDef = [this.defStart, this.defEnd, this.refs, this.shareable] as const;
    this.templates.set(off, COMPILING);
    try {
      if (off < 0 || off + 24 > this.buf.length) throw new EvtxFormatError(`template offset ${off} outside the chunk`, off);
      const size = this.u32(off + 20);
      const end = off + 24 + size;
      if (end > this.buf.length) throw new EvtxFormatError(`template at ${off} (${size} bytes) runs past the chunk`, off);
      const known = this.shared.find(this.buf, off, size, this);
      if (known !== undefined) {
        this.templates.set(off, known);
        return known;
      }
      const nodes: XNode[] = [];
      this.p = off + 24;
      this.defStart = off;
      this.defEnd = end;
      this.refs = [];
      this.shareable = true;
      this.content(end, 0, nest, nodes, false);
      const t: Template = { offset: off, guid: guidText(this.buf, off + 4), nodes, plan: undefined, render: undefined };
      if (this.shareable) this.shared.add(this.buf, off, size, this.refs, t);
      this.templates.set(off, t);
      return t;
    } catch (e) {
      const err = e instanceof EvtxFormatError ? e : new EvtxFormatError(String(e), off);
      this.templates.set(off, err);
      throw err;
    } finally {
      this.p = saved;
      [this.defStart, this.defEnd, this.refs, this.shareable] = savedDef;
    }
  }

  /**
   * The common record shape, read without building a tree: [fragment header] TemplateInstance.
   * Fills values and returns the template, or null when the record has another shape.
   */
  recordTemplate(start: number, end: number, values: SubstValues): Template | null {
    let p = start;
    if (p < end && this.buf[p] === TOK_FRAGMENT_HEADER) p += 4;
    if (p >= end || this.buf[p] !== TOK_TEMPLATE_INSTANCE) return null;
    this.p = p;
    return this.templateInstanceHead(end, values, 0);
  }

  /** Reads a TemplateInstance token at the cursor (inline definition skipped) and its values. */
  private templateInstanceHead(end: number, values: SubstValues, nest: number): Template {
    const p = this.p;
    this.need(p, 10, end, 'template instance');
    const defOff = this.u32(p + 6);
    let q = p + 10;
    if (defOff === q) {
      this.need(q, 24, end, 'template definition');
      q += 24 + this.u32(q + 20);
      if (q > end) throw new EvtxFormatError('inline template definition runs past the record', p);
    }
    const t = this.template(defOff, nest);
    this.p = values.read(this.buf, q, end);
    return t;
  }

  /** Parses a whole fragment (a record's data or a nested BinXml value) into nodes. */
  fragment(start: number, end: number, nest: number): XNode[] {
    if (nest > MAX_NESTED_FRAGMENTS) throw new EvtxFormatError('Binary XML nested too deep', start);
    const saved = this.p;
    try {
      this.p = start;
      const out: XNode[] = [];
      this.content(end, 0, nest, out, false);
      return out;
    } finally {
      this.p = saved;
    }
  }

  /** Content tokens until EndElement (inElement) or EOF / end of the container. */
  private content(end: number, depth: number, nest: number, out: XNode[], inElement: boolean): void {
    const b = this.buf;
    for (;;) {
      if (this.p >= end) {
        if (inElement) throw new EvtxFormatError('element not closed before the end of its container', this.p);
        return;
      }
      const tok = b[this.p] & 0xbf;
      switch (tok) {
        case TOK_EOF:
          if (inElement) throw new EvtxFormatError('end of fragment inside an element', this.p);
          this.p++;
          return;
        case TOK_FRAGMENT_HEADER:
          this.p += 4;
          break;
        case TOK_OPEN_START:
          out.push(this.element(end, depth + 1, nest));
          break;
        case TOK_END_ELEMENT:
          if (!inElement) throw new EvtxFormatError('end element without an open element', this.p);
          this.p++;
          return;
        case TOK_TEMPLATE_INSTANCE: {
          // Its values point into this chunk: a template holding one is not shared.
          this.shareable = false;
          const values = new SubstValues(8);
          const template = this.templateInstanceHead(end, values, nest + 1);
          out.push({ kind: K_TEMPLATE, template, values });
          break;
        }
        case TOK_CDATA: {
          this.need(this.p, 3, end, 'CDATA');
          const n = this.u16(this.p + 1);
          this.need(this.p + 3, 2 * n, end, 'CDATA');
          out.push({ kind: K_CDATA, text: utf16(b, this.p + 3, this.p + 3 + 2 * n) });
          this.p += 3 + 2 * n;
          break;
        }
        case TOK_PI_TARGET: {
          this.p++;
          const target = this.nameRef(end);
          let data = '';
          if (this.p < end && (b[this.p] & 0xbf) === TOK_PI_DATA) {
            this.need(this.p, 3, end, 'PI data');
            const n = this.u16(this.p + 1);
            this.need(this.p + 3, 2 * n, end, 'PI data');
            data = utf16(b, this.p + 3, this.p + 3 + 2 * n);
            this.p += 3 + 2 * n;
          }
          out.push({ kind: K_PI, target, data });
          break;
        }
        default:
          if (!this.valueLike(end, out)) throw new EvtxFormatError(`unexpected token 0x${b[this.p].toString(16)}`, this.p);
      }
    }
  }

  /** Value, substitution, character or entity reference at the cursor; false for any other token. */
  private valueLike(end: number, out: XNode[]): boolean {
    const b = this.buf;
    const p = this.p;
    switch (b[p] & 0xbf) {
      case TOK_VALUE: {
        this.need(p, 2, end, 'value');
        const type = b[p + 1];
        if (type === VT_STRING || type === VT_ANSI_STRING) {
          this.need(p, 4, end, 'value');
          const n = this.u16(p + 2);
          const bytes = type === VT_STRING ? 2 * n : n;
          this.need(p + 4, bytes, end, 'value');
          out.push({ kind: K_TEXT, text: scalarText(b, p + 4, bytes, type) });
          this.p = p + 4 + bytes;
        } else {
          const n = fixedSize(type);
          if (n === 0) throw new EvtxFormatError(`value token of unsupported type 0x${type.toString(16)}`, p);
          this.need(p + 2, n, end, 'value');
          out.push({ kind: K_TEXT, text: scalarText(b, p + 2, n, type) });
          this.p = p + 2 + n;
        }
        return true;
      }
      case TOK_NORMAL_SUBST:
      case TOK_OPTIONAL_SUBST:
        this.need(p, 4, end, 'substitution');
        out.push({ kind: K_SUBST, index: this.u16(p + 1), type: b[p + 3], optional: (b[p] & 0xbf) === TOK_OPTIONAL_SUBST });
        this.p = p + 4;
        return true;
      case TOK_CHARREF:
        this.need(p, 3, end, 'character reference');
        out.push({ kind: K_CHARREF, code: this.u16(p + 1) });
        this.p = p + 3;
        return true;
      case TOK_ENTITYREF:
        this.p = p + 1;
        out.push({ kind: K_ENTITYREF, name: this.nameRef(end) });
        return true;
      default:
        return false;
    }
  }

  /** OpenStartElement: u16 dependency id, u32 size, name, [u32 attribute list size, attributes], close token. */
  private element(end: number, depth: number, nest: number): XElement {
    if (depth > MAX_ELEMENT_DEPTH) throw new EvtxFormatError('elements nested too deep', this.p);
    const b = this.buf;
    const hasAttrs = (b[this.p] & 0x40) !== 0;
    this.need(this.p, 7, end, 'element');
    this.p += 7;
    const name = this.nameRef(end);
    const attrs: XAttr[] = [];
    if (hasAttrs) {
      this.need(this.p, 4, end, 'attribute list');
      this.p += 4;
      while (this.p < end && (b[this.p] & 0xbf) === TOK_ATTRIBUTE) {
        this.p++;
        const attrName = this.nameRef(end);
        const value: XNode[] = [];
        while (this.p < end && this.valueLike(end, value)) {
          /* an attribute value is one or more value-like tokens */
        }
        attrs.push({ name: attrName, value });
      }
    }
    const el: XElement = { kind: K_ELEMENT, name, attrs, children: [] };
    if (this.p >= end) throw new EvtxFormatError(`element <${name}> not closed`, this.p);
    const tok = b[this.p];
    if (tok === TOK_CLOSE_EMPTY) {
      this.p++;
    } else if (tok === TOK_CLOSE_START) {
      this.p++;
      this.content(end, depth, nest, el.children, true);
    } else {
      throw new EvtxFormatError(`unexpected token 0x${tok.toString(16)} after the start of <${name}>`, this.p);
    }
    return el;
  }
}
