// `proctree replay`, the work: read the inputs, run the engine, write alerts, errors and the summary.

import { createWriteStream, type WriteStream } from 'node:fs';
import { defaultShardThreads, replaySharded, shardable } from '../pipeline/sharded-replay.js';
import { writeFile } from 'node:fs/promises';
import { formatSummary } from '../engine/run-stats.js';
import { replay, type ReplayOptions } from '../pipeline/replay.js';
import { JsonlSink } from '../sinks/jsonl/jsonl-sink.js';
import { InputError } from '../sources/files/open-input.js';
import type { ErrorRecord } from '../sources/batch.js';
import { EXIT_ALERTS, EXIT_FATAL, EXIT_OK } from './exit-codes.js';
import { createLazyLogger } from './logger.js';
import { loadPipelineInputs } from './pipeline-inputs.js';
import { DEFAULT_REPLAY_PIPELINE } from './paths.js';
import { createProgress } from './progress.js';
import { binaryReader } from './binary-inputs.js';
import type { ReplayCliOptions } from './replay.js';
import type { HtmlReportFile } from '../report/write.js';

const LOGGED_ERRORS = 20;

/**
 * Worker threads for a replay: --threads, else 2 for plain inputs of 512 MiB or more on 2 cores
 * or more (defaultShardThreads: below that, or on a busy machine, two workers cost more than they
 * save), else 1. Always 1 with the HTML report (it reads every event) and for inputs the workers
 * cannot share (.evtx, stdin).
 */
function replayThreads(asked: number | undefined, html: boolean, paths: readonly string[]): number {
  if (html) return 1;
  if (asked === undefined) return defaultShardThreads(paths);
  return asked > 1 && shardable(paths) ? asked : 1;
}

export async function runReplayCli(inputs: string[], opts: ReplayCliOptions): Promise<number> {
  const log = createLazyLogger(opts.logLevel);
  const loaded = await loadPipelineInputs(opts.pipeline, inputs, opts.sysmonConfig);
  if ('error' in loaded) {
    process.stderr.write(`proctree: ${loaded.error}\n`);
    return EXIT_FATAL;
  }
  const { config, paths } = loaded;
  const format = opts.format ?? config.sink.format;
  const sink = new JsonlSink(format, opts.out ?? process.stdout);
  const errorsOut: WriteStream | null = opts.errors === undefined ? null : createWriteStream(opts.errors);
  let logged = 0;
  const onError = (e: ErrorRecord): void => {
    errorsOut?.write(JSON.stringify(e) + '\n');
    if (logged < LOGGED_ERRORS) log.warn({ decodeError: e }, `${e.source}${e.line !== undefined ? `:${e.line}` : e.offset !== undefined ? `@${e.offset}` : ''}: ${e.reason}: ${e.message}`);
    else if (logged === LOGGED_ERRORS) log.warn('further decode errors are not logged; see the summary or --errors FILE');
    logged++;
  };
  let report: HtmlReportFile | null = null;
  if (opts.html !== undefined) {
    const { HtmlReportFile, HtmlReportError } = await import('../report/write.js');
    try {
      report = await HtmlReportFile.open(opts.html);
    } catch (e) {
      if (!(e instanceof HtmlReportError)) throw e;
      process.stderr.write(`proctree: ${e.message}\n`);
      return EXIT_FATAL;
    }
  }
  const progress = createProgress(opts.progress);
  try {
    const options: ReplayOptions = {
      paths,
      config,
      sink,
      onError,
      onFile: (_path, size) => progress.addTotal(size),
      onProgress: (bytes, events) => progress.update(bytes, events),
      readBinary: binaryReader({ recover: opts.recover, workers: opts.workers ?? 'auto', log }),
      onBatch: report?.onBatch,
    };
    const threads = replayThreads(opts.threads, report !== null, paths);
    const { stats } = threads > 1 ? await replaySharded(options, threads) : await replay(options);
    progress.stop();
    await sink.close();
    if (errorsOut !== null) await new Promise<void>((resolve) => errorsOut.end(resolve));
    if (opts.stats !== undefined) await writeFile(opts.stats, JSON.stringify(stats, null, 2) + '\n');
    if (report !== null) await report.write(stats, inputs);
    if (opts.quiet !== true) process.stderr.write(formatSummary(stats) + '\n');
    return opts.failOnAlert === true && stats.alerts.total > 0 ? EXIT_ALERTS : EXIT_OK;
  } catch (e) {
    progress.stop();
    await report?.abandon();
    if (e instanceof InputError || (e instanceof Error && e.name === 'HtmlReportError')) {
      process.stderr.write(`proctree: ${e.message}\n`);
      return EXIT_FATAL;
    }
    throw e;
  }
}
