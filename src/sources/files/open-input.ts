// Opens one input (a file or '-' for standard input) as a stream of UTF-8 chunks, whatever it was
// on disk: gzip is inflated, UTF-16LE (what PowerShell redirects and Event Viewer write) is
// transcoded, a BOM is dropped. Also tells which framing the content needs.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { gunzip, type GzipProblem } from './gunzip.js';

export type InputFormat = 'xml' | 'jsonl' | 'evtx';

export interface OpenedInput {
  path: string;
  format: InputFormat;
  /** Size on disk (compressed for .gz); 0 for standard input. */
  size: number;
  /** UTF-8 chunks of the content (raw bytes for evtx). */
  chunks: AsyncIterable<Buffer>;
  /** Bytes read from disk so far, for progress. */
  readonly bytesRead: number;
  /**
   * Problems of the gzip container found so far, in output order: each one was found before the
   * chunk that follows it. Readers take them (splice) before each chunk and at the end.
   */
  readonly problems: GzipProblem[];
  /** Stops reading and closes the file (for a reader that reads the path itself instead of chunks). */
  close(): void;
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
  let decoder = new TextDecoder('utf-16le');
  let seen = problems.length;
  for await (const c of chunks) {
    // After a skipped stretch, an odd byte held from before it would misalign everything after it.
    if (problems.length !== seen && problems.slice(seen).some((p) => p.discontinuity)) decoder = new TextDecoder('utf-16le');
    seen = problems.length;
    const s = decoder.decode(c, { stream: true });
    if (s.length > 0) yield Buffer.from(s, 'utf8');
  }
  const tail = decoder.decode();
  if (tail.length > 0) yield Buffer.from(tail, 'utf8');
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
      if (e instanceof InputError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError(path, code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message);
    }
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
    close: () => raw.destroy(),
  };
}
