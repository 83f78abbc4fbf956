// One 64 KiB chunk: header checks, then every record in the record area. Damage never stops the
// walk: a bad checksum is reported and the records are still read one by one (each is checked on
// its own), a broken record is reported and the walk resynchronises on the next record signature.
// With recover, records left in slack space (after the free-space offset) or in blocks that are
// not valid chunks are carved out too.

import type { DecodeReason } from '../../decode/problem.js';
import type { ChunkContext } from './binxml.js';
import { crc32 } from './crc32.js';
import { CHUNK_HEADER_SIZE, CHUNK_MAGIC_HI, CHUNK_MAGIC_LO, CHUNK_SIZE, EvtxFormatError, RECORD_HEADER_SIZE, RECORD_MAGIC } from './format.js';
import { u32, u64 } from './values.js';

/** Something skipped or suspicious, with where it is in the file. */
export interface ChunkProblem {
  reason: DecodeReason;
  message: string;
  /** Chunk number (0-based, in file order). */
  chunk: number;
  /** Byte offset in the file. */
  offset: number;
}

/**
 * Called for each record with its Binary XML range [start, end) and the record header's offset
 * (record id at +8, written FILETIME at +16), all chunk-relative. Throws EvtxFormatError when
 * the record's Binary XML is malformed.
 */
export type RecordVisitor = (ctx: ChunkContext, start: number, end: number, header: number, recovered: boolean, fileOffset: number) => void;

export interface ChunkStats {
  records: number;
  recovered: number;
  /** The block was zero-filled: a chunk the log never used. */
  empty: boolean;
}

const SIG = Buffer.from([0x2a, 0x2a, 0, 0]);

/** A record header at p that is self-consistent: signature, size within bounds, size copy at the end. */
function recordAt(b: Uint8Array, p: number, limit: number): number {
  if (p + RECORD_HEADER_SIZE + 4 > limit || u32(b, p) !== RECORD_MAGIC) return 0;
  const size = u32(b, p + 4);
  if (size < RECORD_HEADER_SIZE + 8 || p + size > limit || (size & 3) !== 0) return 0;
  return u32(b, p + size - 4) === size ? size : 0;
}

export function walkChunk(
  ctx: ChunkContext,
  chunk: Buffer,
  chunkNo: number,
  fileOffset: number,
  recover: boolean,
  visit: RecordVisitor,
  problems: ChunkProblem[],
): ChunkStats {
  const stats: ChunkStats = { records: 0, recovered: 0, empty: false };
  const problem = (reason: DecodeReason, message: string, at: number): void => {
    problems.push({ reason, message, chunk: chunkNo, offset: fileOffset + at });
  };
  const len = chunk.length;
  if (len < CHUNK_SIZE) problem('truncated-file', `chunk ${chunkNo} has ${len} of ${CHUNK_SIZE} bytes: the file is truncated; records that fit are read`, 0);
  const isChunk = len >= 8 && u32(chunk, 0) === CHUNK_MAGIC_LO && u32(chunk, 4) === CHUNK_MAGIC_HI;
  if (!isChunk) {
    // Space the log never used (zeros, or whatever the disk held when the file was extended)
    // is silent; a block that holds record signatures is a damaged chunk whose records are lost.
    if (chunk.indexOf(SIG, 0) < 0) {
      stats.empty = true;
      return stats;
    }
    problem('bad-chunk-header', `block ${chunkNo} holds records but does not start with the ElfChnk signature; ${recover ? 'carving records from it' : 'skipped (use --recover to carve records from it)'}`, 0);
    if (recover) {
      ctx.reset(chunk);
      carve(ctx, chunk, 0, len, fileOffset, visit, stats, problems, chunkNo);
    }
    return stats;
  }
  ctx.reset(chunk);
  const truncated = len < CHUNK_SIZE;
  // The header checksum covers bytes 0-120 and 128-512 (the string and template tables).
  const headerOk = len >= CHUNK_HEADER_SIZE && crc32(chunk, 128, CHUNK_HEADER_SIZE, crc32(chunk, 0, 120)) === u32(chunk, 124);
  const free = len >= CHUNK_HEADER_SIZE ? u32(chunk, 48) : 0;
  const last = len >= CHUNK_HEADER_SIZE ? u32(chunk, 44) : 0;
  const freeOk = free >= CHUNK_HEADER_SIZE && free <= CHUNK_SIZE;
  const lastOk = last >= CHUNK_HEADER_SIZE && last < (freeOk ? free : CHUNK_SIZE);
  const areaEnd = freeOk ? Math.min(free, len) : len;
  if (!headerOk && len >= CHUNK_HEADER_SIZE) {
    problem('bad-chunk-checksum', `chunk ${chunkNo}: header checksum mismatch; each record is still checked and read on its own`, 124);
  } else if (headerOk && freeOk && !truncated && crc32(chunk, CHUNK_HEADER_SIZE, free) !== u32(chunk, 52)) {
    problem('bad-chunk-checksum', `chunk ${chunkNo}: record data checksum mismatch; each record is still checked and read on its own`, 52);
  }
  let p = CHUNK_HEADER_SIZE;
  while (p + RECORD_HEADER_SIZE <= areaEnd) {
    const size = recordAt(chunk, p, len);
    if (size === 0) {
      // A record cut off by the end of a truncated file is covered by the truncation problem.
      if (truncated && u32(chunk, p) === RECORD_MAGIC && p + u32(chunk, p + 4) > len) break;
      // With a header we cannot trust, the written area ends where the records stop.
      if (!headerOk && (u32(chunk, p) === 0 || !lastOk || p > last)) break;
      problem('bad-evtx-record', `chunk ${chunkNo}: no valid record at chunk offset ${p}; skipping to the next record signature`, p);
      const next = chunk.indexOf(SIG, p + 1);
      if (next < 0 || next >= areaEnd) break;
      p = next;
      continue;
    }
    try {
      visit(ctx, p + RECORD_HEADER_SIZE, p + size - 4, p, false, fileOffset + p);
      stats.records++;
    } catch (e) {
      if (!(e instanceof EvtxFormatError)) throw e;
      problem('bad-evtx-record', `chunk ${chunkNo}: record ${u64(chunk, p + 8)} at chunk offset ${p}: ${e.message}`, p);
    }
    p += size;
  }
  if (recover && p < len) carve(ctx, chunk, Math.max(p, areaEnd), len, fileOffset, visit, stats, problems, chunkNo);
  return stats;
}

/** Records left behind in [from, to): any self-consistent record whose Binary XML parses. */
function carve(ctx: ChunkContext, chunk: Buffer, from: number, to: number, fileOffset: number, visit: RecordVisitor, stats: ChunkStats, problems: ChunkProblem[], chunkNo: number): void {
  let p = chunk.indexOf(SIG, from);
  while (p >= 0 && p + RECORD_HEADER_SIZE <= to) {
    const size = recordAt(chunk, p, to);
    if (size > 0) {
      try {
        visit(ctx, p + RECORD_HEADER_SIZE, p + size - 4, p, true, fileOffset + p);
        stats.recovered++;
        p = chunk.indexOf(SIG, p + size);
        continue;
      } catch (e) {
        if (!(e instanceof EvtxFormatError)) throw e;
        problems.push({ reason: 'unrecoverable-record', message: `chunk ${chunkNo}: carved record at chunk offset ${p} does not parse: ${e.message}`, chunk: chunkNo, offset: fileOffset + p });
      }
    }
    p = chunk.indexOf(SIG, p + 1);
  }
}
