// Repeated strings (host names, images, users) are interned so that the index holds one copy of
// each and comparisons are cheap. The table is bounded: when it fills it is dropped and rebuilt,
// which costs duplicates for a while but never unbounded memory on hostile input.

export class Interner {
  private table = new Map<string, string>();
  constructor(private readonly maxEntries = 200_000) {}

  /**
   * The interned copy of s. owned: s is no slice of a larger string (a value decoded on its own,
   * as the EVTX reader's texts are), so it is kept as it is instead of copied: the copy would be
   * a sliced string, which every later comparison with an equal string has to read through.
   */
  intern(s: string, owned = false): string {
    const hit = this.table.get(s);
    if (hit !== undefined) return hit;
    if (this.table.size >= this.maxEntries) this.table = new Map();
    const own = owned ? s : ownString(s);
    this.table.set(own, own);
    return own;
  }

  get size(): number {
    return this.table.size;
  }
}

/**
 * A copy of `s` that does not keep the string it was sliced from alive: a substring of a
 * 1 MiB input chunk stored in a long-lived node would otherwise pin the whole chunk.
 */
export function ownString(s: string): string {
  return s.length > 12 ? (' ' + s).slice(1) : s;
}

/** The process-wide interner the decoders share. */
export const strings = new Interner();

const hostKeys = new Map<string, string>();
/** Lower-cased interned host key; cached by the spelling seen so lower-casing happens once per spelling. */
export function hostKeyOf(host: string): string {
  let key = hostKeys.get(host);
  if (key === undefined) {
    if (hostKeys.size > 1_000_000) hostKeys.clear();
    key = strings.intern(host.toLowerCase());
    hostKeys.set(strings.intern(host), key);
  }
  return key;
}
