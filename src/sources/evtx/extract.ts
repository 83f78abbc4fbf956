// Reads the System fields and the EventData fields buildEvent needs from one record.
// Fast path: a per-template plan says which substitution holds each field, so a record costs a
// few value decodes and no tree. Records whose template does not have the plain
// Event/System/EventData/Data[@Name] shape are resolved into a tree and read from there.

import { isWantedEventId } from '../../decode/event.js';
import { isSysmonSource, parseIntField, parseUtcTimeIn } from '../../decode/fields.js';
import type { ChunkContext } from './binxml.js';
import { EvtxFormatError, VT_ARRAY, VT_BINXML, VT_GUID, VT_NULL, VT_STRING, VT_UINT16, VT_UINT64 } from './format.js';
import { fieldSlot, FIELD_NAMES, SLOT_FIRST_FIELD, type SlotWriter } from './fieldset.js';
import { K_ELEMENT, K_SUBST, K_TEXT, type Template, type XElement, type XNode } from './nodes.js';
import { attr, child, resolve, textOf, type RChild, type RElement } from './resolve.js';
import { SubstValues } from './subst.js';
import { GuidCache, guidText, scalarText, TextCache, u64, utf16End } from './values.js';

/** Where a field comes from: a substitution index, a literal text, or nowhere. */
type Src = number | string | null;
/** Marks a field whose content is neither one substitution nor one literal. */
const MIXED = -1;

class FieldPlan {
  ok = true;
  eventId: Src = null;
  recordId: Src = null;
  provider: Src = null;
  channel: Src = null;
  computer: Src = null;
  /** Slot -> source, for the EventData names buildEvent reads; null when EventData is not in this template. */
  data: Src[] | null = null;
  /**
   * data compiled for the per-record loop, when every field it has is one substitution (the
   * usual case): the slots present and their substitution indexes, so a record visits only the
   * fields its template has, with no mixed-type array. null: data holds literal texts, use it.
   */
  dataSlots: Int32Array | null = null;
  dataSubs: Int32Array | null = null;
  /** Substitution holding EventData as nested Binary XML (the usual Windows layout), or -1. */
  nested = -1;
}

function compileData(plan: FieldPlan): void {
  const data = plan.data;
  if (data === null || data.some((src) => typeof src === 'string')) return;
  const slots: number[] = [];
  const subs: number[] = [];
  for (let i = 0; i < data.length; i++) {
    const src = data[i];
    if (typeof src === 'number') {
      slots.push(i);
      subs.push(src);
    }
  }
  plan.dataSlots = Int32Array.from(slots);
  plan.dataSubs = Int32Array.from(subs);
}

function contentSrc(nodes: XNode[]): Src {
  if (nodes.length === 0) return '';
  if (nodes.length === 1) {
    const n = nodes[0];
    if (n.kind === K_SUBST) return n.index;
    if (n.kind === K_TEXT) return n.text;
  }
  return MIXED;
}

function firstElement(nodes: XNode[], name?: string): XElement | undefined {
  for (const n of nodes) if (n.kind === K_ELEMENT && (name === undefined || n.name === name)) return n;
  return undefined;
}

function buildPlan(t: Template): FieldPlan {
  const plan = new FieldPlan();
  const top = firstElement(t.nodes);
  if (top === undefined) {
    plan.ok = false;
  } else if (top.name === 'EventData') {
    // A nested template: EventData on its own, instantiated inside the outer Event template.
    readEventData(top, plan);
  } else {
    const system = firstElement(top.children, 'System');
    if (system) readSystem(system, plan);
    else plan.ok = false;
    const data = firstElement(top.children, 'EventData');
    if (data) readEventData(data, plan);
    else {
      for (const n of top.children) if (n.kind === K_SUBST && n.type === VT_BINXML) plan.nested = n.index;
    }
  }
  for (const s of [plan.eventId, plan.recordId, plan.provider, plan.channel, plan.computer, ...(plan.data ?? [])]) {
    if (s === MIXED) plan.ok = false;
  }
  if (plan.ok) compileData(plan);
  return plan;
}

function readSystem(system: XElement, plan: FieldPlan): void {
  for (const n of system.children) {
    if (n.kind !== K_ELEMENT) continue;
    switch (n.name) {
      case 'Provider': {
        const a = n.attrs.find((x) => x.name === 'Name');
        plan.provider = a ? contentSrc(a.value) : null;
        break;
      }
      case 'EventID':
        plan.eventId = contentSrc(n.children);
        break;
      case 'EventRecordID':
        plan.recordId = contentSrc(n.children);
        break;
      case 'Channel':
        plan.channel = contentSrc(n.children);
        break;
      case 'Computer':
        plan.computer = contentSrc(n.children);
        break;
    }
  }
}

function readEventData(data: XElement, plan: FieldPlan): void {
  const srcs = new Array<Src>(FIELD_NAMES.length).fill(null);
  for (const n of data.children) {
    if (n.kind !== K_ELEMENT || n.name !== 'Data') {
      plan.ok = false; // e.g. <EventData>%1</EventData>, or unnamed data: read through the tree
      return;
    }
    const nameAttr = n.attrs.find((x) => x.name === 'Name');
    const name = nameAttr ? contentSrc(nameAttr.value) : null;
    if (typeof name !== 'string') {
      plan.ok = false;
      return;
    }
    const slot = fieldSlot(name);
    if (slot !== undefined) srcs[slot - SLOT_FIRST_FIELD] = contentSrc(n.children);
  }
  plan.data = srcs;
}

function planOf(t: Template): FieldPlan {
  let plan = t.plan as FieldPlan | undefined;
  if (plan === undefined) t.plan = plan = buildPlan(t);
  return plan;
}

/**
 * Slots of the process GUIDs, which buildEvent lowers (normaliseGuid): a GUID value there is
 * spelled in lower case at once, instead of upper case and then a lowered copy.
 */
const LOWER_GUID_SLOTS = FIELD_NAMES.map((n) => n === 'ProcessGuid' || n === 'ParentProcessGuid' || n === 'SourceProcessGUID');

/**
 * Slots whose texts repeat from record to record and which buildEvent interns: read through
 * the extractor's TextCache (values.ts), so a repeated one is the same string every time.
 */
const CACHED_SLOTS = FIELD_NAMES.map((n) => n === 'Image' || n === 'OriginalFileName' || n === 'User' || n === 'ParentImage' || n === 'ParentUser' || n === 'EventType' || n === 'SourceImage');

/** UtcTime's slot among the EventData slots. */
const UTC_TIME = FIELD_NAMES.indexOf('UtcTime');
/** UtcTime's characters, when they are all below U+0100, as bytes for parseUtcTimeIn. */
const timeBytes = new Uint8Array(64);

/**
 * The event time of a UtcTime string value, read from its UTF-16LE bytes: parseUtcTimeIn of
 * the characters utf16() would give (trailing NULs dropped), which reads them as parseUtcTime
 * reads that text. NaN when that fails or does not apply (a character past U+00FF, or longer
 * than any valid time): the caller then decodes the text, and buildEvent parses or reports it.
 * Spares the decode of a string that is only ever parsed (a native call per event).
 */
export function utcTimeOf(buf: Buffer, off: number, size: number): number {
  const e = utf16End(buf, off, off + size);
  const n = (e - off) >> 1;
  if (n > timeBytes.length) return NaN;
  for (let k = 0, i = off; k < n; k++, i += 2) {
    if (buf[i + 1] !== 0) return NaN;
    timeBytes[k] = buf[i];
  }
  return parseUtcTimeIn(timeBytes, 0, n);
}

/** Thrown inside the fast path when a value needs the tree path (nested BinXml, arrays). */
class NeedsTree extends Error {}
const NEEDS_TREE = new NeedsTree();

export class FieldExtractor {
  private readonly values = new SubstValues(64);
  /** Values of the nested EventData template instance. */
  private readonly inner = new SubstValues(64);

  /** Records read by the fast path and by the tree path (for tests and tuning). */
  fast = 0;
  tree = 0;

  /**
   * cache: texts of the repeated fields (CACHED_SLOTS) and of the Computer; guids: the process
   * GUIDs' texts. Share them across blocks.
   */
  constructor(
    private readonly cache = new TextCache(),
    private readonly guids = new GuidCache(),
  ) {}

  /**
   * Appends one record (STRIDE slots) to out. whole: decode every value, not only the fields
   * read (carved records: one bad value means the record was partly overwritten, and it is
   * rejected as evtx-dump and evtxexport reject it). headerRecordId is used when the XML has no
   * EventRecordID. Throws EvtxFormatError for malformed records; out is unchanged then.
   */
  extract(ctx: ChunkContext, start: number, end: number, headerRecordId: number, out: SlotWriter, whole = false): void {
    if (whole) {
      this.treePath(ctx, start, end, headerRecordId, out);
      this.tree++;
      return;
    }
    const t = ctx.recordTemplate(start, end, this.values);
    if (t !== null) {
      const plan = planOf(t);
      if (plan.ok) {
        try {
          this.fastPath(ctx, plan, headerRecordId, out);
          this.fast++;
          return;
        } catch (e) {
          if (!(e instanceof NeedsTree)) throw e;
        }
      }
    }
    this.treePath(ctx, start, end, headerRecordId, out);
    this.tree++;
  }

  private text(ctx: ChunkContext, src: Src, v = this.values): string | null {
    if (src === null) return null;
    if (typeof src === 'string') return src;
    if (src >= v.count) return '';
    const type = v.types[src];
    if (type === VT_NULL) return '';
    if (type === VT_BINXML || type & VT_ARRAY) throw NEEDS_TREE;
    return scalarText(ctx.buf, v.offsets[src], v.sizes[src], type);
  }

  /** text(), with a string value through the TextCache. */
  private cachedText(ctx: ChunkContext, src: Src): string | null {
    const v = this.values;
    if (typeof src === 'number' && src < v.count && v.types[src] === VT_STRING) return this.cache.utf16(ctx.buf, v.offsets[src], v.offsets[src] + v.sizes[src]);
    return this.text(ctx, src);
  }

  /** The text of EventData slot i (its field's source in plan data). */
  private field(ctx: ChunkContext, data: Src[], i: number, v: SubstValues): string | null {
    const src = data[i];
    if (LOWER_GUID_SLOTS[i] && typeof src === 'number' && src < v.count && v.types[src] === VT_GUID && v.sizes[src] >= 16) return guidText(ctx.buf, v.offsets[src], true);
    return this.text(ctx, src, v);
  }

  private number(ctx: ChunkContext, src: Src, type: number, absent: number): number {
    const v = this.values;
    if (typeof src === 'number' && src < v.count && v.types[src] === type) {
      const off = v.offsets[src];
      if (type === VT_UINT16 && v.sizes[src] >= 2) return ctx.u16(off);
      if (type === VT_UINT64 && v.sizes[src] >= 8) return u64(ctx.buf, off);
    }
    const s = this.text(ctx, src);
    if (s === null || s === '') return absent;
    const n = parseIntField(s);
    return n < 0 ? NaN : n;
  }

  private fastPath(ctx: ChunkContext, plan: FieldPlan, headerRecordId: number, out: SlotWriter): void {
    const eventId = this.number(ctx, plan.eventId, VT_UINT16, NaN);
    const recordId = this.number(ctx, plan.recordId, VT_UINT64, headerRecordId);
    const provider = this.text(ctx, plan.provider) ?? '';
    const channel = this.text(ctx, plan.channel) ?? '';
    const computer = this.cachedText(ctx, plan.computer) ?? '';
    const base = out.length;
    out.num(eventId);
    out.num(Number.isNaN(recordId) ? headerRecordId : recordId);
    out.repeated(0, provider);
    out.repeated(1, channel);
    out.repeated(2, computer);
    const wanted = isSysmonSource(provider, channel) && isWantedEventId(eventId);
    try {
      if (!wanted) {
        for (let i = 0; i < FIELD_NAMES.length; i++) out.str(null);
        out.num(NaN);
      } else if (plan.data !== null) {
        this.fields(ctx, plan, this.values, out);
      } else {
        this.nestedData(ctx, plan.nested, out);
      }
    } catch (e) {
      out.length = base;
      throw e;
    }
  }

  /** EventData held as nested Binary XML in substitution idx: its own template instance. */
  private nestedData(ctx: ChunkContext, idx: number, out: SlotWriter): void {
    const v = this.values;
    if (idx < 0 || idx >= v.count || v.types[idx] === VT_NULL) {
      for (let i = 0; i < FIELD_NAMES.length; i++) out.str(null);
      out.num(NaN);
      return;
    }
    if (v.types[idx] !== VT_BINXML) throw NEEDS_TREE;
    const t = ctx.recordTemplate(v.offsets[idx], v.offsets[idx] + v.sizes[idx], this.inner);
    const plan = t === null ? null : planOf(t);
    if (plan === null || !plan.ok || plan.data === null) throw NEEDS_TREE;
    this.fields(ctx, plan, this.inner, out);
  }

  /**
   * The EventData slots of one record (absent ones -1, then the template's fields) and its time
   * cell: UtcTime as read from its bytes, its text only where that fails.
   */
  private fields(ctx: ChunkContext, plan: FieldPlan, v: SubstValues, out: SlotWriter): void {
    const slots = plan.dataSlots;
    const subs = plan.dataSubs;
    if (slots === null || subs === null) {
      for (let i = 0; i < FIELD_NAMES.length; i++) out.str(this.field(ctx, plan.data!, i, v));
      out.num(NaN);
      return;
    }
    const base = out.absent(FIELD_NAMES.length);
    let time = NaN;
    for (let k = 0; k < slots.length; k++) {
      const slot = slots[k];
      const i = subs[k];
      if (slot === UTC_TIME && i < v.count && v.types[i] === VT_STRING) {
        time = utcTimeOf(ctx.buf, v.offsets[i], v.sizes[i]);
        if (!Number.isNaN(time)) continue;
      }
      out.setStr(base + slot, this.subText(ctx, i, v, LOWER_GUID_SLOTS[slot], CACHED_SLOTS[slot]));
    }
    out.num(time);
  }

  /** The text of substitution i; lowerGuid: a GUID spelled in lower case; cached: a string through the TextCache. */
  private subText(ctx: ChunkContext, i: number, v: SubstValues, lowerGuid: boolean, cached: boolean): string {
    if (i >= v.count) return '';
    const type = v.types[i];
    if (type === VT_NULL) return '';
    if (type === VT_BINXML || type & VT_ARRAY) throw NEEDS_TREE;
    if (lowerGuid && type === VT_GUID && v.sizes[i] >= 16) return this.guids.lower(ctx.buf, v.offsets[i]);
    if (cached && type === VT_STRING) return this.cache.utf16(ctx.buf, v.offsets[i], v.offsets[i] + v.sizes[i]);
    return scalarText(ctx.buf, v.offsets[i], v.sizes[i], type);
  }

  private treePath(ctx: ChunkContext, start: number, end: number, headerRecordId: number, out: SlotWriter): void {
    const root: RChild[] = [];
    resolve(ctx, ctx.fragment(start, end, 0), null, 0, root);
    pushTreeFields(root, headerRecordId, out);
  }
}

/** Appends the slots of a resolved record tree. */
export function pushTreeFields(root: RChild[], headerRecordId: number, out: SlotWriter): void {
  const event = root.find((c): c is RElement => typeof c !== 'string');
  if (!event) throw new EvtxFormatError('record holds no element', 0);
  const system = child(event, 'System');
  const idEl = system && child(system, 'EventID');
  const ridEl = system && child(system, 'EventRecordID');
  const provEl = system && child(system, 'Provider');
  const chanEl = system && child(system, 'Channel');
  const compEl = system && child(system, 'Computer');
  const idText = idEl ? textOf(idEl) : '';
  const id = idText === '' ? NaN : parseIntField(idText);
  const rid = ridEl ? parseIntField(textOf(ridEl)) : -1;
  const provider = (provEl && attr(provEl, 'Name')) ?? '';
  const channel = chanEl ? textOf(chanEl) : '';
  out.num(id < 0 ? NaN : id);
  out.num(rid < 0 ? headerRecordId : rid);
  out.repeated(0, provider);
  out.repeated(1, channel);
  out.repeated(2, compEl ? textOf(compEl) : '');
  const base = out.length;
  for (let i = 0; i < FIELD_NAMES.length; i++) out.str(null);
  out.num(NaN); // the time is read from UtcTime's text
  const data = child(event, 'EventData');
  if (!data) return;
  for (const c of data.children) {
    if (typeof c === 'string' || c.name !== 'Data') continue;
    const name = attr(c, 'Name');
    const slot = name === undefined ? undefined : fieldSlot(name);
    if (slot !== undefined) out.setStr(base + slot - SLOT_FIRST_FIELD, textOf(c));
  }
}

