// replay's default thread count: two workers only where they were measured to pay (plain UTF-8
// XML of 512 MiB or more on two cores or more), one everywhere else.

import { closeSync, mkdtempSync, openSync, ftruncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

const cores = vi.hoisted(() => ({ n: 2 }));
vi.mock('node:os', async (actual) => ({ ...(await actual<typeof import('node:os')>()), availableParallelism: () => cores.n }));

const { defaultShardThreads } = await import('./sharded-replay.js');

const dir = mkdtempSync(join(tmpdir(), 'shard-threads-'));

/** A sparse file of `size` bytes that starts with `head` (no disk blocks for the rest). */
function file(name: string, head: Buffer | string, size: number): string {
  const p = join(dir, name);
  const fd = openSync(p, 'w');
  writeSync(fd, typeof head === 'string' ? Buffer.from(head, 'latin1') : head);
  ftruncateSync(fd, size);
  closeSync(fd);
  return p;
}

const MiB = 1 << 20;

describe('defaultShardThreads', () => {
  it('two workers for 512 MiB or more of plain XML on two cores or more', () => {
    cores.n = 2;
    expect(defaultShardThreads([file('big.xml', '<Events>', 512 * MiB)])).toBe(2);
    // UTF-8 BOM and white space before the first tag; the size is the inputs' sum.
    const half = file('half.xml', Buffer.from([0xef, 0xbb, 0xbf, 0x0a, 0x20, 0x3c]), 256 * MiB);
    expect(defaultShardThreads([half, file('half2.xml', '<Event>', 256 * MiB)])).toBe(2);
    cores.n = 8;
    expect(defaultShardThreads([file('big2.xml', '<Events>', 600 * MiB)])).toBe(2);
  });

  it('one thread below 512 MiB, on one core, and for inputs two workers do not speed up', () => {
    cores.n = 2;
    expect(defaultShardThreads([file('small.xml', '<Events>', 511 * MiB)])).toBe(1);
    expect(defaultShardThreads([file('lines.jsonl', '{"EventID":1}', 600 * MiB)])).toBe(1); // JSON lines: one worker takes them all
    expect(defaultShardThreads([file('big.xml.gz', Buffer.from([0x1f, 0x8b, 8, 0]), 600 * MiB)])).toBe(1); // copied per chunk
    expect(defaultShardThreads([file('big.evtx', 'ElfFile\0', 600 * MiB)])).toBe(1); // parsing is the cost there
    expect(defaultShardThreads(['-'])).toBe(1); // standard input: size unknown, read once
    expect(defaultShardThreads([join(dir, 'missing.xml')])).toBe(1);
    expect(defaultShardThreads([])).toBe(1);
    cores.n = 1;
    expect(defaultShardThreads([file('big3.xml', '<Events>', 600 * MiB)])).toBe(1);
  });
});
