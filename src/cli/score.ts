// `proctree score`: precision and recall per rule of alerts against generator labels.

import { Command } from 'commander';
import { SMSS_RULE_IDS } from '../rules/smss/ids.js';
import { ScoreInputError, alertFrom, readDetections, readLabels } from '../score/read.js';
import { belowThresholds, formatReport, score } from '../score/score.js';
import { fractionArg as fraction } from './args.js';
import { EXIT_FATAL, EXIT_OK, EXIT_SCORE_BELOW } from './exit-codes.js';

export interface ScoreCliOptions {
  labels: string;
  alerts: string;
  minPrecision: number;
  minRecall: number;
  json?: boolean;
}

export function scoreCommand(setExit: (code: number) => void): Command {
  return new Command('score')
    .summary('score alerts against generator labels: precision and recall per rule')
    .description(
      'Match alerts (proctree replay output, native or ECS) to labels (proctree generate) on host\n' +
        '(case-insensitive), rule, subject process guid and time, and print per rule: expected, raised,\n' +
        'true positives, false positives, misses, precision and recall. Labels of generate --sysmon-config add,\n' +
        'per rule, the anomalies the hosts\' Sysmon configurations made invisible (counted apart, not as misses),\n' +
        'and the same table per configuration.\n\n' +
        `Exit codes: 0 every rule at or above the minimums, ${EXIT_SCORE_BELOW} some rule below them, 1 unreadable input.`,
    )
    .requiredOption('-l, --labels <file>', 'labels (JSON lines from proctree generate)')
    .requiredOption('-a, --alerts <file>', 'alerts (JSON lines from proctree replay)')
    .option('--min-precision <p>', 'fail when any rule (or the total) has lower precision', fraction, 0)
    .option('--min-recall <r>', 'fail when any rule (or the total) has lower recall', fraction, 0)
    .option('--json', 'print the report as JSON instead of a table')
    .action(async (opts: ScoreCliOptions) => {
      setExit(await runScoreCli(opts));
    });
}

export async function runScoreCli(opts: ScoreCliOptions): Promise<number> {
  let labels;
  let alerts;
  try {
    labels = await readLabels(opts.labels);
    alerts = await readDetections(opts.alerts, alertFrom);
  } catch (e) {
    if (e instanceof ScoreInputError) {
      process.stderr.write(`proctree score: ${e.message}\n`);
      return EXIT_FATAL;
    }
    throw e;
  }
  const report = score(labels.labels, alerts, SMSS_RULE_IDS, 20, labels.hostConfigs);
  const failing = belowThresholds(report, opts.minPrecision, opts.minRecall);
  if (opts.json === true) process.stdout.write(JSON.stringify({ ...report, failing: failing.map((f) => f.rule) }, null, 2) + '\n');
  else {
    let text = formatReport(report) + '\n';
    for (const m of report.missed) text += `missed:     ${JSON.stringify(m)}\n`;
    for (const u of report.unexpected) text += `unexpected: ${JSON.stringify(u)}\n`;
    process.stdout.write(text);
  }
  if (failing.length > 0) {
    process.stderr.write(
      `proctree score: below --min-precision ${opts.minPrecision} / --min-recall ${opts.minRecall}: ${failing.map((f) => `${f.rule} (precision ${f.precision.toFixed(3)}, recall ${f.recall.toFixed(3)})`).join(', ')}\n`,
    );
    return EXIT_SCORE_BELOW;
  }
  return EXIT_OK;
}
