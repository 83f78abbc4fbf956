// Every record of every real .evtx sample against the renderings python-evtx and libevtx's
// evtxexport made of it (../shared/samples/real/, see SOURCES.md for the known differences).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DecodeCounters } from '../../src/decode/counters.js';
import type { SysmonEvent } from '../../src/decode/event.js';
import { buildEvent } from '../../src/decode/fields.js';
import { dumpRecords, type DumpRecord } from '../../src/sources/evtx/dump.js';
import { readEvtxFile } from '../../src/sources/evtx/reader.js';
import { evtxSamples, flatten, haveSamples, referenceEvents, skipSamplesWhy } from './samples.js';

async function records(file: string): Promise<DumpRecord[]> {
  const out: DumpRecord[] = [];
  for await (const item of dumpRecords(file)) {
    if (item.problem) throw new Error(`unexpected problem in a clean sample: ${item.problem.message}`);
    out.push(item.record);
  }
  return out;
}

const ISO = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d+)Z$/;
const PY_TIME = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?$/;
const GUID = /^\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}$/;

/** evtxexport prints 9 fraction digits (100 ns resolution, two trailing zeros); we print 7. */
function normX(v: string): string {
  const m = ISO.exec(v);
  return m ? `${m[1]}.${m[2].padEnd(7, '0').slice(0, 7)}Z` : v;
}

/** XML parsers turn CR LF into LF (XML 1.0 section 2.11), so the references cannot carry CR. */
function flatOurs(r: DumpRecord): Map<string, string> {
  return new Map([...flatten(r.event)].map(([k, v]) => [k, v.replace(/\r\n?/g, '\n')]));
}

/** Microseconds since the epoch of an ISO or python-evtx time, or NaN. */
function micros(v: string): number {
  let m = ISO.exec(v);
  if (m) return Date.parse(`${m[1]}Z`) * 1000 + Number(m[2].padEnd(7, '0').slice(0, 6));
  m = PY_TIME.exec(v);
  if (m) return Date.parse(`${m[1]}T${m[2]}Z`) * 1000 + Number((m[3] ?? '').padEnd(6, '0'));
  return NaN;
}

/** Equal up to the differences SOURCES.md lists for python-evtx. */
function sameAsPython(ours: string, py: string): boolean {
  if (ours === py) return true;
  if (GUID.test(ours)) return ours.toLowerCase() === py;
  if (ours === 'true' || ours === 'false') return py === (ours === 'true' ? 'True' : 'False');
  const a = micros(ours);
  const b = micros(py);
  if (!Number.isNaN(a) && !Number.isNaN(b)) return Math.abs(a - b) <= 2;
  if (/^[0-9A-F]+$/.test(ours)) return Buffer.from(py, 'base64').toString('hex').toUpperCase() === ours;
  return false;
}

describe.skipIf(!haveSamples)('EVTX records match the reference renderings', () => {
  if (!haveSamples) it.skip(skipSamplesWhy, () => undefined);
  for (const file of evtxSamples()) {
    const name = path.basename(file);
    it(`${name}: every field equals evtxexport's`, async () => {
      const ours = await records(file);
      const ref = referenceEvents(readFileSync(`${file}.evtxexport.txt`, 'utf8'));
      expect(ours.length).toBe(ref.length);
      for (let i = 0; i < ours.length; i++) {
        const a = flatOurs(ours[i]);
        const b = new Map([...flatten(ref[i])].map(([k, v]) => [k, normX(v)]));
        expect(Object.fromEntries(a), `${name} record ${ours[i].recordId}`).toEqual(Object.fromEntries(b));
      }
    });
    it(`${name}: every field equals python-evtx's, up to its known differences`, async () => {
      const ours = await records(file);
      const ref = referenceEvents(readFileSync(`${file}.python-evtx.xml`, 'utf8'));
      expect(ours.length).toBe(ref.length);
      let compared = 0;
      for (let i = 0; i < ours.length; i++) {
        const a = flatOurs(ours[i]);
        // python-evtx keeps null values as empty elements/attributes and prints string arrays
        // as escaped <string> lists; those are compared against evtxexport only.
        for (const [k, py] of flatten(ref[i])) {
          if (py === '' || py.includes('<string>')) continue;
          const v = a.get(k);
          expect(v !== undefined && sameAsPython(v, py), `${name} record ${ours[i].recordId} ${k}: ours ${JSON.stringify(v)}, python-evtx ${JSON.stringify(py)}`).toBe(true);
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(ours.length * 5);
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
