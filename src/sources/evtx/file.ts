// Reads EVTX bytes as runs of whole chunks with constant memory: one block of a few chunks at a
// time, whatever the file size. Works on any byte stream (a file, standard input, a gunzipped
// .evtx.gz), since chunks are read in order. The header is checked but its chunk count is not
// trusted (dirty or damaged files): every 64 KiB block after the header goes to the chunk walker.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ChunkProblem } from './chunk.js';
import { CHUNK_SIZE, FILE_HEADER_SIZE } from './format.js';
import { parseFileHeader, type FileHeader } from './header.js';

/** The input is not an EVTX file at all. */
export class NotEvtxError extends Error {
  constructor(readonly path: string) {
    super(`${path} is not an EVTX file (no "ElfFile" signature at its start); replay XML or JSON exports as they are, or check that the file was copied completely`);
    this.name = 'NotEvtxError';
  }
}

export interface EvtxBlock {
  buf: Buffer;
  firstChunkNo: number;
  fileOffset: number;
}

export interface EvtxFileInfo {
  header: FileHeader;
  /** Size on disk when known (0 for streams). */
  size: number;
  /** Problems found in the file header. */
  problems: ChunkProblem[];
}

/** EVTX bytes from anywhere: path is for messages, size for progress (0 when unknown). */
export interface EvtxSource {
  path: string;
  size: number;
  chunks: AsyncIterable<Buffer>;
}

export interface OpenedEvtx {
  info: EvtxFileInfo;
  /** Blocks of whole chunks (the last one may be short); each buffer owns its memory. */
  blocks: (chunksPerBlock?: number) => AsyncGenerator<EvtxBlock>;
}

/** Chunks per block: 16 x 64 KiB = 1 MiB, a few thousand records. */
export const DEFAULT_BLOCK_CHUNKS = 16;

/** Cuts a stream of arbitrary pieces into buffers of the sizes asked for. */
class Reblocker {
  private parts: Buffer[] = [];
  private have = 0;
  private done = false;
  constructor(private readonly it: AsyncIterator<Buffer>) {}

  /** Exactly n bytes in a buffer of its own, or fewer at the end of the stream. */
  async take(n: number): Promise<Buffer> {
    while (this.have < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (r.value.length > 0) {
        this.parts.push(r.value);
        this.have += r.value.length;
      }
    }
    const len = Math.min(n, this.have);
    const out = Buffer.allocUnsafeSlow(len);
    let at = 0;
    while (at < len) {
      const p = this.parts[0];
      const k = Math.min(p.length, len - at);
      p.copy(out, at, 0, k);
      at += k;
      if (k === p.length) this.parts.shift();
      else this.parts[0] = p.subarray(k);
    }
    this.have -= len;
    return out;
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}

export async function openEvtxSource(src: EvtxSource): Promise<OpenedEvtx> {
  const rb = new Reblocker(src.chunks[Symbol.asyncIterator]());
  let head: Buffer;
  try {
    head = await rb.take(FILE_HEADER_SIZE);
  } catch (e) {
    await rb.close();
    throw e;
  }
  const header = parseFileHeader(head);
  if (header === null) {
    await rb.close();
    throw new NotEvtxError(src.path);
  }
  const problems: ChunkProblem[] = [];
  if (head.length < FILE_HEADER_SIZE) {
    problems.push({ reason: 'truncated-file', message: `${src.path}: ${head.length} bytes, shorter than the 4096-byte file header; no chunks to read`, chunk: -1, offset: head.length });
  } else if (!header.checksumOk) {
    problems.push({ reason: 'bad-file-header', message: `${src.path}: file header checksum mismatch; chunks are read anyway`, chunk: -1, offset: 124 });
  }
  async function* blocks(chunksPerBlock = DEFAULT_BLOCK_CHUNKS): AsyncGenerator<EvtxBlock> {
    try {
      for (let off = head.length, chunkNo = 0; ; off += chunksPerBlock * CHUNK_SIZE, chunkNo += chunksPerBlock) {
        const buf = await rb.take(chunksPerBlock * CHUNK_SIZE);
        if (buf.length === 0) return;
        yield { buf, firstChunkNo: chunkNo, fileOffset: off };
        if (buf.length < chunksPerBlock * CHUNK_SIZE) return;
      }
    } finally {
      await rb.close();
    }
  }
  return { info: { header, size: src.size, problems }, blocks };
}

/** Opens a file on disk. */
export async function openEvtx(path: string): Promise<OpenedEvtx> {
  const size = (await stat(path)).size;
  return openEvtxSource({ path, size, chunks: createReadStream(path, { highWaterMark: DEFAULT_BLOCK_CHUNKS * CHUNK_SIZE }) });
}
