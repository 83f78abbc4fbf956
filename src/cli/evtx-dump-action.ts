// `proctree evtx-dump`, the work: read the records and print them (see evtx-dump.ts).

import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { once } from 'node:events';
import { dumpRecords } from '../sources/evtx/dump.js';
import { NotEvtxError } from '../sources/evtx/file.js';
import { EXIT_FATAL, EXIT_OK } from './exit-codes.js';
import type { EvtxDumpCliOptions, EvtxDumpOptions } from './evtx-dump.js';
import { createLogger } from './logger.js';
import { renderXml, toJson } from '../sources/evtx/render.js';
import { oneLineJson } from '../decode/xml-escape.js';

export interface EvtxDumpSummary {
  records: number;
  recovered: number;
  problems: number;
}

async function write(out: Writable, s: string): Promise<void> {
  if (!out.write(s)) await once(out, 'drain');
}

/** Writes the records of path to out; problems are logged as warnings. */
export async function runEvtxDump(path: string, opts: EvtxDumpOptions, out: Writable, log: Logger): Promise<EvtxDumpSummary> {
  const sum: EvtxDumpSummary = { records: 0, recovered: 0, problems: 0 };
  for await (const item of dumpRecords(path, { recover: opts.recover })) {
    if (item.problem) {
      sum.problems++;
      const { reason, chunk, offset, message } = item.problem;
      log.warn({ file: path, reason, chunk, offset }, message);
      continue;
    }
    const r = item.record;
    sum.records++;
    if (r.recovered) sum.recovered++;
    if (opts.format === 'xml') {
      // Recovered records carry a marker attribute outside the event namespace.
      await write(out, renderXml(r.event, r.recovered ? ' recovered="true"' : '') + '\n');
    } else {
      const line = { recordId: r.recordId, written: r.written, chunk: r.chunk, offset: r.offset, recovered: r.recovered, Event: toJson(r.event) };
      await write(out, oneLineJson(line) + '\n');
    }
  }
  return sum;
}

export async function runEvtxDumpCli(file: string, o: EvtxDumpCliOptions): Promise<number> {
  try {
    const sum = await runEvtxDump(file, { format: o.format, recover: o.recover }, process.stdout, createLogger(o.logLevel));
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
