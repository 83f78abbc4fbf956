// Every record of every real .evtx sample against the renderings python-evtx and libevtx's
// evtxexport made of it (../shared/samples/real/, see SOURCES.md for the known differences).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DecodeCounters } from '../../src/decode/counters.js';
import type { SysmonEvent } from '../../src/decode/event.js';
import { buildEvent } from '../../src/decode/fields.js';
import { readEvtxFile } from '../../src/sources/evtx/reader.js';
import { expectSameAsEvtxexport, expectSameAsPython, records } from './compare.js';
import { evtxSamples, flatten, haveSamples, referenceEvents, skipSamplesWhy } from './samples.js';

describe.skipIf(!haveSamples)('EVTX records match the reference renderings', () => {
  if (!haveSamples) it.skip(skipSamplesWhy, () => undefined);
  for (const file of evtxSamples()) {
    const name = path.basename(file);
    it(`${name}: every field equals evtxexport's`, async () => {
      expectSameAsEvtxexport(await records(file), readFileSync(`${file}.evtxexport.txt`, 'utf8'), name);
    });
    it(`${name}: every field equals python-evtx's, up to its known differences`, async () => {
      expectSameAsPython(await records(file), readFileSync(`${file}.python-evtx.xml`, 'utf8'), name);
    });
    it(`${name}: typed events equal those built from evtxexport's fields`, async () => {
      const counters = new DecodeCounters();
      const ours: SysmonEvent[] = [];
      for await (const b of readEvtxFile(file, { counters })) {
        expect(b.errors).toEqual([]);
        ours.push(...b.events);
      }
      const refCounters = new DecodeCounters();
      const expected: SysmonEvent[] = [];
      for (const ev of referenceEvents(readFileSync(`${file}.evtxexport.txt`, 'utf8'))) {
        const f = flatten(ev);
        const sys = {
          eventId: Number(f.get('System/EventID')),
          computer: f.get('System/Computer') ?? '',
          recordId: Number(f.get('System/EventRecordID') ?? 0),
          provider: f.get('System/Provider@Name') ?? '',
          channel: f.get('System/Channel') ?? '',
        };
        const r = buildEvent(sys, (n) => f.get(`EventData/Data[${n}]`), refCounters);
        if (r !== null && !('reason' in r)) expected.push(r);
      }
      expect(ours).toEqual(expected);
      expect(counters.eventsByEventId()).toEqual(refCounters.eventsByEventId());
      expect(counters.notSysmon).toBe(refCounters.notSysmon);
    });
  }
});
