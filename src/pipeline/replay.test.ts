// The replay pipeline's backpressure: with a slow sink, the file source is not read ahead of it,
// so batches do not pile up in memory between the reader and the sink.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { HostLog } from '../../test/helpers/sysmon-xml.js';
import { parsePipeline } from './config.js';
import { replay } from './replay.js';

/** ~16 MB of process creations: 16 input chunks of 1 MiB, so 16 batches. */
function bigLog(): string {
  const h = new HostLog('BP01', 3);
  let t = Date.UTC(2024, 0, 1);
  // The long command line travels in every event as ParentCommandLine but is kept once in the tree.
  const services = h.create(t, h.proc(600, 'C:\\Windows\\System32\\services.exe', `services.exe ${'x'.repeat(1200)}`, h.system));
  for (let i = 0; i < 10_000; i++) h.create((t += 10), h.proc(1000 + i, 'C:\\Windows\\System32\\svchost.exe', `svchost.exe -k n${i}`, services));
  return h.events.join('\n') + '\n';
}

/** Heap and buffers that survive a full collection: what the pipeline holds, not garbage not yet collected. */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function retainedMemory(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

describe('replay backpressure', () => {
  it('reads the next chunk only once the batch before it is through a slow sink', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'proctree-bp-')), 'big.xml');
    writeFileSync(file, bigLog());
    let judged = 0;
    let written = 0;
    let mostAhead = 0;
    const held: number[] = [];
    const result = await replay({
      paths: [file],
      config: parsePipeline({}),
      onBatch: () => {
        judged++;
        mostAhead = Math.max(mostAhead, judged - written);
      },
      sink: {
        async write() {
          await sleep(40); // a sink slower than reading and decoding a chunk
          written++;
          held.push(retainedMemory());
        },
      },
    });
    expect(result.stats.events).toBe(10_001);
    expect(written).toBeGreaterThanOrEqual(16);
    // One batch between the source and the end of the sink, never more.
    expect(result.peakInFlight).toBe(1);
    expect(mostAhead).toBe(1);
    // Read ahead (checked with inFlight: 1000), the chunks and their events piled up: +29 MB of
    // heap and buffers. Gated, what is held grows by the trees' 10k nodes: +7 MB.
    expect(Math.max(...held) - held[0]).toBeLessThan(12 << 20);
  });
});
