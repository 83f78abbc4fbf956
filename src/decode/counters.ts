// Plain-number counters the decoders bump per event; published once per batch or at the end.

import type { DecodeReason } from './problem.js';

export class DecodeCounters {
  /** Events seen per Sysmon EventID (all EventIDs, read or skipped). */
  private readonly byId = new Float64Array(256);
  private readonly byIdOverflow = new Map<number, number>();
  /** Sysmon events whose EventID no rule reads. */
  skippedOtherIds = 0;
  /** Events from other providers/channels (Security, System...) in the same file. */
  notSysmon = 0;
  /** Events decoded by the fast scanner and by the fast-xml-parser fallback. */
  fastPath = 0;
  fallbackPath = 0;
  readonly errors = new Map<DecodeReason, number>();
  errorCount = 0;

  countEventId(id: number): void {
    if (id < 256) this.byId[id]++;
    else this.byIdOverflow.set(id, (this.byIdOverflow.get(id) ?? 0) + 1);
  }

  countError(reason: DecodeReason): void {
    this.errorCount++;
    this.errors.set(reason, (this.errors.get(reason) ?? 0) + 1);
  }

  /** Events per EventID, as a sorted plain object for summaries. */
  eventsByEventId(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < 256; i++) if (this.byId[i] > 0) out[String(i)] = this.byId[i];
    for (const [k, v] of [...this.byIdOverflow].sort((a, b) => a[0] - b[0])) out[String(k)] = v;
    return out;
  }

  get sysmonEvents(): number {
    let n = 0;
    for (let i = 0; i < 256; i++) n += this.byId[i];
    for (const v of this.byIdOverflow.values()) n += v;
    return n;
  }

  errorsByReason(): Record<string, number> {
    return Object.fromEntries([...this.errors].sort((a, b) => a[0].localeCompare(b[0])));
  }
}
