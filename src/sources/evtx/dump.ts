// Whole records as resolved trees, in file order, for evtx-dump and the cross-check tests.

import { ChunkContext } from './binxml.js';
import { walkChunk, type ChunkProblem } from './chunk.js';
import { openEvtx } from './file.js';
import { EvtxFormatError } from './format.js';
import { resolve, type RChild, type RElement } from './resolve.js';
import { rootElement } from './render.js';
import { filetimeText, u64 } from './values.js';

export interface DumpRecord {
  recordId: number;
  /** When the record was written (record header FILETIME), ISO 8601. */
  written: string;
  chunk: number;
  /** Byte offset of the record in the file. */
  offset: number;
  /** Record size in bytes (header and trailing size copy included). */
  size: number;
  /** Carved from slack space or an unused chunk (--recover). */
  recovered: boolean;
  event: RElement;
}

export type DumpItem = { record: DumpRecord; problem?: undefined } | { problem: ChunkProblem; record?: undefined };

export async function* dumpRecords(path: string, opts: { recover?: boolean } = {}): AsyncGenerator<DumpItem> {
  const { info, blocks } = await openEvtx(path);
  for (const p of info.problems) yield { problem: p };
  const ctx = new ChunkContext(Buffer.alloc(0));
  for await (const block of blocks(1)) {
    const items: DumpItem[] = [];
    const problems: ChunkProblem[] = [];
    const chunkNo = block.firstChunkNo;
    walkChunk(
      ctx,
      block.buf,
      chunkNo,
      block.fileOffset,
      opts.recover ?? false,
      (c, start, end, header, recovered, fileOffset) => {
        const root: RChild[] = [];
        resolve(c, c.fragment(start, end, 0), null, 0, root);
        const event = rootElement(root);
        if (event === undefined) throw new EvtxFormatError('record holds no element', start);
        items.push({ record: { recordId: u64(c.buf, header + 8), written: filetimeText(c.buf, header + 16), chunk: chunkNo, offset: fileOffset, size: end + 4 - header, recovered, event } });
      },
      problems,
    );
    for (const p of problems) yield { problem: p };
    yield* items;
  }
}
