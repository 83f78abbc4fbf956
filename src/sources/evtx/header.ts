// The 4 KiB file header. Only the magic is trusted: in a "dirty" file (not closed cleanly) or a
// damaged one, the chunk count and checksum may be stale, so the reader walks every 64 KiB block
// the file holds instead of believing the header.

import { crc32 } from './crc32.js';
import { FILE_FLAG_DIRTY, FILE_FLAG_FULL, FILE_MAGIC_HI, FILE_MAGIC_LO } from './format.js';

export interface FileHeader {
  firstChunk: number;
  lastChunk: number;
  nextRecordId: number;
  majorVersion: number;
  minorVersion: number;
  chunkCount: number;
  dirty: boolean;
  full: boolean;
  /** CRC-32 of the first 120 bytes matches the stored one. */
  checksumOk: boolean;
}

/** True when buf starts with the "ElfFile\0" magic (used to sniff .evtx input whatever its name). */
export function hasEvtxMagic(buf: Uint8Array): boolean {
  if (buf.length < 8) return false;
  const dv = new DataView(buf.buffer, buf.byteOffset, 8);
  return dv.getUint32(0, true) === FILE_MAGIC_LO && dv.getUint32(4, true) === FILE_MAGIC_HI;
}

/**
 * Parses the file header; null when the magic is absent (not an EVTX file). A file cut short
 * inside the header's first 128 bytes still is EVTX (its reader reports it as truncated): the
 * missing bytes read as zeros and the checksum fails.
 */
export function parseFileHeader(buf: Uint8Array): FileHeader | null {
  if (!hasEvtxMagic(buf)) return null;
  if (buf.length < 128) {
    const padded = new Uint8Array(128);
    padded.set(buf);
    buf = padded;
  }
  const dv = new DataView(buf.buffer, buf.byteOffset, 128);
  const flags = dv.getUint32(120, true);
  return {
    firstChunk: Number(dv.getBigUint64(8, true)),
    lastChunk: Number(dv.getBigUint64(16, true)),
    nextRecordId: Number(dv.getBigUint64(24, true)),
    minorVersion: dv.getUint16(36, true),
    majorVersion: dv.getUint16(38, true),
    chunkCount: dv.getUint16(42, true),
    dirty: (flags & FILE_FLAG_DIRTY) !== 0,
    full: (flags & FILE_FLAG_FULL) !== 0,
    checksumOk: crc32(buf, 0, 120) === dv.getUint32(124, true),
  };
}
