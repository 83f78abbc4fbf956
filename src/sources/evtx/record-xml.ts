// One-line Windows Event XML of a record, written straight into a ByteSink: each template is
// compiled once into pre-encoded markup with holes for its substitutions, and a record only
// writes its values, from the chunk's bytes. The output is byte for byte what resolve() and
// renderXml() make of the record (render.ts), arrays included (an element holding one array
// value repeats per item, an array elsewhere is its items joined by commas); whatever this path
// does not cover (text with surrogates, unusual record shapes, damaged values, recovered records)
// makes write() return false with nothing written, and the caller renders that record the
// general way.

import type { ChunkContext } from './binxml.js';
import { Piece, type ByteSink } from './byte-sink.js';
import { EvtxFormatError, TOK_EOF, VT_ANSI_STRING, VT_ARRAY, VT_BINXML, VT_EVT_XML, VT_FILETIME, VT_GUID, VT_HEXINT32, VT_HEXINT64, VT_NULL, VT_STRING, VT_UINT16, VT_UINT32, VT_UINT64, VT_UINT8 } from './format.js';
import { K_CDATA, K_CHARREF, K_ELEMENT, K_ENTITYREF, K_PI, K_SUBST, K_TEXT, type Template, type XElement, type XNode } from './nodes.js';
import { xmlName } from './render.js';
import { ARRAY_SEPARATOR, MAX_RESOLVED_CHARS, resolvedText } from './resolve.js';
import { SubstValues } from './subst.js';
import { arrayItems, filetimeInto, guidInto, hexInto, scalarText, u32 } from './values.js';
import { escapeXml } from '../../decode/xml-escape.js';

/** resolve()'s depth limit for nested Binary XML fragments (binxml.ts). */
const MAX_NESTED_FRAGMENTS = 8;
/** What resolve() counts per node against its expansion budget. */
const NODE_COST = 8;

/** Escaped text known when the template is compiled (literal text, character and entity references). */
interface Lit {
  sub: false;
  piece: Piece;
  /** Its resolved length (before escaping), for the expansion budget. */
  chars: number;
}
interface Sub {
  sub: true;
  index: number;
}
type Part = Lit | Sub;

interface Attr {
  /** ' name="' */
  head: Piece;
  parts: Part[];
}

interface El {
  /** '<name' and the attributes that hold no substitution. */
  open: Piece;
  /** open and '>', for an element whose content is known to render (one non-null value). */
  openGt: Piece;
  /** Attributes with substitutions, in order (a static one after a dynamic one stays here too). */
  attrs: Attr[];
  children: Node[];
  /** '</name>' */
  close: Piece;
  /** The only child is this substitution (-1: it is not): a null optional one drops the element. */
  single: number;
  optional: boolean;
  hasAttrs: boolean;
  /** Name and attribute names, as resolve() counts them, plus the node itself. */
  cost: number;
}
type Node = El | Part;

/** A template compiled for this writer: its top-level nodes. */
interface Program {
  nodes: Node[];
}

const NOT_RENDERABLE: Program = { nodes: [] };
const SURROGATE = /[\ud800-\udfff]/;
const QUOTE = new Piece(Buffer.from('"'));
const GT = new Piece(Buffer.from('>'));
const EMPTY_CLOSE = new Piece(Buffer.from('/>'));

/** Thrown when a record leaves this path; caught in write(). */
class Bail extends Error {}
const BAIL = new Bail();

function isEl(n: Node): n is El {
  return (n as El).open !== undefined;
}

function lit(text: string): Lit {
  if (SURROGATE.test(text)) throw BAIL;
  return { sub: false, piece: new Piece(Buffer.from(escapeXml(text, false, true))), chars: text.length };
}

/** A node as it appears in an attribute value or as content; null for what renders to nothing. */
function part(n: XNode): Part | null {
  switch (n.kind) {
    case K_SUBST:
      return { sub: true, index: n.index };
    case K_TEXT:
    case K_CDATA:
      return lit(n.text);
    case K_CHARREF:
    case K_ENTITYREF:
      return lit(resolvedText(n));
    default:
      return null;
  }
}

function compileNodes(nodes: XNode[]): Node[] {
  const out: Node[] = [];
  for (const n of nodes) {
    if (n.kind === K_ELEMENT) out.push(compileElement(n));
    else if (n.kind === K_PI) continue;
    else {
      const p = part(n);
      if (p === null) throw BAIL; // a template instance inside a template
      out.push(p);
    }
  }
  return out;
}

function compileElement(n: XElement): El {
  const name = xmlName(n.name);
  const seen = new Set<string>();
  let open = '<' + name;
  const attrs: Attr[] = [];
  let cost = NODE_COST + n.name.length;
  for (const a of n.attrs) {
    const an = xmlName(a.name);
    if (seen.has(an)) throw BAIL; // a repeated attribute: only damaged records have one
    seen.add(an);
    cost += a.name.length;
    const parts: Part[] = [];
    for (const v of a.value) {
      const p = part(v);
      if (p !== null) parts.push(p);
    }
    if (attrs.length === 0 && parts.every((p) => !p.sub)) {
      const text = Buffer.concat(parts.map((p) => (p as Lit).piece.bytes)).toString();
      open += ` ${an}="${text}"`;
      cost += (parts as Lit[]).reduce((s, p) => s + p.chars, 0);
    } else {
      attrs.push({ head: new Piece(Buffer.from(` ${an}="`)), parts });
    }
  }
  const only = n.children.length === 1 ? n.children[0] : undefined;
  const single = only !== undefined && only.kind === K_SUBST ? only : undefined;
  return {
    open: new Piece(Buffer.from(open)),
    openGt: new Piece(Buffer.from(open + '>')),
    attrs,
    children: compileNodes(n.children),
    close: new Piece(Buffer.from(`</${name}>`)),
    single: single ? single.index : -1,
    optional: single ? single.optional : false,
    hasAttrs: n.attrs.length > 0,
    cost,
  };
}

function programOf(t: Template): Program {
  let p = t.render as Program | undefined;
  if (p === undefined) {
    try {
      p = { nodes: compileNodes(t.nodes) };
    } catch (e) {
      if (e !== BAIL) throw e;
      p = NOT_RENDERABLE;
    }
    t.render = p;
  }
  return p;
}

export class RecordXmlWriter {
  /** Substitution values per nesting level of template instances. */
  private readonly values: SubstValues[] = [];
  private ctx!: ChunkContext;
  private out!: ByteSink;
  /** Upper bound of what resolve() would count against MAX_RESOLVED_CHARS for this record. */
  private spent = 0;

  /**
   * Writes the record whose Binary XML is [start, end) as one line of XML (no line break) and
   * returns true, or writes nothing and returns false.
   */
  write(ctx: ChunkContext, start: number, end: number, out: ByteSink): boolean {
    const mark = out.pos;
    this.ctx = ctx;
    this.out = out;
    this.spent = 0;
    try {
      const values = this.valuesAt(0);
      const t = this.instance(start, end, values);
      const root = programOf(t).nodes;
      if (root.length !== 1 || !isEl(root[0])) throw BAIL;
      // The record fragment and its template instance count as nodes too.
      this.spent += 2 * NODE_COST;
      if (!this.element(root[0], values, 1)) throw BAIL; // dropped: the record holds no element
      return true;
    } catch (e) {
      if (e !== BAIL && !(e instanceof EvtxFormatError)) throw e;
      out.pos = mark;
      return false;
    }
  }

  private valuesAt(depth: number): SubstValues {
    while (this.values.length <= depth) this.values.push(new SubstValues(64));
    return this.values[depth];
  }

  /** [fragment header] TemplateInstance [EOF] at start, nothing else: the template, values read. */
  private instance(start: number, end: number, values: SubstValues): Template {
    const ctx = this.ctx;
    const t = ctx.recordTemplate(start, end, values);
    if (t === null) throw BAIL;
    const after = ctx.cursor;
    if (after < end && (ctx.buf[after] & 0xbf) !== TOK_EOF) throw BAIL;
    if (programOf(t) === NOT_RENDERABLE) throw BAIL;
    return t;
  }

  private spend(n: number): void {
    this.spent += n;
    if (this.spent > MAX_RESOLVED_CHARS) throw BAIL;
  }

  /** Content nodes; true when any of them rendered (resolve() pushed a child). */
  private nodes(nodes: Node[], values: SubstValues, nest: number): boolean {
    let any = false;
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      if (isEl(n)) {
        if (this.element(n, values, nest)) any = true;
      } else if (n.sub) {
        this.spend(NODE_COST);
        if (this.value(n.index, values, nest, false)) any = true;
      } else {
        this.spend(NODE_COST + n.chars);
        this.out.piece(n.piece);
        any = true;
      }
    }
    return any;
  }

  /** An element; false when it is left out (one null optional substitution, no attributes). */
  private element(el: El, values: SubstValues, nest: number): boolean {
    this.spend(el.cost);
    if (el.single >= 0) {
      const t = el.single < values.count ? values.types[el.single] : VT_NULL;
      if (t === VT_NULL && el.optional && !el.hasAttrs) return false;
      if (t & VT_ARRAY) return this.arrayElement(el, values, nest);
    }
    const out = this.out;
    if (el.single >= 0 && el.attrs.length === 0 && el.single < values.count) {
      // The common <Data Name="X">{value}</Data>: a value that is not null renders (even an
      // empty string), and one that is not Binary XML renders as text, so '>' goes with the tag.
      const t = values.types[el.single];
      if (t !== VT_NULL && t !== VT_BINXML) {
        out.piece(el.openGt);
        this.spend(NODE_COST);
        this.value(el.single, values, nest, false);
        out.piece(el.close);
        return true;
      }
    }
    out.piece(el.open);
    for (let i = 0; i < el.attrs.length; i++) this.attribute(el.attrs[i], values, nest);
    const mark = out.pos;
    out.piece(GT);
    if (this.nodes(el.children, values, nest)) {
      out.piece(el.close);
    } else {
      out.pos = mark;
      out.piece(EMPTY_CLOSE);
    }
    return true;
  }

  /**
   * An element whose only content is an array value: the element once per item, as resolve()
   * expands it (<Data>a</Data><Data>b</Data>; an empty item <Data/>); left out for no items.
   */
  private arrayElement(el: El, values: SubstValues, nest: number): boolean {
    const i = el.single;
    const items = arrayItems(this.ctx.buf, values.offsets[i], values.sizes[i], values.types[i]);
    for (let k = 0; k < items.length; k++) if (SURROGATE.test(items[k])) throw BAIL;
    const out = this.out;
    for (let k = 0; k < items.length; k++) {
      const item = items[k];
      this.spend(el.cost + item.length);
      out.piece(el.open);
      for (let a = 0; a < el.attrs.length; a++) this.attribute(el.attrs[a], values, nest);
      if (item === '') {
        out.piece(EMPTY_CLOSE);
      } else {
        out.piece(GT);
        out.text(item);
        out.piece(el.close);
      }
    }
    return items.length > 0;
  }

  /** An array value anywhere else: its items joined by ARRAY_SEPARATOR, as one text. */
  private arrayText(type: number, off: number, size: number): void {
    const text = arrayItems(this.ctx.buf, off, size, type).join(ARRAY_SEPARATOR);
    if (SURROGATE.test(text)) throw BAIL;
    this.spend(text.length);
    this.out.text(text);
  }

  /** An attribute; left out when it is made only of null substitutions. */
  private attribute(a: Attr, values: SubstValues, nest: number): void {
    const out = this.out;
    const mark = out.pos;
    out.piece(a.head);
    let present = a.parts.length === 0;
    for (let i = 0; i < a.parts.length; i++) {
      const p = a.parts[i];
      if (p.sub) {
        const t = p.index < values.count ? values.types[p.index] : VT_NULL;
        if (t === VT_NULL || t === VT_BINXML) continue;
        if (this.value(p.index, values, nest, true)) present = true;
      } else {
        this.spend(p.chars);
        out.piece(p.piece);
        present = true;
      }
    }
    if (present) out.piece(QUOTE);
    else out.pos = mark;
  }

  /** Substitution i as escaped text; false when it renders to nothing (null, or empty Binary XML). */
  private value(i: number, values: SubstValues, nest: number, inAttr: boolean): boolean {
    if (i >= values.count) return false;
    const type = values.types[i];
    const off = values.offsets[i];
    const size = values.sizes[i];
    const out = this.out;
    const b = this.ctx.buf;
    switch (type) {
      case VT_NULL:
        return false;
      case VT_STRING:
      case VT_EVT_XML: {
        // Trailing NULs dropped and an odd last byte ignored, as values.ts's utf16() does.
        let e = off + size - (size & 1);
        while (e - 2 >= off && b[e - 2] === 0 && b[e - 1] === 0) e -= 2;
        const units = out.utf16(b, off, e);
        if (units < 0) throw BAIL;
        this.spend(units);
        return true;
      }
      case VT_ANSI_STRING: {
        let e = off + size;
        while (e > off && b[e - 1] === 0) e--;
        this.spend(e - off);
        out.latin1(b, off, e);
        return true;
      }
      case VT_BINXML:
        if (inAttr) return false;
        return this.nested(off, off + size, nest);
      default:
        if (type & VT_ARRAY) {
          this.arrayText(type, off, size);
          return true;
        }
        if (!this.digits(type, b, off, size)) {
          const s = scalarText(b, off, size, type);
          this.spend(s.length);
          out.text(s);
        }
        return true;
    }
  }

  /** The common number, GUID and time types spelled straight into the output; false for the others. */
  private digits(type: number, b: Uint8Array, off: number, size: number): boolean {
    const out = this.out;
    const start = out.pos;
    out.ensure(40);
    switch (type) {
      case VT_UINT8:
        if (size < 1) return false;
        out.uint(b[off]);
        break;
      case VT_UINT16:
        if (size < 2) return false;
        out.uint(b[off] | (b[off + 1] << 8));
        break;
      case VT_UINT32:
        if (size < 4) return false;
        out.uint(u32(b, off));
        break;
      case VT_UINT64: {
        if (size < 8) return false;
        const hi = u32(b, off + 4);
        if (hi >= 0x200000) return false; // past 2^53: BigInt, in scalarText
        out.uint(u32(b, off) + hi * 4294967296);
        break;
      }
      case VT_HEXINT32:
      case VT_HEXINT64: {
        const n = type === VT_HEXINT32 ? 4 : 8;
        if (size < n) return false;
        out.pos = hexInto(b, off, n, out.buf, out.pos);
        break;
      }
      case VT_GUID:
        if (size < 16) return false;
        out.pos = guidInto(b, off, out.buf, out.pos);
        break;
      case VT_FILETIME: {
        if (size < 8) return false;
        const end = filetimeInto(b, off, out.buf, out.pos);
        if (end < 0) return false;
        out.pos = end;
        break;
      }
      default:
        return false;
    }
    this.spend(out.pos - start);
    return true;
  }

  /** A Binary XML value: its own template instance, rendered in place. */
  private nested(start: number, end: number, nest: number): boolean {
    if (nest + 1 > MAX_NESTED_FRAGMENTS) throw BAIL;
    // Record values sit at nest 1, each Binary XML level adds 2 (fragment, template instance).
    const values = this.valuesAt((nest + 1) >> 1);
    const t = this.instance(start, end, values);
    this.spend(2 * NODE_COST);
    return this.nodes(programOf(t).nodes, values, nest + 2);
  }
}
