// Whole records in file order: as resolved trees (evtx-dump's JSON, the cross-check tests), or
// as one-line XML written straight into a byte buffer (evtx-dump's XML).

import { ChunkContext } from './binxml.js';
import type { ByteSink } from './byte-sink.js';
import { walkChunk, type ChunkProblem } from './chunk.js';
import { openEvtx } from './file.js';
import { CHUNK_SIZE, EvtxFormatError } from './format.js';
import { resolve, type RChild, type RElement } from './resolve.js';
import { RecordXmlWriter } from './record-xml.js';
import { renderXml, rootElement } from './render.js';
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
        const event = resolveRecord(c, start, end);
        items.push({ record: { recordId: u64(c.buf, header + 8), written: filetimeText(c.buf, header + 16), chunk: chunkNo, offset: fileOffset, size: end + 4 - header, recovered, event } });
      },
      problems,
    );
    for (const p of problems) yield { problem: p };
    yield* items;
  }
}

/** A record's Binary XML [start, end) as a tree: its first element. */
function resolveRecord(c: ChunkContext, start: number, end: number): RElement {
  const root: RChild[] = [];
  resolve(c, c.fragment(start, end, 0), null, 0, root);
  const event = rootElement(root);
  if (event === undefined) throw new EvtxFormatError('record holds no element', start);
  return event;
}

export interface XmlDumpCounts {
  records: number;
  recovered: number;
  /** Records the template writer rendered (the rest went through resolve() and renderXml()). */
  direct: number;
}

/**
 * Writes every record of path into sink as one line of XML (renderXml's, byte for byte;
 * recovered records carry recovered="true"), and calls afterBlock with the problems met after
 * the file header and after each block of chunks, so the caller can report them and empty the sink.
 */
export async function dumpXml(path: string, opts: { recover?: boolean }, sink: ByteSink, afterBlock: (problems: ChunkProblem[]) => Promise<void>): Promise<XmlDumpCounts> {
  const { info, blocks } = await openEvtx(path);
  const counts: XmlDumpCounts = { records: 0, recovered: 0, direct: 0 };
  await afterBlock(info.problems);
  const ctx = new ChunkContext(Buffer.alloc(0));
  const writer = new RecordXmlWriter();
  const visit = (c: ChunkContext, start: number, end: number, _header: number, recovered: boolean): void => {
    if (recovered) {
      sink.raw(renderXml(resolveRecord(c, start, end), ' recovered="true"'));
      counts.recovered++;
    } else if (writer.write(c, start, end, sink)) {
      counts.direct++;
    } else {
      sink.raw(renderXml(resolveRecord(c, start, end)));
    }
    sink.byte(10);
    counts.records++;
  };
  // Blocks of several chunks: each is one read, passed through without a copy (blocks of one
  // chunk were copied out of each read, one await per chunk).
  for await (const block of blocks()) {
    const problems: ChunkProblem[] = [];
    for (let off = 0, n = block.firstChunkNo; off < block.buf.length; off += CHUNK_SIZE, n++) {
      walkChunk(ctx, block.buf.subarray(off, Math.min(off + CHUNK_SIZE, block.buf.length)), n, block.fileOffset + off, opts.recover ?? false, visit, problems);
    }
    await afterBlock(problems);
  }
  return counts;
}
