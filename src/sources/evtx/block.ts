// Parses a run of consecutive chunks into flat record cells. Pure and synchronous: the same
// function runs inline or on a worker thread (worker.ts), so both give identical results.

import { strings } from '../../decode/intern.js';
import { ChunkContext } from './binxml.js';
import { walkChunk, type ChunkProblem } from './chunk.js';
import { FieldExtractor } from './extract.js';
import { SlotWriter } from './fieldset.js';
import { CHUNK_SIZE } from './format.js';
import { GuidCache, TextCache, u64 } from './values.js';

export interface BlockResult {
  /** STRIDE cells per record (see fieldset.ts) and the distinct strings they index. */
  cells: Float64Array;
  table: string[];
  problems: ChunkProblem[];
  records: number;
  recovered: number;
  emptyChunks: number;
  /** Records read by the per-template fast path and by the tree fallback. */
  fast: number;
  tree: number;
}

/** Reused across blocks: the context's caches are reset per chunk anyway. */
const ctx = new ChunkContext(Buffer.alloc(0));
/**
 * Repeated texts (image paths, users, the host name) are the same from block to block too. They
 * are kept interned (decoded on their own, so as they are), and buildEvent, which interns them,
 * finds each by identity.
 */
const texts = new TextCache((s) => strings.intern(s, true));
const guids = new GuidCache();

export function parseBlock(block: Buffer, firstChunkNo: number, fileOffset: number, recover: boolean): BlockResult {
  const extractor = new FieldExtractor(texts, guids);
  const slots = new SlotWriter();
  const res: BlockResult = { cells: new Float64Array(0), table: slots.table, problems: [], records: 0, recovered: 0, emptyChunks: 0, fast: 0, tree: 0 };
  const visit = (c: ChunkContext, start: number, end: number, header: number, recovered: boolean): void => {
    extractor.extract(c, start, end, u64(c.buf, header + 8), slots, recovered);
  };
  for (let off = 0, n = firstChunkNo; off < block.length; off += CHUNK_SIZE, n++) {
    const chunk = block.subarray(off, Math.min(off + CHUNK_SIZE, block.length));
    const st = walkChunk(ctx, chunk, n, fileOffset + off, recover, visit, res.problems);
    res.records += st.records;
    res.recovered += st.recovered;
    if (st.empty) res.emptyChunks++;
  }
  res.cells = slots.finish();
  res.fast = extractor.fast;
  res.tree = extractor.tree;
  return res;
}
