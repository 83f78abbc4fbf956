// `proctree generate`: a realistic, seeded Sysmon fleet with labelled anomalies, into a file,
// stdout or (issue 5) a Kafka topic.

import { writeFile } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, loadPipeline, parsePipeline, type PipelineConfig } from '../pipeline/config.js';
import { Fleet, DEFAULT_FLEET, type FleetOptions } from '../sources/generator/fleet.js';
import { FORMATS, formatter, type OutputFormat } from '../sources/generator/formats.js';
import { differingAssumedKeys, enabledLabels, labelLine, labelThresholds } from '../sources/generator/labels.js';
import { KafkaClientError } from '../kafka/client.js';
import { createKafkajsClient } from '../kafka/kafkajs-client.js';
import { KafkaOutput } from '../sources/generator/kafka-output.js';
import { OutputFileError, openFileOutput } from '../sources/generator/direct-file.js';
import { StreamOutput, type EventOutput } from '../sources/generator/output.js';
import { runFleet } from '../sources/generator/run.js';
import { fractionArg as fraction, intArg, positiveArg as positive } from './args.js';
import { EXIT_FATAL, EXIT_OK } from './exit-codes.js';
import { DEFAULT_REPLAY_PIPELINE } from './paths.js';

export interface GenerateCliOptions {
  out?: string;
  labels?: string;
  format: OutputFormat;
  hosts: number;
  duration: number;
  start: number;
  events?: number;
  hostEps: number;
  anomalies: number;
  decoys: number;
  noExitHosts: number;
  late: number;
  seed: number;
  pipeline: string;
  rate?: number;
  kafka?: string;
  topic?: string;
  progress: boolean;
  quiet?: boolean;
}

/** '90', '90s', '30m', '2h', '1d' -> seconds. */
export function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)?$/.exec(v.trim());
  if (m === null) throw new InvalidArgumentError(`expected a duration like 3600, 90s, 30m, 2h or 1d, got "${v}"`);
  const n = Number(m[1]) * ({ s: 1, m: 60, h: 3600, d: 86400 } as const)[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  if (n <= 0) throw new InvalidArgumentError(`expected a duration above zero, got "${v}"`);
  return n;
}

function isoTime(v: string): number {
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new InvalidArgumentError(`expected an ISO 8601 time like 2024-01-01T00:00:00Z, got "${v}"`);
  return t;
}

export function generateCommand(setExit: (code: number) => void): Command {
  return new Command('generate')
    .summary('generate a realistic Sysmon fleet with labelled anomalies (load tests, detection scoring)')
    .description(
      'Generate Sysmon events for a fleet of Windows hosts: boots (System -> smss -> csrss/wininit/winlogon),\n' +
        'logons and RDP sessions, ordinary process churn, registry/file/network/DNS activity, exits,\n' +
        'reboots with reused PIDs, a few late events, hosts that log no EventID 5. A share of hosts gets one\n' +
        'injected anomaly (one kind per rule), another share a decoy that must not alert.\n' +
        'Deterministic for a given --seed. Events go to stdout or --out; the labels (the alerts a correct\n' +
        'processor raises, per docs/rules.md) go to --labels, by default OUT.labels.jsonl next to --out.\n' +
        'Labels follow the --pipeline rules.smss thresholds and enabled rules. The hosts are stock Windows\n' +
        'installs, so labels assume the default system_root, allowed_children, master_only_children and\n' +
        'baseline_values; a warning says when the pipeline sets other values.',
    )
    .option('-o, --out <file>', 'write events here ("-" or nothing: stdout); a file is written with O_DIRECT where the filesystem allows')
    .option('--labels <file>', 'write labels here (default: next to --out as NAME.labels.jsonl)')
    .addOption(new Option('-f, --format <format>', 'event layout').choices([...FORMATS]).default('xml'))
    .option('--hosts <n>', 'hosts in the fleet', intArg(1), DEFAULT_FLEET.hosts)
    .option('--duration <time>', 'event-time span: seconds or 30m, 2h, 1d', parseDuration, DEFAULT_FLEET.durationSecs)
    .option('--start <iso>', 'event time of the start', isoTime, DEFAULT_FLEET.start)
    .option('--events <n>', 'total events: sets the per-host rate so that they span the duration, and stops there', intArg(1))
    .option('--host-eps <n>', 'events per host per second of event time (ignored with --events)', positive, DEFAULT_FLEET.hostEventsPerSec)
    .option('--anomalies <fraction>', 'share of hosts with one injected anomaly', fraction, DEFAULT_FLEET.anomalyFraction)
    .option('--decoys <fraction>', 'share of hosts with one decoy', fraction, DEFAULT_FLEET.decoyFraction)
    .addOption(noExitHostsOption())
    .option('--late <fraction>', 'share of ordinary events written up to 2.5 s late', fraction, DEFAULT_FLEET.lateFraction)
    .option('--seed <n>', 'PRNG seed', intArg(0), DEFAULT_FLEET.seed)
    .option('-p, --pipeline <file>', 'pipeline YAML whose thresholds and enabled rules the labels follow', DEFAULT_REPLAY_PIPELINE)
    .option('--rate <n>', 'pace output to this many events per second of wall-clock time (live load)', positive)
    .option('--kafka <brokers>', 'produce to Kafka (host:port,...) instead of a file: one message per event, keyed by host')
    .option('--topic <topic>', 'Kafka topic for --kafka')
    .option('--no-progress', 'no progress bar (shown only when stderr is a terminal anyway)')
    .option('-q, --quiet', 'no summary on stderr')
    .action(async (opts: GenerateCliOptions) => {
      setExit(await runGenerateCli(opts));
    });
}

/**
 * `--no-exit-hosts <fraction>` is a value, not commander's negation of an `--exit-hosts` flag: as
 * a negation it was stored as `exitHosts` and the fleet never saw it (every host logged exits).
 */
function noExitHostsOption(): Option {
  const o = new Option('--no-exit-hosts <fraction>', 'share of hosts whose Sysmon logs no EventID 5').argParser(fraction).default(DEFAULT_FLEET.noExitFraction);
  o.negate = false;
  return o;
}

export async function runGenerateCli(opts: GenerateCliOptions): Promise<number> {
  if (opts.kafka !== undefined && (opts.topic === undefined || opts.topic === '')) {
    process.stderr.write('proctree generate: --kafka needs --topic TOPIC\n');
    return EXIT_FATAL;
  }
  let config: PipelineConfig;
  try {
    config = await loadPipeline(opts.pipeline);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`proctree: ${e.message}\n`);
      return EXIT_FATAL;
    }
    throw e;
  }
  const assumed = differingAssumedKeys(config.rules.smss, parsePipeline({}).rules.smss);
  if (assumed.length > 0) {
    process.stderr.write(
      `proctree generate: warning: ${opts.pipeline} sets ${assumed.map((k) => `rules.smss.${k}`).join(', ')}; the generated hosts are stock ` +
        'Windows installs and the labels assume the default values of these keys, so scoring against this pipeline may count misses or false positives\n',
    );
  }
  const toStdout = opts.kafka === undefined && (opts.out === undefined || opts.out === '-');
  const labelsPath = opts.labels ?? (toStdout || opts.out === undefined ? undefined : opts.out.replace(/(\.(xml|jsonl|json|log|txt))?$/i, '') + '.labels.jsonl');
  const fleetOpts: FleetOptions = {
    seed: opts.seed,
    hosts: opts.hosts,
    start: opts.start,
    durationSecs: opts.duration,
    // 10% headroom so that --events is reached within the duration (the rate is an estimate).
    hostEventsPerSec: opts.events !== undefined ? (1.1 * opts.events) / (opts.hosts * opts.duration) : opts.hostEps,
    anomalyFraction: opts.anomalies,
    decoyFraction: opts.decoys,
    noExitFraction: opts.noExitHosts,
    lateFraction: opts.late,
    thresholds: labelThresholds(config),
  };
  const fleet = new Fleet(fleetOpts);
  let output: EventOutput;
  if (opts.kafka !== undefined) {
    try {
      const client = createKafkajsClient({ brokers: opts.kafka.split(',').map((b) => b.trim()).filter((b) => b !== '') });
      output = new KafkaOutput(await client.producer(), opts.topic as string, formatter(opts.format));
    } catch (e) {
      if (e instanceof KafkaClientError) {
        process.stderr.write(`proctree generate: ${e.message}\n`);
        return EXIT_FATAL;
      }
      throw e;
    }
  } else if (toStdout) output = new StreamOutput(process.stdout, formatter(opts.format));
  else {
    try {
      output = openFileOutput(opts.out as string, formatter(opts.format));
    } catch (e) {
      if (e instanceof OutputFileError) {
        process.stderr.write(`proctree generate: ${e.message}\n`);
        return EXIT_FATAL;
      }
      throw e;
    }
  }
  const bar = opts.progress && process.stderr.isTTY ? progressBar(fleet, opts.events) : null;
  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
  };
  process.once('SIGINT', onSigint);
  let result;
  try {
    result = await runFleet(fleet, output, {
      maxEvents: opts.events,
      rate: opts.rate,
      onProgress: bar?.update,
      stopped: () => interrupted,
    });
    await output.close();
  } catch (e) {
    bar?.stop();
    if (e instanceof OutputFileError) {
      process.stderr.write(`proctree generate: ${e.message}\n`);
      return EXIT_FATAL;
    }
    // The reader went away (`proctree generate | head`): stop quietly, as Unix tools do.
    if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e;
    return EXIT_OK;
  } finally {
    process.off('SIGINT', onSigint);
  }
  bar?.stop();
  const labels = enabledLabels(fleet.labels(), config.rules.smss.enabled);
  if (labelsPath !== undefined) await writeFile(labelsPath, labels.map((l) => labelLine(l) + '\n').join(''));
  if (opts.quiet !== true) {
    const byRule = new Map<string, number>();
    for (const l of labels) byRule.set(l.rule, (byRule.get(l.rule) ?? 0) + 1);
    const rules = [...byRule].map(([r, n]) => `${r}:${n}`).join(' ');
    process.stderr.write(
      `proctree generate: ${result.events} events (${opts.format}), ${(result.bytes / 1e6).toFixed(1)} MB, ${opts.hosts} hosts in ${result.seconds.toFixed(2)} s ` +
        `(${Math.round(result.events / Math.max(result.seconds, 1e-9))} events/s)${interrupted ? ', interrupted' : ''}\n` +
        `  labels: ${labels.length}${rules === '' ? '' : ` (${rules})`}${labelsPath === undefined ? ' not written (no --labels and no --out)' : ` -> ${labelsPath}`}\n`,
    );
  }
  return EXIT_OK;
}

function progressBar(fleet: Fleet, events: number | undefined): { update: (written: number, eventTime: number) => void; stop: () => void } {
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: ' {bar} {percentage}% | {written} events | event time {time} | {rate} events/s', barsize: 30, hideCursor: true, clearOnComplete: true, fps: 5 },
    cliProgress.Presets.shades_classic,
  );
  const start = fleet.opts.start;
  const span = fleet.endTime - start;
  const began = performance.now();
  bar.start(1000, 0, { written: 0, time: '-', rate: 0 });
  return {
    update(written: number, eventTime: number): void {
      const frac = events !== undefined ? written / events : (eventTime - start) / span;
      const secs = Math.max((performance.now() - began) / 1000, 0.001);
      bar.update(Math.max(0, Math.min(1000, Math.round(frac * 1000))), { written, time: eventTime > 0 ? new Date(eventTime).toISOString().slice(0, 19) : '-', rate: Math.round(written / secs) });
    },
    stop(): void {
      bar.stop();
    },
  };
}
