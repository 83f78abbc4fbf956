// Gzip inflation that survives damage. Node's gunzip stream fails the whole input at the first
// problem ("unexpected end of file" for a file cut short), and cannot say where the problem is.
// This reader parses the gzip members itself (RFC 1952: header, raw deflate data, CRC-32 and
// length) and inflates each member's data with zlib, so that:
// - a file cut short gives every byte that can be inflated before the cut, then a problem;
// - a corrupt member gives the bytes before the corruption (found exactly by re-inflating the
//   member's prefix), a problem, and reading goes on at the next member header found after it
//   (files made by concatenating gzip files, bgzip, appending loggers have many members);
// - bytes after a member that are not a member are reported and skipped.
// Memory stays bounded: input is fed in small pieces, output is handed on in ~1 MiB buffers,
// and at most RETAIN_BYTES of a member's compressed bytes are kept for the search after damage.

import { constants, createInflateRaw, inflateRawSync, type InflateRaw } from 'node:zlib';
import { crc32 } from '../evtx/crc32.js';

export type GzipProblemReason = 'truncated-gzip' | 'bad-gzip';

export interface GzipProblem {
  reason: GzipProblemReason;
  message: string;
  /** Offset in the compressed input where the problem was found. */
  compressedOffset: number;
  /** Bytes inflated before the problem: its offset in the decompressed output. */
  offset: number;
  /** True when a damaged stretch was skipped: the output after the problem does not continue the output before it. */
  discontinuity: boolean;
}

export interface GunzipOptions {
  /** Output is handed on once this many bytes are inflated (and at the end). */
  outputBytes?: number;
  /** Compressed bytes written to zlib at a time; bounds the output of one write (deflate expands at most 1032x). */
  pieceBytes?: number;
  /** Compressed bytes of a member kept for exact recovery and for finding the next member after damage. */
  retainBytes?: number;
}

const ID1 = 0x1f;
const ID2 = 0x8b;
const CM_DEFLATE = 8;
const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const FRESERVED = 0xe0;

/** Is buf[0..] the start of a gzip header? `strict` also checks XFL and OS, as gzip, zlib and Java write them (for the search after damage). */
function looksLikeHeader(buf: Buffer, at: number, strict: boolean): boolean {
  if (buf[at] !== ID1 || buf[at + 1] !== ID2 || buf[at + 2] !== CM_DEFLATE) return false;
  if (at + 3 >= buf.length) return true;
  if ((buf[at + 3] & FRESERVED) !== 0) return false;
  if (!strict || at + 9 >= buf.length) return true;
  const xfl = buf[at + 8];
  const os = buf[at + 9];
  return (xfl === 0 || xfl === 2 || xfl === 4) && (os <= 13 || os === 255);
}

/** Length of the gzip header at buf[0..]; 0 when more bytes are needed; -1 (with why) when it is not a valid header. */
function headerLength(buf: Buffer): number | string {
  if (buf.length < 10) return buf.length >= 1 && buf[0] !== ID1 ? 'not a gzip header (no 1f 8b magic)' : 0;
  if (buf[0] !== ID1 || buf[1] !== ID2) return 'not a gzip header (no 1f 8b magic)';
  if (buf[2] !== CM_DEFLATE) return `unsupported gzip compression method ${buf[2]}`;
  const flg = buf[3];
  if ((flg & FRESERVED) !== 0) return `reserved gzip header flags set (0x${flg.toString(16)})`;
  let p = 10;
  if (flg & FEXTRA) {
    if (buf.length < p + 2) return 0;
    p += 2 + buf.readUInt16LE(p);
    if (buf.length < p) return 0;
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (flg & flag) {
      const z = buf.indexOf(0, p);
      if (z === -1) return buf.length - p > 65536 ? 'gzip header name or comment longer than 64 KiB' : 0;
      p = z + 1;
    }
  }
  if (flg & FHCRC) p += 2;
  return buf.length < p ? 0 : p;
}

type State = 'header' | 'data' | 'trailer' | 'between' | 'scan';

const EMPTY = Buffer.alloc(0);

/** One member's inflater: zlib raw inflate, its output collected in order, its error kept. */
class MemberInflater {
  private out: Buffer[] = [];
  error: Error | null = null;
  private readonly z: InflateRaw;

  constructor(chunkSize: number) {
    this.z = createInflateRaw({ chunkSize, finishFlush: constants.Z_SYNC_FLUSH });
    this.z.on('data', (b: Buffer) => this.out.push(b));
    this.z.on('error', (e) => {
      this.error ??= e;
    });
  }

  /** Deflate bytes consumed so far (exact after each completed zlib call; zlib stops consuming at the end of the stream). */
  get consumed(): number {
    return this.z.bytesWritten;
  }

  /** Writes buf and resolves once zlib processed it (or failed). */
  write(buf: Buffer): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.z.off('error', done);
        this.z.off('close', done);
        resolve();
      };
      this.z.once('error', done);
      this.z.once('close', done);
      this.z.write(buf, () => done());
    });
  }

  /** No more input: flush what zlib holds (a stream cut short gives what it can, no error). */
  end(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => resolve();
      this.z.once('end', done);
      this.z.once('error', done);
      this.z.once('close', done);
      this.z.end();
    });
  }

  take(): Buffer[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  destroy(): void {
    this.z.destroy();
  }
}

/**
 * Inflates gzip input (one or more members) from `source`. Problems go to `onProblem` in output
 * order: after the output before them, before the output after them.
 */
export async function* gunzip(source: AsyncIterable<Buffer>, onProblem: (p: GzipProblem) => void, options: GunzipOptions = {}): AsyncGenerator<Buffer> {
  const outputBytes = options.outputBytes ?? 1 << 20;
  const pieceBytes = options.pieceBytes ?? 32 << 10;
  const retainBytes = options.retainBytes ?? 8 << 20;
  const zChunk = 64 << 10;

  let state = 'header' as State;
  /** Compressed bytes not yet handled (a header or trailer split across chunks), from absolute offset `pendingAt`. */
  let pending = EMPTY;
  let pendingAt = 0;
  /** Compressed bytes received. */
  let inputEnd = 0;
  let member = 1;
  let memberStart = 0;
  let dataStart = 0;
  /** Compressed bytes of the current member from `retainedAt`; `retainedWhole` while that is still the member's start. */
  let retained: Buffer[] = [];
  let retainedAt = 0;
  let retainedLen = 0;
  let retainedWhole = true;
  let inflater = null as MemberInflater | null;
  let crc = 0;
  let memberOut = 0;
  /** Bytes inflated (all members). */
  let total = 0;
  let ready: Buffer[] = [];
  let readyBytes = 0;
  /** After a problem that skipped input, a false start found by the search is not reported again until output resumes. */
  let quiet = false;

  // Every caller first hands on the output inflated before the problem, so that problems keep their place in the output.
  const problem = (reason: GzipProblemReason, compressedOffset: number, message: string, discontinuity: boolean): void => {
    if (quiet && discontinuity) return;
    if (discontinuity) quiet = true;
    onProblem({ reason, message, compressedOffset, offset: total, discontinuity });
  };

  const emit = (bufs: Buffer[]): void => {
    for (const b of bufs) {
      if (b.length === 0) continue;
      crc = crc32(b, 0, b.length, crc);
      memberOut += b.length;
      total += b.length;
      ready.push(b);
      readyBytes += b.length;
      quiet = false;
    }
  };

  const takeReady = (): Buffer | null => {
    if (readyBytes === 0) return null;
    const b = ready.length === 1 ? ready[0] : Buffer.concat(ready, readyBytes);
    ready = [];
    readyBytes = 0;
    return b;
  };

  const retain = (b: Buffer): void => {
    if (b.length === 0) return;
    retained.push(b);
    retainedLen += b.length;
    while (retainedLen - retained[0].length >= retainBytes) {
      const head = retained.shift()!;
      retainedLen -= head.length;
      retainedAt += head.length;
      retainedWhole = false;
    }
  };

  const startMember = (at: number, n: number): void => {
    member = n;
    memberStart = at;
    retained = [];
    retainedAt = at;
    retainedLen = 0;
    retainedWhole = true;
  };

  /** Exact recovery after a data error: inflate the longest prefix of the member's data that inflates; returns where inflating fails. */
  const recoverPrefix = (known: number): number => {
    const data = Buffer.concat(retained).subarray(dataStart - retainedAt);
    const maxOutputLength = memberOut + 4 * zChunk + 1024;
    const tryPrefix = (n: number): Buffer | null => {
      try {
        return inflateRawSync(data.subarray(0, n), { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength });
      } catch {
        return null;
      }
    };
    let lo = known;
    let best = tryPrefix(lo);
    if (best === null) return dataStart + known;
    let hi = data.length; // all of it failed
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      const r = tryPrefix(mid);
      if (r === null) hi = mid;
      else {
        lo = mid;
        best = r;
      }
    }
    if (best.length > memberOut) emit([best.subarray(memberOut)]);
    return dataStart + lo;
  };

  /** Handles compressed bytes; returns when they are all used or kept in `pending`. */
  async function* feed(chunk: Buffer): AsyncGenerator<Buffer> {
    let buf = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let at = pendingAt;
    pending = EMPTY;
    /** After damage in the member at memberStart: search again from just after its start, in what is kept of it. */
    const rescan = (unfed: Buffer): void => {
      inflater?.destroy();
      inflater = null;
      const kept = Buffer.concat([...retained, unfed]);
      const from = Math.max(memberStart + 1, retainedAt);
      buf = kept.subarray(from - retainedAt);
      at = from;
      state = 'scan';
    };
    while (buf.length > 0) {
      switch (state) {
        case 'between': {
          // Zero bytes after a member are padding (tape blocks, dd); anything else must be a member.
          let i = 0;
          while (i < buf.length && buf[i] === 0) i++;
          buf = buf.subarray(i);
          at += i;
          if (buf.length > 0) {
            startMember(at, member + 1);
            state = 'header';
          }
          break;
        }
        case 'scan': {
          let i = -1;
          for (let j = buf.indexOf(ID1); j !== -1; j = buf.indexOf(ID1, j + 1)) {
            if (j + 10 > buf.length || looksLikeHeader(buf, j, true)) {
              i = j;
              break;
            }
          }
          if (i === -1) {
            at += buf.length;
            buf = EMPTY;
          } else if (i + 10 > buf.length) {
            // Maybe a header split across chunks: decide with the next chunk.
            pending = Buffer.from(buf.subarray(i));
            pendingAt = at + i;
            return;
          } else {
            buf = buf.subarray(i);
            at += i;
            startMember(at, member + 1);
            state = 'header';
          }
          break;
        }
        case 'header': {
          const n = headerLength(buf);
          if (n === 0) {
            pending = Buffer.from(buf);
            pendingAt = at;
            return;
          }
          if (typeof n === 'string') {
            const b = takeReady();
            if (b !== null) yield b;
            problem('bad-gzip', at, `${n} where gzip member ${member} should start; skipped to the next member header`, true);
            retain(buf);
            rescan(EMPTY);
            break;
          }
          retain(buf.subarray(0, n));
          dataStart = at + n;
          buf = buf.subarray(n);
          at += n;
          inflater = new MemberInflater(zChunk);
          crc = 0;
          memberOut = 0;
          state = 'data';
          break;
        }
        case 'data': {
          const inf = inflater!;
          const piece = buf.subarray(0, pieceBytes);
          retain(piece);
          const before = inf.consumed;
          await inf.write(piece);
          emit(inf.take());
          if (inf.error !== null) {
            const exact = retainedWhole;
            const errorAt = exact ? recoverPrefix(inf.consumed) : dataStart + inf.consumed;
            const b = takeReady();
            if (b !== null) yield b;
            problem(
              'bad-gzip',
              errorAt,
              `gzip member ${member} (compressed offset ${memberStart}) is corrupt at compressed offset ${exact ? '' : 'about '}${errorAt} ` +
                `(zlib: ${inf.error.message}); the rest of the member is skipped and reading goes on at the next member header`,
              true,
            );
            rescan(buf.subarray(piece.length));
            break;
          }
          const used = inf.consumed - before;
          if (readyBytes >= outputBytes) {
            const b = takeReady();
            if (b !== null) yield b;
          }
          buf = buf.subarray(used);
          at += used;
          if (used < piece.length) {
            // The deflate stream ended inside this piece: the trailer follows.
            retained.pop();
            retainedLen -= piece.length;
            inf.destroy();
            inflater = null;
            state = 'trailer';
          }
          break;
        }
        case 'trailer': {
          if (buf.length < 8) {
            pending = Buffer.from(buf);
            pendingAt = at;
            return;
          }
          const wantCrc = buf.readUInt32LE(0);
          const wantSize = buf.readUInt32LE(4);
          if (wantCrc !== crc >>> 0 || wantSize !== memberOut % 2 ** 32) {
            const b = takeReady();
            if (b !== null) yield b;
            problem(
              'bad-gzip',
              at,
              `gzip member ${member} (compressed offset ${memberStart}) fails its ${wantCrc !== crc >>> 0 ? 'CRC-32' : 'length'} check: ` +
                'its data is damaged, and events read from it may be wrong',
              false,
            );
          }
          buf = buf.subarray(8);
          at += 8;
          state = 'between';
          break;
        }
      }
    }
    pendingAt = at;
  }

  for await (const chunk of source) {
    inputEnd += chunk.length;
    yield* feed(chunk);
  }
  if (state === 'data' && inflater !== null) {
    await inflater.end();
    emit(inflater.take());
    inflater.destroy();
    inflater = null;
  }
  if (state === 'data' || state === 'trailer' || (state === 'header' && pending.length > 0)) {
    const b = takeReady();
    if (b !== null) yield b;
    const where = state === 'header' ? 'the header of ' : state === 'trailer' ? 'the trailer of ' : '';
    problem(
      'truncated-gzip',
      inputEnd,
      `the input ends inside ${where}gzip member ${member} (compressed offset ${memberStart}): it was cut short; the ${total} bytes inflated up to there were read`,
      false,
    );
  }
  const b = takeReady();
  if (b !== null) yield b;
}
