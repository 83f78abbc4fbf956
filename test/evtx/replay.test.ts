// Replaying a real .evtx gives exactly the events and alerts that replaying its XML renderings
// gives: evtxexport's (GUIDs upper-case, as Windows renders them) identically, python-evtx's up
// to GUID case (python-evtx lower-cases GUID-typed values; SOURCES.md).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/alert.js';
import { binaryReader } from '../../src/cli/binary-inputs.js';
import { DecodeCounters } from '../../src/decode/counters.js';
import type { SysmonEvent } from '../../src/decode/event.js';
import { withGuidTexts } from '../helpers/guid-texts.js';
import { parsePipeline } from '../../src/pipeline/config.js';
import { replay } from '../../src/pipeline/replay.js';
import { readEvents } from '../../src/pipeline/read-events.js';
import { crc32 } from '../../src/sources/evtx/crc32.js';
import { dumpRecords } from '../../src/sources/evtx/dump.js';
import { EvtxReadStats, readEvtxFile } from '../../src/sources/evtx/reader.js';
import { evtxSamples, haveSamples, skipSamplesWhy } from './samples.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'evtx-replay-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** evtxexport's rendering (the XML replay source accepts its banner line). */
function evtxexportXml(file: string): string {
  return `${file}.evtxexport.txt`;
}

async function events(file: string): Promise<{ events: SysmonEvent[]; counters: DecodeCounters; errors: number }> {
  const counters = new DecodeCounters();
  const out: SysmonEvent[] = [];
  let errors = 0;
  for await (const b of readEvents([file], { counters, maxEventBytes: 1 << 20, readBinary: binaryReader() })) {
    out.push(...b.events.map(withGuidTexts));
    errors += b.errors.length;
  }
  return { events: out, counters, errors };
}

async function alerts(file: string): Promise<Alert[]> {
  const got: Alert[] = [];
  await replay({ paths: [file], config: parsePipeline({}), sink: { write: async (a) => void got.push(...a) }, readBinary: binaryReader() });
  return got.map((a) => ({ ...a, detectedAt: '' }));
}

const GUID = /\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}/g;
/** GUIDs lower-cased, alert ids (hashes over them) dropped: what python-evtx's rendering can be compared on. */
function lowerGuids<T>(x: T): unknown {
  return JSON.parse(JSON.stringify(x, (k, v: unknown) => (k === 'id' ? undefined : typeof v === 'string' ? v.replace(GUID, (g) => g.toLowerCase()) : v)));
}

describe.skipIf(!haveSamples)('replaying .evtx equals replaying its XML renderings', () => {
  if (!haveSamples) it.skip(skipSamplesWhy, () => undefined);
  for (const file of evtxSamples()) {
    const name = path.basename(file);
    it(`${name}: same events and alerts as evtxexport's XML`, async () => {
      const a = await events(file);
      const b = await events(evtxexportXml(file));
      expect(a.errors).toBe(0);
      expect(b.errors).toBe(0);
      expect(a.events).toEqual(b.events);
      expect(a.counters.eventsByEventId()).toEqual(b.counters.eventsByEventId());
      expect(a.counters.notSysmon).toBe(b.counters.notSysmon);
      expect(await alerts(file)).toEqual(await alerts(evtxexportXml(file)));
    });
    it(`${name}: same events and alerts as python-evtx's XML, up to GUID case`, async () => {
      const a = await events(file);
      const b = await events(`${file}.python-evtx.xml`);
      expect(b.errors).toBe(0);
      expect(lowerGuids(a.events)).toEqual(lowerGuids(b.events));
      expect(a.counters.eventsByEventId()).toEqual(b.counters.eventsByEventId());
      expect(lowerGuids(await alerts(file))).toEqual(lowerGuids(await alerts(`${file}.python-evtx.xml`)));
    });
  }
  it('--recover replays exactly the records evtx-dump --recover carves, each fully decoded', async () => {
    for (const file of evtxSamples()) {
      const stats = new EvtxReadStats();
      for await (const b of readEvtxFile(file, { counters: new DecodeCounters(), recover: true, stats })) void b;
      let carved = 0;
      for await (const it of dumpRecords(file, { recover: true })) if (it.record?.recovered) carved++;
      expect(stats.recovered, path.basename(file)).toBe(carved);
    }
  });

  it('alerts match too when the data raises some: smss.exe moved out of System32 in a real boot', async () => {
    // The same-length edit is made in the EVTX strings and in evtxexport's XML of them; the
    // chunk checksums are recomputed so the EVTX file is clean, not damaged.
    const file = evtxSamples().find((f) => f.endsWith('privesc_unquoted_svc_sysmon_1_11.evtx'))!;
    const [from, to] = ['System32\\smss.exe', 'System33\\smss.exe'];
    const buf = Buffer.from(readFileSync(file));
    const needle = Buffer.from(from, 'utf16le');
    let edits = 0;
    for (let i = buf.indexOf(needle); i >= 0; i = buf.indexOf(needle, i + 1), edits++) buf.write(to, i, 'utf16le');
    expect(edits).toBeGreaterThan(0);
    for (let off = 4096; off + 65536 <= buf.length; off += 65536) {
      if (buf.toString('latin1', off, off + 7) !== 'ElfChnk') continue;
      buf.writeUInt32LE(crc32(buf, off + 512, off + buf.readUInt32LE(off + 48)), off + 52);
      // The header checksum covers the record-data checksum field, so it follows.
      buf.writeUInt32LE(crc32(buf, off + 128, off + 512, crc32(buf, off, off + 120)), off + 124);
    }
    const evtx = path.join(tmp, 'moved-smss.evtx');
    writeFileSync(evtx, buf);
    const xml = path.join(tmp, 'moved-smss.xml');
    writeFileSync(xml, readFileSync(evtxexportXml(file), 'utf8').split(from).join(to));
    const a = await alerts(evtx);
    expect(a.filter((x) => x.rule === 'smss.path').length).toBeGreaterThan(0);
    expect(a).toEqual(await alerts(xml));
    const check = await events(evtx);
    expect(check.counters.errorsByReason()).toEqual({});
  });
});
