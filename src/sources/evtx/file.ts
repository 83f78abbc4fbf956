// Reads EVTX bytes as runs of whole chunks with constant memory: one block of a few chunks at a
// time, whatever the file size. Works on any byte stream (a file, standard input, a gunzipped
// .evtx.gz), since chunks are read in order. The header is checked but its chunk count is not
// trusted (dirty or damaged files): every 64 KiB block after the header goes to the chunk walker.

import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
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
  /** The stream starts at this chunk and wraps around to chunk 0 (files read in record order). */
  startChunk?: number;
}

export interface OpenedEvtx {
  info: EvtxFileInfo;
  /**
   * Blocks of whole chunks (the last one may be short). A block's buffer is reused once the
   * block after next has been requested: parse it or copy it before that.
   */
  blocks: (chunksPerBlock?: number) => AsyncGenerator<EvtxBlock>;
}

/** Chunks per block: 16 x 64 KiB = 1 MiB, a few thousand records. */
export const DEFAULT_BLOCK_CHUNKS = 16;

/**
 * Buffers that are reused in turn. Fresh 1 MiB buffers cost ~0.7 ms each in page faults, more
 * than reading the data; a block's buffer is only needed until the block after next is read
 * (the readers parse, or copy for a worker, before asking for it), so three suffice.
 */
class BufferRing {
  private readonly bufs: Buffer[] = [];
  private next = 0;
  constructor(private readonly size: number) {}

  /** A buffer of n <= size bytes. */
  take(n: number): Buffer {
    if (this.bufs.length < 3) this.bufs.push(Buffer.allocUnsafeSlow(this.size));
    const b = this.bufs[this.next % this.bufs.length];
    this.next++;
    return n === this.size ? b : b.subarray(0, n);
  }
}

/** Cuts a stream of arbitrary pieces into buffers of the sizes asked for. */
class Reblocker {
  private parts: Buffer[] = [];
  private have = 0;
  private done = false;
  private readonly ring = new BufferRing(DEFAULT_BLOCK_CHUNKS * CHUNK_SIZE);
  constructor(private readonly it: AsyncIterator<Buffer>) {}

  /**
   * Exactly n bytes, or fewer at the end of the stream. A piece of exactly that size is passed
   * through (files are read block by block); otherwise the bytes are copied into a ring buffer.
   */
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
    if (this.parts.length > 0 && this.parts[0].length === len) {
      this.have -= len;
      return this.parts.shift()!;
    }
    const out = len <= DEFAULT_BLOCK_CHUNKS * CHUNK_SIZE ? this.ring.take(len) : Buffer.allocUnsafeSlow(len);
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
  // Only a file read in chunk order has a known chunk count (a stream's size may be compressed).
  const start = src.startChunk ?? 0;
  const total = src.startChunk !== undefined ? Math.ceil(Math.max(0, src.size - FILE_HEADER_SIZE) / CHUNK_SIZE) : Infinity;
  async function* blocks(chunksPerBlock = DEFAULT_BLOCK_CHUNKS): AsyncGenerator<EvtxBlock> {
    try {
      // A block never spans the wrap-around point, so its chunks are consecutive in the file.
      for (let chunkNo = start, wrapped = false; ; ) {
        const want = Math.min(chunksPerBlock, wrapped ? start - chunkNo : total - chunkNo);
        if (want <= 0) {
          if (wrapped || start === 0) return;
          wrapped = true;
          chunkNo = 0;
          continue;
        }
        const buf = await rb.take(want * CHUNK_SIZE);
        if (buf.length === 0) return;
        yield { buf, firstChunkNo: chunkNo, fileOffset: FILE_HEADER_SIZE + chunkNo * CHUNK_SIZE };
        if (buf.length < want * CHUNK_SIZE) return;
        chunkNo += want;
      }
    } finally {
      await rb.close();
    }
  }
  return { info: { header, size: src.size, problems }, blocks };
}

/**
 * Index of the oldest chunk of a log that wrapped around: a full log overwrites its oldest
 * chunk, so in file order the record numbers rise, drop once, and rise again. Reading from the
 * drop keeps event time in order for the process trees. 0 when the file is not wrapped, or when
 * its chunks do not have that shape (damage): then file order is the best guess.
 */
export function oldestChunk(firstRecordNumbers: readonly (number | null)[]): number {
  let drop = 0;
  let prev = -1;
  let prevAt = -1;
  for (let i = 0; i < firstRecordNumbers.length; i++) {
    const r = firstRecordNumbers[i];
    if (r === null) continue;
    if (prevAt >= 0 && r < prev) {
      if (drop !== 0) return 0;
      drop = i;
    }
    prev = r;
    prevAt = i;
  }
  if (drop === 0) return 0;
  // After the drop the numbers must stay below the first chunk's for a clean rotation.
  const first = firstRecordNumbers.find((r) => r !== null) ?? 0;
  for (let i = drop; i < firstRecordNumbers.length; i++) {
    const r = firstRecordNumbers[i];
    if (r !== null && r >= first) return 0;
  }
  return drop;
}

/**
 * Opens a file on disk. Unlike a stream, a file can be read in record order when the log
 * wrapped around: chunk headers are read first (16 bytes each) to find the oldest chunk.
 */
export async function openEvtx(path: string): Promise<OpenedEvtx> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const count = size > FILE_HEADER_SIZE ? Math.ceil((size - FILE_HEADER_SIZE) / CHUNK_SIZE) : 0;
    const firsts: (number | null)[] = [];
    const probe = Buffer.alloc(16);
    for (let i = 0; i < count; i++) {
      // Synchronous: 16-byte reads from the page cache take ~2 us, an awaited read ~40 us.
      const bytesRead = readSync(fh.fd, probe, 0, 16, FILE_HEADER_SIZE + i * CHUNK_SIZE);
      const isChunk = bytesRead === 16 && probe.toString('latin1', 0, 8) === 'ElfChnk\0';
      firsts.push(isChunk ? Number(probe.readBigUInt64LE(8)) : null);
    }
    const start = oldestChunk(firsts);
    const order = [...Array(count - start).keys()].map((i) => i + start).concat([...Array(start).keys()]);
    return await openEvtxSource({ path, size, chunks: readChunks(fh, order, size), startChunk: start });
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** The header, then the chunks in the given order, as one stream; closes the file at the end. */
async function* readChunks(fh: FileHandle, order: number[], size: number): AsyncGenerator<Buffer> {
  try {
    const head = Buffer.allocUnsafeSlow(Math.min(FILE_HEADER_SIZE, size));
    await fh.read(head, 0, head.length, 0);
    yield head;
    // Consecutive chunks are read together, up to one block per read, into reused buffers.
    const ring = new BufferRing(DEFAULT_BLOCK_CHUNKS * CHUNK_SIZE);
    for (let i = 0; i < order.length; ) {
      let j = i + 1;
      while (j < order.length && order[j] === order[j - 1] + 1 && j - i < DEFAULT_BLOCK_CHUNKS) j++;
      const from = FILE_HEADER_SIZE + order[i] * CHUNK_SIZE;
      const len = Math.min((j - i) * CHUNK_SIZE, size - from);
      const buf = ring.take(len);
      let got = 0;
      while (got < len) {
        const { bytesRead } = await fh.read(buf, got, len - got, from + got);
        if (bytesRead === 0) break; // the file shrank while we read it
        got += bytesRead;
      }
      yield got < len ? buf.subarray(0, got) : buf;
      if (got < len) return;
      i = j;
    }
  } finally {
    await fh.close();
  }
}
