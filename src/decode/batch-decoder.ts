// The decode stage: the raw records of one batch in, typed events and problems out, counted.
// One plain loop per batch (no per-event allocation besides the event); the pipeline calls it
// once per batch whatever the source.

import type { DecodeCounters } from './counters.js';
import { NESTED } from './byte-scanner.js';
import { SysmonDecoder, type DecodeOutcome } from './decoder.js';
import { frameBetweenStarts } from './event-bounds.js';
import { SysmonEvent } from './event.js';
import { snippet } from './problem.js';
import type { Decoded, RawRecords, RecordProblem } from './records.js';

const NO_RECORDS: number[] = [];

export class BatchDecoder {
  readonly decoder: SysmonDecoder;

  constructor(readonly counters: DecodeCounters) {
    this.decoder = new SysmonDecoder(counters);
  }

  decode(raw: RawRecords): Decoded {
    switch (raw.kind) {
      case 'typed':
        return { events: raw.events, recordOf: NO_RECORDS, problems: [] };
      case 'xml': {
        const d = this.xml(raw.bytes, raw.base, raw.bounds, raw.unchecked === true);
        raw.release?.();
        return d;
      }
      case 'jsonl':
        return this.lines(raw.bytes, raw.bounds, raw.lineNumbers);
      case 'values':
        return this.values(raw.values);
    }
  }

  private xml(bytes: Buffer, base: number, bounds: number[], unchecked: boolean): Decoded {
    const d = this.decoder;
    const events: SysmonEvent[] = [];
    const problems: RecordProblem[] = [];
    d.beginBytes(bytes);
    for (let i = 0; i < bounds.length; i += 2) {
      const a = bounds[i];
      const b = bounds[i + 1];
      const r = d.decodeBytes(a, b, bytes, unchecked);
      if (r === NESTED) this.reframed(i >> 1, bytes, base, a, b, events, problems);
      else this.xmlOutcome(r, i >> 1, bytes, base, a, b, events, problems);
    }
    return { events, recordOf: NO_RECORDS, problems };
  }

  private xmlOutcome(r: DecodeOutcome, record: number, bytes: Buffer, base: number, a: number, b: number, events: SysmonEvent[], problems: RecordProblem[]): void {
    if (r === null) return;
    if (r instanceof SysmonEvent) events.push(r);
    else problems.push(this.problem(record, r.reason, r.message, { offset: base + a, snippet: snippet(bytes.toString('utf8', a, Math.min(b, a + 400))) }));
  }

  /**
   * A frame cut at its end tag that holds other event starts: the events and framing errors
   * that framing from start to start finds in it, as the framer would have given them (the
   * errors in input order among the decode problems, which batchErrors keeps).
   */
  private reframed(record: number, bytes: Buffer, base: number, a: number, b: number, events: SysmonEvent[], problems: RecordProblem[]): void {
    frameBetweenStarts(bytes, a, b, {
      event: (x, y) => this.xmlOutcome(this.decoder.decodeBytes(x, y, bytes), record, bytes, base, x, y, events, problems),
      error: (reason, message, at, snip) => problems.push(this.problem(record, reason, message, { offset: base + at, snippet: snip })),
    });
  }

  private lines(bytes: Buffer, bounds: number[], lineNumbers: number[]): Decoded {
    const d = this.decoder;
    const events: SysmonEvent[] = [];
    const problems: RecordProblem[] = [];
    for (let i = 0; i < bounds.length; i += 2) {
      const a = bounds[i];
      const b = bounds[i + 1];
      const r = d.decodeJsonAt(bytes, a, b);
      if (r === null) continue;
      if (r instanceof SysmonEvent) events.push(r);
      else problems.push(this.problem(i >> 1, r.reason, r.message, { line: lineNumbers[i >> 1], snippet: snippet(bytes.toString('utf8', a, b)) }));
    }
    return { events, recordOf: NO_RECORDS, problems };
  }

  private values(values: readonly (Buffer | null)[]): Decoded {
    const d = this.decoder;
    const events: SysmonEvent[] = [];
    const recordOf: number[] = [];
    const problems: RecordProblem[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      const r = d.decodeValue(v);
      if (r === null) continue;
      if (r instanceof SysmonEvent) {
        events.push(r);
        recordOf.push(i);
      } else {
        problems.push(this.problem(i, r.reason, r.message, { snippet: v === null ? '' : snippet(v.toString('utf8', 0, Math.min(v.length, 400))) }));
      }
    }
    return { events, recordOf, problems };
  }

  private problem(record: number, reason: RecordProblem['reason'], message: string, where: { offset?: number; line?: number; snippet: string }): RecordProblem {
    this.counters.countError(reason);
    return { record, reason, message, ...where };
  }
}
