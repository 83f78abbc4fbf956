// Decoded values by the raw text they were decoded from, for the fields that repeat from event to
// event (images, users, event types, LogonIds): a hit skips the UTF-8 check, entity decoding,
// normalising and interning of the value. Raw text is what the scanner sees (a latin1 view of
// UTF-8 bytes, or proper text), so a scanner keeps one cache per view: the same raw text decodes
// differently in each. Bounded like the interner: dropped and rebuilt when full.

import { ownString } from './intern.js';

export class RawValueCache {
  private table = new Map<string, string>();
  constructor(private readonly maxEntries = 50_000) {}

  get(raw: string): string | undefined {
    return this.table.get(raw);
  }

  /** Remember `decoded` for `raw`; the key is copied so that it does not pin the input chunk. */
  set(raw: string, decoded: string): string {
    if (this.table.size >= this.maxEntries) this.table = new Map();
    this.table.set(ownString(raw), decoded);
    return decoded;
  }

  get size(): number {
    return this.table.size;
  }
}
