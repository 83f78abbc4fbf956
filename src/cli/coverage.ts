// `proctree coverage CONFIG`: what a Sysmon configuration lets each smss rule and each core
// process baseline rule of the pipeline see.
// The work is in coverage-action.ts, loaded when the command runs.

import { Command } from 'commander';
import { EXIT_FATAL, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { DEFAULT_REPLAY_PIPELINE } from './paths.js';

export interface CoverageCliOptions {
  json?: boolean;
  pipeline: string;
}

export function coverageCommand(setExit: (code: number) => void): Command {
  return new Command('coverage')
    .summary('what a Sysmon configuration lets each smss and core process rule see, and the lines to change')
    .description(
      [
        'Run the events each smss rule needs through a Sysmon configuration, filtered',
        'as Sysmon filters them: master and child smss creations, csrss / wininit /',
        'winlogon creations, an unexpected child of smss, an smss.exe outside',
        'System32, child smss exits, writes to each watched Session Manager value;',
        'and for each core.<process>.<check> rule of the pipeline\'s baselines, the',
        'creations, exits, parents and children that check reads.',
        'Per rule: whether the configuration logs them all (logs), some (partial) or',
        'none (drops), what is missing and the configuration line that decides. Then',
        'the change that makes it log everything: the exclude lines to delete (an',
        'exclude match wins over every include) and XML to add inside <EventFiltering>.',
        '',
        'CONFIG is a configuration file (schema 4.x, UTF-8 or UTF-16) or a name:',
        'everything, no-exits, swiftonsecurity, sysmon-modular (the last two are read',
        'from ../shared/sysmon-configs/ or the folder in PROCTREE_SYSMON_CONFIGS).',
        'See docs/sysmon-configs.md.',
        '',
        `Exit codes: ${EXIT_OK} report printed, ${EXIT_FATAL} unreadable or invalid configuration`,
        '(one line naming the file and line) or pipeline YAML (a line per bad key),',
        `${EXIT_USAGE} usage error.`,
      ].join('\n'),
    )
    .argument('<config>', 'Sysmon configuration file, or a configuration name')
    .option('-p, --pipeline <file>', 'pipeline YAML whose rules.baselines get rows (core.<process>.<check>)', DEFAULT_REPLAY_PIPELINE)
    .option('--json', 'print the report as JSON (per rule: status, each event with the line that decides, the fix)')
    .action(async (config: string, opts: CoverageCliOptions) => {
      const { runCoverageCli } = await import('./coverage-action.js');
      setExit(await runCoverageCli(config, opts));
    });
}
