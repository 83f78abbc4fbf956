// `proctree generate`, the work: build the fleet, write its events and labels. The Kafka client
// and the progress bar are loaded only when asked for.

import { baselineRuleIds } from '../rules/baseline/config.js';
import { writeFile } from 'node:fs/promises';
import { ConfigError, loadPipeline, parsePipeline, type PipelineConfig } from '../pipeline/config.js';
import { Fleet, type FleetOptions } from '../generator/fleet.js';
import { formatter } from '../generator/formats.js';
import { differingAssumedKeys, enabledLabels, labelLine, labelThresholds } from '../generator/labels.js';
import { OutputFileError, openFileOutput } from '../generator/direct-file.js';
import { StreamOutput, type EventOutput } from '../generator/output.js';
import { runFleet } from '../generator/run.js';
import { kafkaCauses } from '../kafka/client.js';
import { loadSysmonConfig } from '../sysmon-config/registry.js';
import { SysmonConfigError } from '../sysmon-config/errors.js';
import type { ConfigShare } from '../generator/sysmon-filter.js';
import { EXIT_FATAL, EXIT_OK } from './exit-codes.js';
import type { GenerateCliOptions } from './generate.js';

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
  let sysmonConfigs: ConfigShare[] = [];
  try {
    sysmonConfigs = (opts.sysmonConfig ?? []).map(({ spec, share }) => ({ config: loadSysmonConfig(spec), share }));
  } catch (e) {
    if (e instanceof SysmonConfigError) {
      process.stderr.write(`proctree generate: --sysmon-config ${e.message}\n`);
      return EXIT_FATAL;
    }
    throw e;
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
    coreAnomalies: opts.coreAnomalies === true,
    sysmonConfigs,
  };
  let output: EventOutput;
  if (opts.kafka !== undefined) {
    const [{ createKafkajsClient }, { KafkaOutput }, { TopicWriter }] = await Promise.all([
      import('../kafka/kafkajs-client.js'),
      import('../generator/kafka-output.js'),
      import('../sinks/kafka/topic-writer.js'),
    ]);
    try {
      const client = createKafkajsClient({ brokers: opts.kafka.split(',').map((b) => b.trim()).filter((b) => b !== '') });
      output = new KafkaOutput(await TopicWriter.open(client, opts.topic as string), formatter(opts.format));
    } catch (e) {
      if (kafkaFailed(opts.kafka, e)) return EXIT_FATAL;
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
  // Built once the output is open: a bad --out or an unreachable broker fails without the wait.
  const fleet = new Fleet(fleetOpts);
  const bar = opts.progress && process.stderr.isTTY ? await progressBar(fleet, opts.events) : null;
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
    if (opts.kafka !== undefined && kafkaFailed(opts.kafka, e)) return EXIT_FATAL;
    // The reader went away (`proctree generate | head`): stop quietly, as Unix tools do.
    if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e;
    return EXIT_OK;
  } finally {
    process.off('SIGINT', onSigint);
  }
  bar?.stop();
  if (opts.events !== undefined && result.events < opts.events && !interrupted) {
    // The per-host rate is an estimate (events per arrival, averaged over a fleet): a few hosts
    // can fall well short of it, and the user asked for a count.
    process.stderr.write(
      `proctree generate: warning: ${result.events} of the ${opts.events} events asked for: event time ran out at --duration ` +
        `(${opts.duration} s) first; a longer --duration or more --hosts gives the rest\n`,
    );
  }
  const labels = enabledLabels(fleet.labels(), [...config.rules.smss.enabled, ...baselineRuleIds(config.rules.baselines)]);
  // With --sysmon-config, one line per host first: its configuration, for score to attribute every alert.
  const hostLines = fleet.hostConfigs().map((h) => JSON.stringify(h) + '\n');
  if (labelsPath !== undefined) await writeFile(labelsPath, hostLines.join('') + labels.map((l) => labelLine(l) + '\n').join(''));
  if (opts.quiet !== true) {
    const byRule = new Map<string, number>();
    for (const l of labels) if (l.invisible !== true) byRule.set(l.rule, (byRule.get(l.rule) ?? 0) + 1);
    const invisible = labels.filter((l) => l.invisible === true).length;
    const rules = [...byRule].map(([r, n]) => `${r}:${n}`).join(' ') + (invisible > 0 ? `; ${invisible} made invisible by the hosts' Sysmon configurations` : '');
    process.stderr.write(
      `proctree generate: ${result.events} events (${opts.format}), ${(result.bytes / 1e6).toFixed(1)} MB, ${opts.hosts} hosts in ${result.seconds.toFixed(2)} s ` +
        `(${Math.round(result.events / Math.max(result.seconds, 1e-9))} events/s)${interrupted ? ', interrupted' : ''}\n` +
        `  labels: ${labels.length}${rules === '' ? '' : ` (${rules})`}${labelsPath === undefined ? ' not written (no --labels and no --out)' : ` -> ${labelsPath}`}\n`,
    );
  }
  return EXIT_OK;
}

async function progressBar(fleet: Fleet, events: number | undefined): Promise<{ update: (written: number, eventTime: number) => void; stop: () => void }> {
  const { default: cliProgress } = await import('cli-progress');
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

/** A Kafka failure as one line naming the brokers, as `proctree run` does; false for other errors. */
function kafkaFailed(brokers: string, e: unknown): boolean {
  const kafka = kafkaCauses(e);
  if (kafka === null) return false;
  process.stderr.write(`proctree generate: Kafka at ${brokers} failed: ${kafka}. Check --kafka and that the brokers run; \`npm run broker:start\` starts a local one.\n`);
  return true;
}
