import { describe, expect, it } from 'vitest';
import { Fleet } from './fleet.js';
import { CallbackOutput } from './output.js';
import { runFleet } from './run.js';

describe('runFleet', () => {
  it('paces output to --rate in wall-clock time and reports progress', async () => {
    const fleet = new Fleet({ hosts: 5, durationSecs: 3600, seed: 1 });
    const chunks: number[] = [];
    const out = new CallbackOutput((c) => void chunks.push(c.length));
    const progress: number[] = [];
    const t0 = performance.now();
    const r = await runFleet(fleet, out, { maxEvents: 3000, rate: 10_000, onProgress: (n) => progress.push(n) });
    const secs = (performance.now() - t0) / 1000;
    expect(r.events).toBe(3000);
    expect(secs).toBeGreaterThan(0.27);
    expect(secs).toBeLessThan(5);
    // Paced runs hand over small batches: many progress reports, strictly increasing.
    expect(progress.length).toBeGreaterThan(5);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]);
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(r.bytes);
  });

  it('stops when asked between batches', async () => {
    const fleet = new Fleet({ hosts: 5, durationSecs: 3600, seed: 1 });
    let calls = 0;
    const r = await runFleet(fleet, new CallbackOutput(() => undefined), { rate: 100_000, stopped: () => ++calls > 3 });
    expect(r.events).toBeGreaterThan(0);
    expect(r.events).toBeLessThan(20_000);
  });

  it('gives the same bytes when the callback lets its chunk buffers be reused, from a few buffers', async () => {
    const run = async (reuse: boolean): Promise<{ bytes: Buffer; buffers: number }> => {
      const copies: Buffer[] = [];
      const buffers = new Set<ArrayBufferLike>();
      const out = new CallbackOutput(
        (c) => {
          copies.push(Buffer.from(c));
          buffers.add(c.buffer);
        },
        null,
        reuse,
      );
      await runFleet(new Fleet({ hosts: 50, durationSecs: 3600, hostEventsPerSec: 5, seed: 3 }), out, { maxEvents: 100_000 });
      await out.close();
      return { bytes: Buffer.concat(copies), buffers: buffers.size };
    };
    const fresh = await run(false);
    const reused = await run(true);
    expect(fresh.bytes.length).toBeGreaterThan(100_000 * 800);
    expect(reused.bytes.equals(fresh.bytes)).toBe(true);
    // A 16k-event batch spans several 4 MB chunks before runFleet drains them: that many buffers, reused.
    expect(fresh.buffers).toBeGreaterThan(25);
    expect(reused.buffers).toBeLessThanOrEqual(8);
  });
});
