// Parsing on worker threads gives exactly what parsing inline gives, in the same order.

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DecodeCounters } from '../../src/decode/counters.js';
import type { SysmonEvent } from '../../src/decode/event.js';
import { EvtxReadStats, readEvtxFile } from '../../src/sources/evtx/reader.js';
import { evtxSamples, haveSamples, skipSamplesWhy } from './samples.js';

async function readAll(file: string, workers: number, recover: boolean): Promise<{ events: SysmonEvent[]; errors: unknown[]; counters: DecodeCounters; stats: EvtxReadStats; progress: number[] }> {
  const counters = new DecodeCounters();
  const stats = new EvtxReadStats();
  const events: SysmonEvent[] = [];
  const errors: unknown[] = [];
  const progress: number[] = [];
  for await (const b of readEvtxFile(file, { counters, workers, recover, stats, onProgress: (done) => progress.push(done) })) {
    events.push(...b.events);
    errors.push(...b.errors);
  }
  return { events, errors, counters, stats, progress };
}

describe.skipIf(!haveSamples)('EVTX worker threads', () => {
  if (!haveSamples) it.skip(skipSamplesWhy, () => undefined);
  for (const file of evtxSamples()) {
    it(`${path.basename(file)}: 2 workers = inline, with and without --recover`, async () => {
      for (const recover of [false, true]) {
        const a = await readAll(file, 1, recover);
        const b = await readAll(file, 2, recover);
        expect(b.events).toEqual(a.events);
        expect(b.errors).toEqual(a.errors);
        expect(b.counters.eventsByEventId()).toEqual(a.counters.eventsByEventId());
        expect({ ...b.stats }).toEqual({ ...a.stats });
        expect(b.progress).toEqual(a.progress);
        expect(a.progress.at(-1)).toBeGreaterThan(0);
      }
    });
  }
});
