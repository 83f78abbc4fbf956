// Generated events into a file with O_DIRECT. Buffered writes cost the kernel 2-3 us of CPU per
// ~1.4 KB event (copying into the page cache), as much as rendering the event; O_DIRECT writes
// go from our buffers to the disk. O_DIRECT wants page-aligned buffers, file offsets and
// lengths: chunks live in WebAssembly memories (page-aligned, which Node's Buffers are not
// guaranteed to be), each write is whole 4 KB blocks, and the tail of a chunk that is not a
// whole block starts the next chunk. The last partial block is written padded with zeros and
// the file truncated to its true length. Writes run on the thread pool, in order, while the
// fleet renders the next chunks. Where O_DIRECT is refused (EINVAL: a filesystem without it;
// platforms without the flag) or the target is not a regular file, openFileOutput falls back
// to the buffered stream; a write refused later goes on through a descriptor without O_DIRECT.

import { closeSync, constants, fstatSync, ftruncate, open, openSync, close, write } from 'node:fs';
import { promisify } from 'node:util';
import type { LineFormatter } from './formats.js';
import { CHUNK_BYTES, ChunkedOutput, StreamOutput, type EventOutput } from './output.js';

/** O_DIRECT's alignment for offsets and lengths: the page size, a multiple of any disk's logical block. */
const BLOCK = 4096;
/**
 * Chunk writes in flight before drain() waits for the disk: more than one batch of rendering
 * seals (runFleet's 16k events, ~6 chunks), so that the disk keeps up without the renderer waiting.
 */
const MAX_QUEUED = 8;
const WASM_PAGE = 64 << 10;

export class OutputFileError extends Error {
  constructor(
    readonly path: string,
    override readonly cause: NodeJS.ErrnoException,
  ) {
    super(`${path}: cannot write the events: ${cause.message}`);
    this.name = 'OutputFileError';
  }
}

/** The file operations used, replaceable in tests (to refuse O_DIRECT on demand). */
export interface FileIo {
  openSync(path: string, flags: number): number;
  open(path: string, flags: number): Promise<number>;
  write(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number>;
  ftruncate(fd: number, length: number): Promise<void>;
  close(fd: number): Promise<void>;
  isFile(fd: number): boolean;
  closeSync(fd: number): void;
}

const pWrite = promisify(write);
export const NODE_IO: FileIo = {
  openSync: (path, flags) => openSync(path, flags, 0o666),
  open: (path, flags) => new Promise((resolve, reject) => open(path, flags, 0o666, (e, fd) => (e === null ? resolve(fd) : reject(e)))),
  write: async (fd, buf, offset, length, position) => (await pWrite(fd, buf, offset, length, position)).bytesWritten,
  ftruncate: promisify(ftruncate),
  close: promisify(close),
  isFile: (fd) => fstatSync(fd).isFile(),
  closeSync,
};

// The project's type libraries declare WebAssembly's types but not the global itself.
const Wasm = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number }) => { buffer: ArrayBuffer } } }).WebAssembly;

/** A CHUNK_BYTES buffer starting on a page boundary: WebAssembly memory is mapped page by page. */
export function alignedChunk(): Buffer {
  return Buffer.from(new Wasm.Memory({ initial: CHUNK_BYTES / WASM_PAGE }).buffer);
}

function errno(e: unknown): NodeJS.ErrnoException {
  return e instanceof Error ? (e as NodeJS.ErrnoException) : new Error(String(e));
}

/**
 * Events into `path`: with O_DIRECT where the filesystem takes it, else the buffered stream.
 * Throws OutputFileError when the file cannot be created at all.
 */
export function openFileOutput(path: string, format: LineFormatter | null = null, io: FileIo = NODE_IO): EventOutput {
  const direct = (constants as { O_DIRECT?: number }).O_DIRECT;
  if (direct !== undefined) {
    let fd: number;
    try {
      fd = io.openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | direct);
    } catch (e) {
      if (errno(e).code !== 'EINVAL') throw new OutputFileError(path, errno(e));
      return new StreamOutput(path, format);
    }
    if (io.isFile(fd)) return new DirectFileOutput(path, fd, format, io);
    io.closeSync(fd); // a FIFO or device: the stream handles those
  }
  return new StreamOutput(path, format);
}

export class DirectFileOutput extends ChunkedOutput implements EventOutput {
  /** False once a write was refused: the rest goes through a second, buffered descriptor. */
  direct = true;
  private queued = 0;
  /** File offset of the next queued chunk. */
  private position = 0;
  /**
   * Chunk writes in flight, oldest first. They run side by side on the thread pool (each at its
   * own offset): chained one after another, each would wait for the main thread to notice the
   * previous one's end, which it does only between batches of rendering. Never reject.
   */
  private readonly pending: Promise<void>[] = [];
  private bufferedFd: Promise<number> | null = null;
  private failure: OutputFileError | null = null;
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly fd: number,
    format: LineFormatter | null,
    private readonly io: FileIo = NODE_IO,
  ) {
    super(format, alignedChunk);
  }

  /** Bytes of events handed over, including the carried tail (exact after drain()). */
  get bytes(): number {
    return this.queued + this.writer.off;
  }

  /** Queue whole blocks only: the rest is copied to the start of the next buffer. */
  protected override seal(): void {
    const w = this.writer;
    const whole = w.off - (w.off % BLOCK);
    if (whole === 0) return;
    const full = w.buf;
    w.buf = this.freshBuffer();
    w.off = full.copy(w.buf, 0, whole, w.off);
    this.chunks.push(full.subarray(0, whole));
  }

  async drain(): Promise<void> {
    for (const c of this.takeChunks()) {
      const at = this.position;
      this.position += c.length;
      this.queued += c.length;
      this.pending.push(this.writeAt(c, at).then(() => this.recycle(c)));
    }
    while (this.pending.length > MAX_QUEUED) await this.pending.shift();
    if (this.failure !== null) throw this.failure;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.drain();
      while (this.pending.length > 0) await this.pending.shift();
      if (this.failure !== null) throw this.failure;
      await this.writeTail();
    } finally {
      await this.io.close(this.fd).catch(() => undefined);
      if (this.bufferedFd !== null) await this.io.close(await this.bufferedFd).catch(() => undefined);
    }
  }

  /** The last partial block: padded to a block for O_DIRECT, then the padding cut off. */
  private async writeTail(): Promise<void> {
    const w = this.writer;
    const tail = w.off;
    if (tail === 0) return;
    const length = this.direct ? Math.ceil(tail / BLOCK) * BLOCK : tail;
    w.buf.fill(0, tail, length);
    const end = this.position + tail;
    await this.writeAt(w.buf.subarray(0, length), this.position);
    if (this.failure === null && length !== tail) await this.io.ftruncate(this.fd, end).catch((e: unknown) => this.fail(e));
    if (this.failure !== null) throw this.failure;
    this.position = end;
    this.queued += tail;
    w.off = 0;
  }

  /** Write all of c at `at`. Never rejects: a failure is kept for drain() and close() to throw. */
  private async writeAt(c: Buffer, at: number): Promise<void> {
    let done = 0;
    while (done < c.length && this.failure === null) {
      const fd = this.direct ? this.fd : await this.buffered();
      if (this.failure !== null) return;
      try {
        done += await this.io.write(fd, c, done, c.length - done, at + done);
      } catch (e) {
        // The filesystem took the open but not the write: go on without O_DIRECT (same offsets).
        if (fd === this.fd && errno(e).code === 'EINVAL') this.direct = false;
        else this.fail(e);
      }
    }
  }

  /** A descriptor without O_DIRECT, opened once (the O_DIRECT one stays open: writes may be in flight on it). */
  private buffered(): Promise<number> {
    this.bufferedFd ??= this.io.open(this.path, constants.O_WRONLY).catch((e: unknown) => {
      this.fail(e);
      return -1;
    });
    return this.bufferedFd;
  }

  private fail(e: unknown): void {
    this.failure ??= new OutputFileError(this.path, errno(e));
  }
}
