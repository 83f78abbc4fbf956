// `proctree replay`: exported logs in, alerts out, summary at the end.

import { createWriteStream, type WriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, loadPipeline } from '../pipeline/config.js';
import { formatSummary } from '../pipeline/run-stats.js';
import { replay } from '../pipeline/replay.js';
import { JsonlSink, type AlertFormat } from '../sinks/jsonl-sink.js';
import { expandPaths } from '../sources/files/expand-paths.js';
import { InputError } from '../sources/files/open-input.js';
import type { ErrorRecord } from '../sources/batch.js';
import { EXIT_ALERTS, EXIT_FATAL, EXIT_OK } from './exit-codes.js';
import { createLogger } from './logger.js';
import { DEFAULT_REPLAY_PIPELINE } from './paths.js';
import { createProgress } from './progress.js';
import { binaryReader } from './binary-inputs.js';

const LOGGED_ERRORS = 20;

export interface ReplayCliOptions {
  pipeline: string;
  out?: string;
  format?: AlertFormat;
  stats?: string;
  errors?: string;
  failOnAlert?: boolean;
  progress: boolean;
  quiet?: boolean;
  logLevel?: string;
  recover?: boolean;
  workers?: number;
}

export function replayCommand(setExit: (code: number) => void): Command {
  return new Command('replay')
    .summary('replay exported Sysmon logs through the process trees and rules')
    .description(
      'Replay exported Sysmon logs (Windows Event XML, JSON lines from Winlogbeat / NXLog / Sentinel / OTRF,\n' +
        '.evtx; plain, .gz or UTF-16) through the per-host process trees and the smss rules.\n' +
        'Alerts go to stdout as JSON lines (or --out); logs, progress and the summary go to stderr.\n' +
        'Folders are read recursively (*.xml, *.evtx, *.jsonl, *.json, *.txt, *.log, optionally .gz;\n' +
        '*.alerts.jsonl and *.labels.jsonl are left out). "-" reads standard input.\n\n' +
        'Exit codes: 0 run completed (with or without alerts), 1 fatal error, 2 usage error,\n' +
        '3 alerts were raised and --fail-on-alert was given.',
    )
    .argument('<inputs...>', 'files, folders, or - for standard input')
    .option('-p, --pipeline <file>', 'pipeline YAML with the rule thresholds', DEFAULT_REPLAY_PIPELINE)
    .option('-o, --out <file>', 'write alerts to this file instead of stdout')
    .addOption(new Option('-f, --format <format>', 'alert layout (default: the pipeline sink.format, native)').choices(['native', 'ecs']))
    .option('--stats <file>', 'write the end-of-run summary as JSON (events by EventID, errors, alerts by rule, events/s)')
    .option('--errors <file>', 'write every decode error record as a JSON line')
    .option('--fail-on-alert', 'exit with 3 when any alert was raised (for CI jobs)')
    .option('--no-progress', 'no progress bar (it is shown only when stderr is a terminal anyway)')
    .option('-q, --quiet', 'no summary on stderr')
    .option('--log-level <level>', 'pino log level on stderr (fatal, error, warn, info, debug)', 'warn')
    .option('--recover', '.evtx: also replay records carved from chunk slack space and unused chunks')
    .option('--workers <n>', '.evtx: parser threads (default: 1 below 8 MiB, else the cores up to 4)', positiveInt)
    .action(async (inputs: string[], opts: ReplayCliOptions) => {
      setExit(await runReplayCli(inputs, opts));
    });
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${v}"`);
  return n;
}

export async function runReplayCli(inputs: string[], opts: ReplayCliOptions): Promise<number> {
  const log = createLogger(opts.logLevel);
  let config;
  let paths: string[];
  try {
    config = await loadPipeline(opts.pipeline);
    paths = await expandPaths(inputs);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof InputError) {
      process.stderr.write(`proctree: ${e.message}\n`);
      return EXIT_FATAL;
    }
    throw e;
  }
  if (paths.length === 0) {
    process.stderr.write(`proctree: no event files found in ${inputs.join(', ')}\n`);
    return EXIT_FATAL;
  }
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
  const progress = createProgress(opts.progress);
  try {
    const { stats } = await replay({
      paths,
      config,
      sink,
      onError,
      onFile: (_path, size) => progress.addTotal(size),
      onProgress: (bytes, events) => progress.update(bytes, events),
      readBinary: binaryReader({ recover: opts.recover, workers: opts.workers, log }),
    });
    progress.stop();
    await sink.close();
    if (errorsOut !== null) await new Promise<void>((resolve) => errorsOut.end(resolve));
    if (opts.stats !== undefined) await writeFile(opts.stats, JSON.stringify(stats, null, 2) + '\n');
    if (opts.quiet !== true) process.stderr.write(formatSummary(stats) + '\n');
    return opts.failOnAlert === true && stats.alerts.total > 0 ? EXIT_ALERTS : EXIT_OK;
  } catch (e) {
    progress.stop();
    if (e instanceof InputError) {
      process.stderr.write(`proctree: ${e.message}\n`);
      return EXIT_FATAL;
    }
    throw e;
  }
}
