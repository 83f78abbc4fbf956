// Comparison of our record trees with python-evtx's and evtxexport's renderings, up to the
// rendering differences SOURCES.md lists. Shared by the stored-reference and live-tool tests.

import { expect } from 'vitest';
import { dumpRecords, type DumpRecord } from '../../src/sources/evtx/dump.js';
import { flatten, referenceEvents } from './samples.js';

/** Records of a file (recovered ones only, or live ones only); a problem fails the test. */
export async function records(file: string, opts: { recover?: boolean; recoveredOnly?: boolean } = {}): Promise<DumpRecord[]> {
  const out: DumpRecord[] = [];
  for await (const item of dumpRecords(file, { recover: opts.recover })) {
    if (item.problem) {
      // Carving finds stale record headers whose template was overwritten: reported, not fatal.
      if (opts.recover && item.problem.reason === 'unrecoverable-record') continue;
      throw new Error(`unexpected problem in a clean sample: ${item.problem.message}`);
    }
    if (item.record.recovered === (opts.recoveredOnly ?? false)) out.push(item.record);
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

export function expectSameAsEvtxexport(ours: DumpRecord[], text: string, name: string): void {
  const ref = referenceEvents(text);
  expect(ours.length, `${name}: record count`).toBe(ref.length);
  for (let i = 0; i < ours.length; i++) {
    const a = flatOurs(ours[i]);
    const b = new Map([...flatten(ref[i])].map(([k, v]) => [k, normX(v)]));
    expect(Object.fromEntries(a), `${name} record ${ours[i].recordId}`).toEqual(Object.fromEntries(b));
  }
}

export function expectSameAsPython(ours: DumpRecord[], text: string, name: string): void {
  const ref = referenceEvents(text);
  expect(ours.length, `${name}: record count`).toBe(ref.length);
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
  expect(compared).toBeGreaterThanOrEqual(ours.length * 5);
}
