// Opens one input (a file or '-' for standard input) as a stream of UTF-8 chunks, whatever it was
// on disk: gzip is inflated, UTF-16LE (what PowerShell redirects and Event Viewer write) is
// transcoded, a BOM is dropped. Also tells which framing the content needs.

import { createReadStream } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Utf16leToUtf8 } from './utf16.js';
import { gunzip, type GzipProblem } from './gunzip.js';

export type InputFormat = 'xml' | 'jsonl' | 'evtx';

export interface OpenedInput {
  path: string;
  format: InputFormat;
  /** Size on disk (compressed for .gz); 0 for standard input. */
  size: number;
  /** UTF-8 chunks of the content (raw bytes for evtx). */
  chunks: AsyncIterable<Buffer>;
  /**
   * For a plain UTF-8 file, the alternative to `chunks` (a reader takes one or the other): the
   * next bytes of the content read straight into `buf` at `offset`, at most `length` of them; 0 at
   * the end. Lets the XML reader put the unfinished event of the last chunk in front of the next
   * one in a buffer it reuses, instead of joining two buffers per chunk.
   */
  readInto?: (buf: Buffer, offset: number, length: number) => Promise<number>;
  /** Releases the file (the reader calls it when done or abandoning the input). */
  close?: () => Promise<void>;
  /** Bytes read from disk so far, for progress. */
  readonly bytesRead: number;
  /**
   * Problems of the gzip container found so far, in output order: each one was found before the
   * chunk that follows it. Readers take them (splice) before each chunk and at the end.
   */
  readonly problems: GzipProblem[];
}

export class InputError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'InputError';
  }
}

const CHUNK_BYTES = 1 << 20;

async function* prepend(first: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  if (first.length > 0) yield first;
  for (;;) {
    const r = await rest.next();
    if (r.done) return;
    yield r.value;
  }
}

/** Reads at least `want` bytes (or to the end) from an iterator, for sniffing. */
async function peek(it: AsyncIterator<Buffer>, want: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  while (n < want) {
    const r = await it.next();
    if (r.done) break;
    parts.push(r.value);
    n += r.value.length;
  }
  return Buffer.concat(parts);
}

async function* utf16leToUtf8(chunks: AsyncIterable<Buffer>, problems: readonly GzipProblem[]): AsyncGenerator<Buffer> {
  const decoder = new Utf16leToUtf8();
  let seen = problems.length;
  for await (const c of chunks) {
    // After a skipped stretch, an odd byte held from before it would misalign everything after it.
    if (problems.length !== seen && problems.slice(seen).some((p) => p.discontinuity)) decoder.reset();
    seen = problems.length;
    const out = decoder.push(c);
    if (out.length > 0) yield out;
  }
  const tail = decoder.end();
  if (tail.length > 0) yield tail;
}

function sniffFormat(head: Buffer): InputFormat {
  if (head.length >= 8 && head.toString('latin1', 0, 8) === 'ElfFile\0') return 'evtx';
  for (let i = 0; i < head.length; i++) {
    const c = head[i];
    if (c === 32 || c === 9 || c === 10 || c === 13) continue;
    return c === 123 /* { */ ? 'jsonl' : 'xml';
  }
  return 'xml';
}

function inputError(path: string, e: unknown): InputError {
  if (e instanceof InputError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  return new InputError(path, code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message);
}

/** Content of a plain UTF-8 file (no gzip, no UTF-16, no EVTX) or null; what the streamed path would sniff from its first chunk. */
async function plainFile(path: string, size: number): Promise<OpenedInput | null> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw inputError(path, e);
  }
  let head: Buffer;
  try {
    // The streamed path sniffs its first chunk (up to CHUNK_BYTES): the same bytes here.
    const first = Buffer.allocUnsafe(Math.min(size, CHUNK_BYTES));
    const { bytesRead } = await fh.read(first, 0, first.length, 0);
    head = first.subarray(0, bytesRead);
  } catch (e) {
    await fh.close();
    throw inputError(path, e);
  }
  const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  const utf16 = (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) || (head.length >= 4 && head[1] === 0 && head[3] === 0 && head[0] !== 0);
  const bom = head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
  const format = gzip || utf16 ? 'evtx' : sniffFormat(bom ? head.subarray(3) : head);
  if (gzip || utf16 || format === 'evtx') {
    await fh.close();
    return null;
  }
  let pos = bom ? 3 : 0;
  const state = { bytesRead: pos, closed: false };
  const close = async (): Promise<void> => {
    if (state.closed) return;
    state.closed = true;
    await fh.close();
  };
  const readInto = async (buf: Buffer, offset: number, length: number): Promise<number> => {
    if (state.closed) return 0;
    const { bytesRead } = await fh.read(buf, offset, length, pos);
    pos += bytesRead;
    state.bytesRead += bytesRead;
    if (bytesRead === 0) await close();
    return bytesRead;
  };
  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      for (;;) {
        const buf = Buffer.allocUnsafe(CHUNK_BYTES);
        const n = await readInto(buf, 0, CHUNK_BYTES);
        if (n === 0) return;
        yield buf.subarray(0, n);
      }
    } finally {
      await close();
    }
  }
  return {
    path,
    format,
    size,
    chunks: chunks(),
    readInto,
    close,
    get bytesRead() {
      return state.bytesRead;
    },
    problems: [],
  };
}

export async function openInput(path: string): Promise<OpenedInput> {
  let size = 0;
  let raw: Readable;
  if (path === '-') {
    raw = process.stdin;
  } else {
    try {
      const st = await stat(path);
      if (!st.isFile()) throw new InputError(path, 'not a regular file');
      size = st.size;
    } catch (e) {
      throw inputError(path, e);
    }
    const plain = await plainFile(path, size);
    if (plain !== null) return plain;
    raw = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  }
  const state = { bytesRead: 0 };
  raw.on('data', (c: Buffer) => {
    state.bytesRead += c.length;
  });
  const problems: GzipProblem[] = [];
  let it: AsyncIterator<Buffer> = raw[Symbol.asyncIterator]();
  let head = await peek(it, 8);
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    // Damage (a file cut short, a corrupt member) becomes problems; the reader goes on.
    it = gunzip(prepend(head, it), (p) => problems.push(p), { outputBytes: CHUNK_BYTES })[Symbol.asyncIterator]();
    head = await peek(it, 8);
  }
  let chunks: AsyncIterable<Buffer>;
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) {
    chunks = utf16leToUtf8(prepend(head.subarray(2), it), problems);
    head = Buffer.from(head.subarray(2).toString('utf16le'), 'utf8');
  } else if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) {
    raw.destroy();
    throw new InputError(path, 'UTF-16BE input is not supported; convert it to UTF-8 or UTF-16LE');
  } else if (head.length >= 4 && head[1] === 0 && head[3] === 0 && head[0] !== 0) {
    chunks = utf16leToUtf8(prepend(head, it), problems); // UTF-16LE without a BOM
    head = Buffer.from(head.toString('utf16le'), 'utf8');
  } else if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) {
    chunks = prepend(head.subarray(3), it);
    head = head.subarray(3);
  } else {
    chunks = prepend(head, it);
  }
  return {
    path,
    format: sniffFormat(head),
    size,
    chunks,
    get bytesRead() {
      return state.bytesRead;
    },
    problems,
    // A file's stream (not standard input's): closed for a reader that reads the path itself (EVTX).
    close:
      path === '-'
        ? undefined
        : async () => {
            raw.destroy();
          },
  };
}
