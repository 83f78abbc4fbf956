import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DirectFileOutput, NODE_IO, OutputFileError, alignedChunk, openFileOutput, type FileIo } from './direct-file.js';
import { Fleet } from './fleet.js';
import { formatter, type OutputFormat } from './formats.js';
import { StreamOutput, type EventOutput } from './output.js';
import { runFleet } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'proctree-direct-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function generate(out: EventOutput, events: number): Promise<number> {
  const fleet = new Fleet({ hosts: 50, durationSecs: 3600, hostEventsPerSec: 0.1, seed: 3 });
  await runFleet(fleet, out, { maxEvents: events });
  await out.close();
  return out.bytes;
}

/** The reference: today's buffered write stream. */
async function buffered(name: string, events: number, format: OutputFormat = 'xml'): Promise<Buffer> {
  const file = join(dir, `${name}.buffered`);
  const bytes = await generate(new StreamOutput(file, formatter(format)), events);
  const data = readFileSync(file);
  expect(data.length).toBe(bytes);
  return data;
}

/** Does this directory's filesystem take an aligned O_DIRECT write? */
function takesDirect(): boolean {
  const flag = (constants as { O_DIRECT?: number }).O_DIRECT;
  if (flag === undefined) return false;
  try {
    const fd = openSync(join(dir, 'probe'), constants.O_WRONLY | constants.O_CREAT | flag);
    try {
      return writeSync(fd, alignedChunk(), 0, 4096, 0) === 4096;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

function refusing(o: { open?: boolean; writes?: number }): FileIo & { writes: number } {
  const direct = (constants as { O_DIRECT?: number }).O_DIRECT ?? 0;
  const einval = (): Error => Object.assign(new Error('EINVAL: invalid argument'), { code: 'EINVAL' });
  let refused = 0;
  const io = {
    ...NODE_IO,
    writes: 0,
    openSync(path: string, flags: number): number {
      if (o.open === true && (flags & direct) !== 0) throw einval();
      return NODE_IO.openSync(path, flags);
    },
    async write(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number> {
      if (refused < (o.writes ?? 0)) {
        refused++;
        throw einval();
      }
      io.writes++;
      return NODE_IO.write(fd, buf, offset, length, position);
    },
  };
  return io;
}

describe('file output with O_DIRECT', () => {
  // Sizes chosen so that the file ends mid-block, and spans several 4 MB chunks (carried tails).
  const cases: Array<[number, OutputFormat]> = [
    [1, 'xml'],
    [37, 'xml'],
    [9_000, 'xml'],
    [4_000, 'winlogbeat'],
  ];
  for (const [events, format] of cases) {
    it(`${events} ${format} events: the same bytes as the buffered stream`, async () => {
      const want = await buffered(`${events}-${format}`, events, format);
      const file = join(dir, `${events}-${format}.direct`);
      const out = openFileOutput(file, formatter(format));
      if (takesDirect()) {
        expect(out).toBeInstanceOf(DirectFileOutput);
        expect((out as DirectFileOutput).direct).toBe(true);
      }
      expect(await generate(out, events)).toBe(want.length);
      const got = readFileSync(file);
      expect(got.length).toBe(want.length);
      expect(got.equals(want)).toBe(true);
    });
  }

  it('the files end mid-block, so the padded tail and truncation are exercised', async () => {
    expect((await buffered('tail', 9_000)).length % 4096).not.toBe(0);
  });

  it('falls back to the buffered stream when O_DIRECT is refused at open', async () => {
    const want = await buffered('refused-open', 3_000);
    const file = join(dir, 'refused-open.direct');
    const out = openFileOutput(file, null, refusing({ open: true }));
    expect(out).toBeInstanceOf(StreamOutput);
    await generate(out, 3_000);
    expect(readFileSync(file).equals(want)).toBe(true);
  });

  it('goes on without O_DIRECT when a write is refused, and loses nothing', async () => {
    const want = await buffered('refused-write', 9_000);
    const file = join(dir, 'refused-write.direct');
    const io = refusing({ writes: 1 });
    const out = openFileOutput(file, null, io);
    expect(out).toBeInstanceOf(DirectFileOutput);
    await generate(out, 9_000);
    expect((out as DirectFileOutput).direct).toBe(false);
    expect(io.writes).toBeGreaterThan(1);
    expect(readFileSync(file).equals(want)).toBe(true);
  });

  it('uses the stream for what is not a regular file', () => {
    const out = openFileOutput('/dev/null');
    expect(out).toBeInstanceOf(StreamOutput);
    return out.close();
  });

  it.skipIf((constants as { O_DIRECT?: number }).O_DIRECT === undefined)('reports a file it cannot create as an OutputFileError naming the path', () => {
    const path = join(dir, 'missing', 'x.xml');
    expect(() => openFileOutput(path)).toThrow(OutputFileError);
    expect(() => openFileOutput(path)).toThrow(path);
  });
});
