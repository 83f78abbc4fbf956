// Reads an .evtx file as runs of whole chunks, with constant memory: one block of a few chunks
// per read, whatever the file size. The header is checked but the chunk count is not trusted
// (dirty or damaged files): every 64 KiB block after the header is offered to the chunk walker.

import { open } from 'node:fs/promises';
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
  size: number;
  /** Problems found in the file header. */
  problems: ChunkProblem[];
}

/** Chunks per block: 16 x 64 KiB = 1 MiB, a few thousand records. */
export const DEFAULT_BLOCK_CHUNKS = 16;

export async function openEvtx(path: string): Promise<{ info: EvtxFileInfo; blocks: (chunksPerBlock?: number) => AsyncGenerator<EvtxBlock> }> {
  const fh = await open(path, 'r');
  let closed = false;
  const close = async (): Promise<void> => {
    if (!closed) {
      closed = true;
      await fh.close();
    }
  };
  try {
    const size = (await fh.stat()).size;
    const head = Buffer.alloc(Math.min(FILE_HEADER_SIZE, size));
    await fh.read(head, 0, head.length, 0);
    const header = parseFileHeader(head);
    if (header === null) throw new NotEvtxError(path);
    const problems: ChunkProblem[] = [];
    if (size < FILE_HEADER_SIZE) {
      problems.push({ reason: 'truncated-file', message: `${path}: ${size} bytes, shorter than the 4096-byte file header; no chunks to read`, chunk: -1, offset: size });
    } else if (!header.checksumOk) {
      problems.push({ reason: 'bad-file-header', message: `${path}: file header checksum mismatch; chunks are read anyway`, chunk: -1, offset: 124 });
    }
    const info: EvtxFileInfo = { header, size, problems };
    async function* blocks(chunksPerBlock = DEFAULT_BLOCK_CHUNKS): AsyncGenerator<EvtxBlock> {
      try {
        let chunkNo = 0;
        for (let off = FILE_HEADER_SIZE; off < size; off += chunksPerBlock * CHUNK_SIZE, chunkNo += chunksPerBlock) {
          const len = Math.min(chunksPerBlock * CHUNK_SIZE, size - off);
          const buf = Buffer.allocUnsafe(len);
          let got = 0;
          while (got < len) {
            const { bytesRead } = await fh.read(buf, got, len - got, off + got);
            if (bytesRead === 0) break; // the file shrank while we read it
            got += bytesRead;
          }
          yield { buf: got < len ? buf.subarray(0, got) : buf, firstChunkNo: chunkNo, fileOffset: off };
          if (got < len) return;
        }
      } finally {
        await close();
      }
    }
    return { info, blocks };
  } catch (e) {
    await close();
    throw e;
  }
}
