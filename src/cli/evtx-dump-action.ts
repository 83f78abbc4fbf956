// `proctree evtx-dump`, the work: read the records and print them (see evtx-dump.ts).

import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { ByteSink } from '../sources/evtx/byte-sink.js';
import type { ChunkProblem } from '../sources/evtx/chunk.js';
import { dumpRecords, dumpXml } from '../sources/evtx/dump.js';
import { NotEvtxError } from '../sources/evtx/file.js';
import { EXIT_FATAL, EXIT_OK } from './exit-codes.js';
import type { EvtxDumpCliOptions, EvtxDumpOptions } from './evtx-dump.js';
import { createLazyLogger, type CliLogger } from './logger.js';
import { toJson } from '../sources/evtx/render.js';
import { oneLineJson } from '../decode/xml-escape.js';

export interface EvtxDumpSummary {
  records: number;
  recovered: number;
  problems: number;
}

async function write(out: Writable, s: string): Promise<void> {
  if (!out.write(s)) await once(out, 'drain');
}

function warn(log: CliLogger, path: string, p: ChunkProblem): void {
  log.warn({ file: path, reason: p.reason, chunk: p.chunk, offset: p.offset }, p.message);
}

/** Writes the records of path to out; problems are logged as warnings. */
export async function runEvtxDump(path: string, opts: EvtxDumpOptions, out: Writable, log: CliLogger): Promise<EvtxDumpSummary> {
  if (opts.format === 'xml') return dumpXmlTo(path, opts.recover, out, log);
  const sum: EvtxDumpSummary = { records: 0, recovered: 0, problems: 0 };
  for await (const item of dumpRecords(path, { recover: opts.recover })) {
    if (item.problem) {
      sum.problems++;
      warn(log, path, item.problem);
      continue;
    }
    const r = item.record;
    sum.records++;
    if (r.recovered) sum.recovered++;
    const line = { recordId: r.recordId, written: r.written, chunk: r.chunk, offset: r.offset, recovered: r.recovered, Event: toJson(r.event) };
    await write(out, oneLineJson(line) + '\n');
  }
  return sum;
}

/** Output is written out in pieces of about this size (one write per piece, not per record). */
const PIECE_BYTES = 1 << 20;
/** Pieces in turn: one is filled while the ones before it are written. */
const PIECES = 3;

/** XML lines rendered into reused buffers, each written out once it holds PIECE_BYTES. */
async function dumpXmlTo(path: string, recover: boolean, out: Writable, log: CliLogger): Promise<EvtxDumpSummary> {
  const bufs: Buffer[] = [Buffer.allocUnsafeSlow(PIECE_BYTES + (PIECE_BYTES >> 2))];
  const written: (Promise<void> | undefined)[] = new Array(PIECES).fill(undefined);
  let k = 0;
  let problems = 0;
  const sink = new ByteSink(bufs[0]);
  // A write error (EPIPE from `| head`) rejects the pending write; the listener keeps it from
  // also being thrown as an unhandled 'error' event.
  const onError = (): void => undefined;
  out.on('error', onError);
  const flush = async (): Promise<void> => {
    if (sink.pos === 0) return;
    bufs[k] = sink.buf; // the sink may have grown it for a large record
    const piece = sink.buf.subarray(0, sink.pos);
    const w = new Promise<void>((res, rej) => out.write(piece, (err) => (err ? rej(err) : res())));
    w.catch(() => undefined);
    written[k] = w;
    k = (k + 1) % PIECES;
    // The buffer written PIECES pieces ago is free again once its write is done.
    await written[k];
    bufs[k] ??= Buffer.allocUnsafeSlow(PIECE_BYTES + (PIECE_BYTES >> 2));
    sink.buf = bufs[k];
    sink.pos = 0;
  };
  try {
    const counts = await dumpXml(path, { recover }, sink, async (ps) => {
      for (const p of ps) warn(log, path, p);
      problems += ps.length;
      if (sink.pos >= PIECE_BYTES) await flush();
    });
    await flush();
    await Promise.all(written);
    return { records: counts.records, recovered: counts.recovered, problems };
  } finally {
    out.off('error', onError);
  }
}

export async function runEvtxDumpCli(file: string, o: EvtxDumpCliOptions): Promise<number> {
  try {
    const sum = await runEvtxDump(file, { format: o.format, recover: o.recover }, process.stdout, createLazyLogger(o.logLevel));
    if (sum.problems > 0 || sum.recovered > 0) {
      process.stderr.write(`proctree evtx-dump: ${sum.records} records${o.recover ? ` (${sum.recovered} recovered)` : ''}, ${sum.problems} problem(s) reported above\n`);
    }
    return EXIT_OK;
  } catch (e) {
    // The reader of a pipe went away (`| head`): nothing more to print, not an error.
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') return EXIT_OK;
    if (!(e instanceof NotEvtxError) && (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    process.stderr.write(`proctree: ${(e as Error).message}\n`);
    return EXIT_FATAL;
  }
}
