// `proctree replay`: exported logs in, alerts out, summary at the end.

// The work is in replay-action.ts, loaded when the command runs, so that other commands do not
// pay for loading the replay engine.

import { Command, InvalidArgumentError, Option } from 'commander';
import type { AlertFormat } from '../alerts/format.js';
import { DEFAULT_REPLAY_PIPELINE } from './paths.js';

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
  threads?: number;
  html?: string;
  sysmonConfig?: string;
}

export function replayCommand(setExit: (code: number) => void): Command {
  return new Command('replay')
    .summary('replay exported Sysmon logs through the process trees and rules')
    .description(
      'Replay exported Sysmon logs (Windows Event XML, JSON lines from Winlogbeat / NXLog / Sentinel / OTRF,\n' +
        '.evtx; plain, .gz or UTF-16) through the per-host process trees and the smss rules.\n' +
        'Without --sysmon-config, what each host logs is learned from what it sends (per kind of event),\n' +
        'and the summary lists, per rule, what could not be judged and why.\n' +
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
    .option('--html <file>', 'also write a self-contained HTML report: the run, each alert\'s process tree, each host\'s session-start chains (opens offline; see docs/report.md)')
    .option(
      '--sysmon-config <name|file>',
      'the Sysmon configuration every host ran (a file, or swiftonsecurity, sysmon-modular, everything, no-exits): ' +
        'rules are judged by what it logs, and the summary says what it keeps them from judging; ' +
        'for fleets that mix configurations, use the pipeline key sysmon.configs (docs/sysmon-configs.md)',
    )
    .option('--fail-on-alert', 'exit with 3 when any alert was raised (for CI jobs)')
    .option('--no-progress', 'no progress bar (it is shown only when stderr is a terminal anyway)')
    .option('-q, --quiet', 'no summary on stderr')
    .option('--log-level <level>', 'pino log level on stderr (fatal, error, warn, info, debug)', 'warn')
    .option('--recover', '.evtx: also replay records carved from chunk slack space and unused chunks')
    .option('--threads <n>', 'XML / JSON-lines inputs: hosts spread over this many worker threads (default: 2 for plain XML files of 512 MiB or more in all on 2 cores or more, else 1; on a busy machine pass 1; always 1 with --html; see BENCHMARKS.md); same alerts in the same order as one thread', positiveInt)
    .option('--workers <n>', '.evtx: parser threads (default: 2 for files of 16 MiB or more where 4 cores or more are available, else 1; see BENCHMARKS.md)', positiveInt)
    .action(async (inputs: string[], opts: ReplayCliOptions) => {
      const { runReplayCli } = await import('./replay-action.js');
      setExit(await runReplayCli(inputs, opts));
    });
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${v}"`);
  return n;
}
