// Damaged input, built in a temp folder from the real samples: every readable record is read,
// what was skipped is reported with chunk, offset and reason, nothing throws or hangs.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DecodeCounters } from '../../src/decode/counters.js';
import { dumpRecords, type DumpRecord } from '../../src/sources/evtx/dump.js';
import { NotEvtxError, oldestChunk } from '../../src/sources/evtx/file.js';
import type { ChunkProblem } from '../../src/sources/evtx/chunk.js';
import { EvtxReadStats, readEvtxFile, readEvtxStream } from '../../src/sources/evtx/reader.js';
import { haveSamples, samplesDir, skipSamplesWhy } from './samples.js';

const CHUNK = 65536;
const SIG = Buffer.from([0x2a, 0x2a, 0, 0]);
const HEAD = 4096;
const tmp = mkdtempSync(path.join(tmpdir(), 'evtx-damage-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

function writeTemp(buf: Buffer): string {
  const f = path.join(tmp, `case-${n++}.evtx`);
  writeFileSync(f, buf);
  return f;
}

async function dump(file: string, recover = false): Promise<{ records: DumpRecord[]; problems: ChunkProblem[] }> {
  const records: DumpRecord[] = [];
  const problems: ChunkProblem[] = [];
  for await (const it of dumpRecords(file, { recover })) {
    if (it.problem) problems.push(it.problem);
    else records.push(it.record);
  }
  return { records, problems };
}

async function read(file: string, recover = false): Promise<{ events: number; errors: number; stats: EvtxReadStats }> {
  const stats = new EvtxReadStats();
  let events = 0;
  let errors = 0;
  for await (const b of readEvtxFile(file, { counters: new DecodeCounters(), recover, stats })) {
    events += b.events.length;
    errors += b.errors.length;
  }
  return { events, errors, stats };
}

const ids = (rs: DumpRecord[]): number[] => rs.map((r) => r.recordId);

async function* toStream(parts: Buffer[]): AsyncGenerator<Buffer> {
  yield* parts;
}

describe.skipIf(!haveSamples)('damaged EVTX input', () => {
  if (!haveSamples) it.skip(skipSamplesWhy, () => undefined);
  const system = haveSamples ? readFileSync(path.join(samplesDir, 'omerbenamram_system.evtx')) : Buffer.alloc(0);
  const small = haveSamples ? readFileSync(path.join(samplesDir, 'DE_sysmon-3-rdp-tun.evtx')) : Buffer.alloc(0);
  let clean: DumpRecord[] = [];

  it('reads the undamaged file completely (baseline)', async () => {
    const r = await dump(writeTemp(system));
    expect(r.problems).toEqual([]);
    expect(r.records.length).toBe(1881);
    clean = r.records;
  });

  it('a record-data checksum failure is reported and the chunk is still read record by record', async () => {
    const buf = Buffer.from(system);
    const victim = clean.find((r) => r.chunk === 1)!;
    buf[victim.offset + 30] ^= 0x01; // inside the record's Binary XML, not its header
    const r = await dump(writeTemp(buf));
    expect(r.problems.map((p) => [p.reason, p.chunk])).toEqual([['bad-chunk-checksum', 1]]);
    expect(r.records.length).toBe(1881);
  });

  it('a chunk header checksum failure is reported; records are read until the first gap', async () => {
    const buf = Buffer.from(system);
    buf[HEAD + 2 * CHUNK + 8] ^= 0xff; // first record number of chunk 2
    const r = await dump(writeTemp(buf));
    expect(r.problems.map((p) => [p.reason, p.chunk, p.offset])).toEqual([['bad-chunk-checksum', 2, HEAD + 2 * CHUNK + 124]]);
    expect(ids(r.records)).toEqual(ids(clean));
  });

  it('a broken record is skipped and reported; the walk resynchronises on the next one', async () => {
    const buf = Buffer.from(system);
    const victim = clean.filter((r) => r.chunk === 4)[10];
    buf.writeUInt32LE(0xdeadbeef, victim.offset); // record signature
    const r = await dump(writeTemp(buf));
    const reasons = r.problems.map((p) => p.reason);
    expect(reasons).toContain('bad-evtx-record');
    expect(r.problems.find((p) => p.reason === 'bad-evtx-record')!.offset).toBe(victim.offset);
    expect(ids(r.records)).toEqual(ids(clean).filter((id) => id !== victim.recordId));
  });

  it('a truncated file yields every record that fits and reports the truncation', async () => {
    const cut = HEAD + 14 * CHUNK + 30_000;
    const r = await dump(writeTemp(system.subarray(0, cut)));
    expect(r.problems.map((p) => [p.reason, p.chunk])).toEqual([['truncated-file', 14]]);
    expect(ids(r.records)).toEqual(ids(clean.filter((x) => x.offset + x.size <= cut)));
    const rr = await read(writeTemp(system.subarray(0, HEAD + 100)));
    expect(rr.events).toBe(0);
    expect(rr.stats.problems.map((p) => p.reason)).toEqual(['truncated-file']);
  });

  it('a dirty file with a stale chunk count is read whole', async () => {
    const buf = Buffer.from(system);
    buf.writeUInt16LE(1, 42); // chunk count
    buf.writeUInt32LE(buf.readUInt32LE(120) | 1, 120); // dirty flag
    const r = await read(writeTemp(buf));
    expect(r.stats.dirty).toBe(true);
    expect(r.stats.records).toBe(1881);
    expect(r.stats.problems.map((p) => p.reason)).toEqual(['bad-file-header']); // checksum no longer matches
  });

  it('a chunk with a wiped signature is reported, and --recover carves its records back', async () => {
    const buf = Buffer.from(system);
    buf.fill(0, HEAD + 3 * CHUNK, HEAD + 3 * CHUNK + 8);
    const plain = await dump(writeTemp(buf));
    expect(plain.problems.map((p) => [p.reason, p.chunk, p.offset])).toEqual([['bad-chunk-header', 3, HEAD + 3 * CHUNK]]);
    expect(ids(plain.records)).toEqual(ids(clean.filter((x) => x.chunk !== 3)));
    const rec = await dump(writeTemp(buf), true);
    const carved = rec.records.filter((x) => x.recovered);
    expect(ids(carved)).toEqual(ids(clean.filter((x) => x.chunk === 3)));
  });

  it('a file that is not EVTX fails with a typed error that says what to do', async () => {
    const f = writeTemp(Buffer.from('<Events><Event/></Events>'));
    await expect(read(f)).rejects.toBeInstanceOf(NotEvtxError);
    await expect(read(f)).rejects.toThrow(/not an EVTX file/);
  });

  it('random byte corruption never throws and never hangs', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Half the edits land in the headers and the record area, where they do the most harm.
        fc.array(fc.tuple(fc.oneof(fc.integer({ min: 8, max: HEAD + 40_000 }), fc.integer({ min: 0, max: small.length - 1 })), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 40 }),
        fc.boolean(),
        fc.integer({ min: HEAD, max: small.length }),
        async (edits, recover, length) => {
          const buf = Buffer.from(small.subarray(0, length));
          for (const [at, v] of edits) if (at < buf.length && at >= 8) buf[at] = v;
          const f = writeTemp(buf);
          const r = await read(f, recover);
          const d = await dump(f, recover);
          // Every record read had a signature; events come only from records. (The field reader
          // may accept a record the full renderer rejects: it decodes fewer values.)
          let signatures = 0;
          for (let i = buf.indexOf(SIG); i >= 0; i = buf.indexOf(SIG, i + 1)) signatures++;
          expect(r.stats.records + r.stats.recovered).toBeLessThanOrEqual(signatures);
          expect(d.records.length).toBeLessThanOrEqual(signatures);
          expect(r.events).toBeLessThanOrEqual(r.stats.records + r.stats.recovered);
          rmSync(f);
        },
      ),
      { numRuns: 400, interruptAfterTimeLimit: 60_000 },
    );
  }, 120_000);
});

describe.skipIf(!haveSamples)('a log that wrapped around', () => {
  it('is read from its oldest chunk, so records come in order; a stream is read in file order', async () => {
    const system = readFileSync(path.join(samplesDir, 'omerbenamram_system.evtx'));
    const used = 15;
    const chunks = Array.from({ length: used }, (_, i) => system.subarray(HEAD + i * CHUNK, HEAD + (i + 1) * CHUNK));
    // Oldest chunks (0-4) after the newest (5-14) in the file, as a full log leaves them.
    const wrapped = Buffer.concat([system.subarray(0, HEAD), ...chunks.slice(5), ...chunks.slice(0, 5), system.subarray(HEAD + used * CHUNK)]);
    const f = writeTemp(wrapped);
    const r = await dump(f);
    expect(r.problems).toEqual([]);
    const got = ids(r.records);
    expect(got).toEqual([...got].sort((a, b) => a - b));
    expect(got.length).toBe(1881);
    expect(r.records[0].chunk).toBe(10); // the oldest chunk's place in the file
    const stats = new EvtxReadStats();
    const counters = new DecodeCounters();
    for await (const b of readEvtxStream({ path: f, size: wrapped.length, chunks: toStream([wrapped.subarray(0, 100_000), wrapped.subarray(100_000)]) }, { counters, stats })) void b;
    expect(counters.notSysmon).toBe(1881);
    expect(stats.records).toBe(1881);
  });

  it('oldestChunk finds one clean rotation and nothing else', () => {
    expect(oldestChunk([1, 40, 80])).toBe(0);
    expect(oldestChunk([80, 120, 1, 40])).toBe(2);
    expect(oldestChunk([80, null, 120, 1, null, 40, null])).toBe(3);
    expect(oldestChunk([80, 1, 120, 2])).toBe(0); // two drops: damage, keep file order
    expect(oldestChunk([80, 120, 1, 90])).toBe(0); // overlaps the first chunk: not a rotation
    expect(oldestChunk([])).toBe(0);
  });
});

describe('EvtxReadStats', () => {
  it('keeps the first 1000 problems and counts them all, so a wrecked file cannot grow memory', () => {
    const s = new EvtxReadStats();
    for (let i = 0; i < 1500; i++) s.addProblem({ reason: 'bad-evtx-record', message: '', chunk: 0, offset: i });
    expect(s.problems.length).toBe(1000);
    expect(s.problemCount).toBe(1500);
  });
});
