// Compiled templates shared across the chunks of a file (and files): every chunk carries its
// own copy of each template it uses, at its own offsets, so the per-chunk cache alone compiles
// the same template once per chunk. A definition compiles to the same nodes wherever it sits as
// long as its bytes are the same except for its name references (chunk offsets), and each of
// those either points just past itself (the name is defined in place) or, as before, to the
// same name elsewhere in the chunk. That is what find() checks before reusing a template.

import type { Template } from './nodes.js';

/** A name reference in a definition: bytes from the definition's start, and the name when it is defined elsewhere in the chunk (null: in place). */
export interface NameRefSite {
  rel: number;
  external: string | null;
}

interface Entry {
  /** The definition's bytes from its GUID to its end (offset 4 on). */
  bytes: Buffer;
  refs: NameRefSite[];
  template: Template;
}

/** Templates kept; a file uses a few dozen, so this only bounds damaged or hostile input. */
const MAX_ENTRIES = 4096;

export interface NameSource {
  name(off: number): string;
}

function u32(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

/** Definitions are looked up by the first 4 bytes of their GUID and their size. */
function keyOf(buf: Uint8Array, off: number, size: number): number {
  return u32(buf, off + 4) + size * 4294967296;
}

/** Runs at least this long are compared natively (memcmp): each chunk compares every template it uses. */
const NATIVE_COMPARE = 48;

function sameBytes(a: Uint8Array, ap: number, b: Uint8Array, bp: number, n: number): boolean {
  if (n >= NATIVE_COMPARE) return ap + n <= a.length && bp + n <= b.length && Buffer.prototype.compare.call(a, b, bp, bp + n, ap, ap + n) === 0;
  for (let i = 0; i < n; i++) if (a[ap + i] !== b[bp + i]) return false;
  return true;
}

export class TemplateStore {
  private readonly byKey = new Map<number, Entry[]>();
  private entries = 0;

  /** A template compiled from an equivalent definition: the one at off (size bytes of body) in buf. */
  find(buf: Uint8Array, off: number, size: number, names: NameSource): Template | undefined {
    const list = this.byKey.get(keyOf(buf, off, size));
    if (list === undefined) return undefined;
    for (const e of list) if (this.matches(e, buf, off, names)) return e.template;
    return undefined;
  }

  private matches(e: Entry, buf: Uint8Array, off: number, names: NameSource): boolean {
    const mine = e.bytes;
    let from = 4;
    for (const r of e.refs) {
      if (!sameBytes(buf, off + from, mine, from - 4, r.rel - from)) return false;
      const target = u32(buf, off + r.rel);
      const inPlace = target === off + r.rel + 4;
      if (r.external === null) {
        if (!inPlace) return false;
        // The in-place name's first field links the chunk's name hash chain: not part of the name.
        from = r.rel + 8;
      } else {
        if (inPlace) return false;
        try {
          if (names.name(target) !== r.external) return false;
        } catch {
          return false;
        }
        from = r.rel + 4;
      }
    }
    return sameBytes(buf, off + from, mine, from - 4, mine.length + 4 - from);
  }

  /** Keeps a template compiled from the definition at off; refs in the order they appear. */
  add(buf: Uint8Array, off: number, size: number, refs: NameRefSite[], template: Template): void {
    if (this.entries >= MAX_ENTRIES) {
      this.byKey.clear();
      this.entries = 0;
    }
    const key = keyOf(buf, off, size);
    const bytes = Buffer.from(buf.subarray(off + 4, off + 24 + size));
    const list = this.byKey.get(key);
    const e: Entry = { bytes, refs, template };
    if (list === undefined) this.byKey.set(key, [e]);
    else list.push(e);
    this.entries++;
  }
}
