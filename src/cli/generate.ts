// `proctree generate`: a realistic, seeded Sysmon fleet with labelled anomalies, into a file,
// stdout or (issue 5) a Kafka topic.
// The work is in generate-action.ts, loaded when the command runs.

import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_FLEET } from '../generator/fleet-options.js';
import { FORMATS, type OutputFormat } from '../generator/formats.js';
import { fractionArg as fraction, intArg, positiveArg as positive } from './args.js';
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
  coreAnomalies?: boolean;
  sysmonConfig?: { spec: string; share: number }[];
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
        'Labels follow the --pipeline rules.smss thresholds and enabled rules, and with --sysmon-config what each\n' +
        'host\'s configuration lets a processor see. The hosts are stock Windows\n' +
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
    .option('--core-anomalies', "also inject anomalies and decoys of the core process baselines (labels follow the pipeline's rules.baselines)")
    .option('--late <fraction>', 'share of ordinary events written up to 2.5 s late', fraction, DEFAULT_FLEET.lateFraction)
    .option(
      '--sysmon-config <spec>',
      'the Sysmon configuration the hosts run: a name (swiftonsecurity, sysmon-modular, everything, no-exits) or a file, ' +
        'or several with shares of the fleet (swiftonsecurity=0.5,sysmon-modular=0.3,everything=0.2); every event goes ' +
        'through its host\'s configuration, and labels mark the anomalies it hides (invisible) with the configuration\'s name. ' +
        'Replaces --no-exit-hosts',
      parseSysmonConfigShares,
    )
    .option('--seed <n>', 'PRNG seed', intArg(0), DEFAULT_FLEET.seed)
    .option('-p, --pipeline <file>', 'pipeline YAML whose thresholds and enabled rules the labels follow', DEFAULT_REPLAY_PIPELINE)
    .option('--rate <n>', 'pace output to this many events per second of wall-clock time (live load)', positive)
    .option('--kafka <brokers>', 'produce to Kafka (host:port,...) instead of a file: one message per event, keyed by host')
    .option('--topic <topic>', 'Kafka topic for --kafka')
    .option('--no-progress', 'no progress bar (shown only when stderr is a terminal anyway)')
    .option('-q, --quiet', 'no summary on stderr')
    .action(async (opts: GenerateCliOptions) => {
      const { runGenerateCli } = await import('./generate-action.js');
      setExit(await runGenerateCli(opts));
    });
}


/**
 * `--no-exit-hosts <fraction>` is a value, not commander's negation of an `--exit-hosts` flag: as
 * a negation it was stored as `exitHosts` and the fleet never saw it (every host logged exits).
 */
function noExitHostsOption(): Option {
  const o = new Option('--no-exit-hosts <fraction>', 'share of hosts whose Sysmon logs no EventID 5 (without --sysmon-config)').argParser(fraction).default(DEFAULT_FLEET.noExitFraction);
  o.negate = false;
  return o;
}

/**
 * `--sysmon-config`: `NAME|FILE`, or `NAME|FILE=SHARE,...` with shares summing to 1. Returns the
 * specs and shares; the configurations are read by the action.
 */
export function parseSysmonConfigShares(v: string): { spec: string; share: number }[] {
  const parts = v.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) throw new InvalidArgumentError('expected a Sysmon configuration name or file, or NAME=SHARE,... ');
  const out = parts.map((p) => {
    const eq = p.lastIndexOf('=');
    if (eq === -1) return { spec: p, share: NaN };
    const share = Number(p.slice(eq + 1));
    if (!(share > 0 && share <= 1)) throw new InvalidArgumentError(`expected a share between 0 and 1 after "${p.slice(0, eq)}=", got "${p.slice(eq + 1)}"`);
    return { spec: p.slice(0, eq), share };
  });
  if (out.length === 1 && Number.isNaN(out[0].share)) return [{ spec: out[0].spec, share: 1 }];
  if (out.some((o) => Number.isNaN(o.share))) throw new InvalidArgumentError(`give every configuration a share (NAME=SHARE,...), got "${v}"`);
  const sum = out.reduce((n, o) => n + o.share, 0);
  if (Math.abs(sum - 1) > 1e-6) throw new InvalidArgumentError(`the shares must add up to 1, they add up to ${Math.round(sum * 1e6) / 1e6} in "${v}"`);
  return out;
}
