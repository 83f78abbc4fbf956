// evtx-dump's XML, written record by record into a byte buffer, is byte for byte the rendering
// of the resolved trees (dumpRecords + renderXml) for every real sample, with and without
// --recover; and every record that is not recovered takes the direct path (array values of the
// System log included).

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ByteSink } from '../../src/sources/evtx/byte-sink.js';
import { dumpRecords, dumpXml } from '../../src/sources/evtx/dump.js';
import { renderXml } from '../../src/sources/evtx/render.js';
import { evtxSamples, haveSamples, skipSamplesWhy } from './samples.js';

async function viaTrees(file: string, recover: boolean): Promise<string> {
  let s = '';
  for await (const it of dumpRecords(file, { recover })) if (it.record) s += renderXml(it.record.event, it.record.recovered ? ' recovered="true"' : '') + '\n';
  return s;
}

describe.skipIf(!haveSamples)('dumpXml', () => {
  if (!haveSamples) it.skip(skipSamplesWhy, () => undefined);
  for (const file of evtxSamples()) {
    for (const recover of [false, true]) {
      it(`${path.basename(file)}${recover ? ' --recover' : ''}: the same bytes as the tree rendering`, async () => {
        const sink = new ByteSink(Buffer.alloc(1024));
        const counts = await dumpXml(file, { recover }, sink, async () => undefined);
        expect(sink.buf.toString('utf8', 0, sink.pos)).toBe(await viaTrees(file, recover));
        expect(counts.direct).toBe(counts.records - counts.recovered);
      });
    }
  }
});
