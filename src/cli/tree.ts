// `proctree tree`: one host's process tree at a moment of event time, like pstree.

// The work is in tree-action.ts, loaded when the command runs.

import { Command, InvalidArgumentError } from 'commander';
import { parseEventTime, TimeArgError } from '../tree/time.js';
import { DEFAULT_REPLAY_PIPELINE } from './paths.js';

export interface TreeCliOptions {
  host: string;
  at?: number;
  root?: string;
  json?: boolean;
  args?: boolean;
  pipeline: string;
  logLevel?: string;
}

function timeArg(v: string): number {
  try {
    return parseEventTime(v);
  } catch (e) {
    if (e instanceof TimeArgError) throw new InvalidArgumentError(e.message);
    throw e;
  }
}

export function treeCommand(setExit: (code: number) => void): Command {
  return new Command('tree')
    .summary("print one host's process tree at a moment of event time, like pstree")
    .description(
      "Replay exported Sysmon logs (whatever replay reads) and print one host's\n" +
        'process tree as it stood at a moment of event time, like pstree: each\n' +
        'process with its pid, session, user and start time. Marks:\n' +
        '  [exited TIME]         an EventID 5 was seen; exited processes stay for the\n' +
        "                        pipeline's index.retention_secs (600 s by default),\n" +
        '                        or while they have live descendants\n' +
        '  [gone at reboot TIME] a new boot of the host ended it\n' +
        '  [not logged: ...]     known only from a child\'s Parent* fields\n' +
        'Events of other hosts and events after --at are left out.\n\n' +
        'Examples:\n' +
        '  proctree tree samples/normal-boot-fleet.xml --host WS01.corp.example\n' +
        '  proctree tree samples/ --host pc-linger --at 2024-03-04T07:02:10Z --args\n' +
        '  proctree tree samples/ --host PC-LINGER --json\n\n' +
        'Exit codes: 0 printed; 1 unknown host or --root process, no event of the\n' +
        'host by --at, or a bad input or pipeline; 2 usage error (a bad --at time).',
    )
    .argument('<inputs...>', 'files, folders, or - for standard input')
    .requiredOption('--host <name>', 'the host (any case; a short name finds its FQDN if only one host has it)')
    .option('--at <time>', 'event time (UTC unless a zone is given): 2024-03-04T07:02:03Z, "2024-03-04 07:02:03.5", 2024-03-04; default: the end of the input', timeArg)
    .option('--root <guid>', 'print only this process (ProcessGuid, braces optional) and its descendants')
    .option('--json', 'write the tree as JSON (nested, ISO times) instead of text')
    .option('-a, --args', 'show command lines')
    .option('-p, --pipeline <file>', 'pipeline YAML (index retention and lateness)', DEFAULT_REPLAY_PIPELINE)
    .option('--log-level <level>', 'pino log level on stderr (fatal, error, warn, info, debug)', 'error')
    .action(async (inputs: string[], opts: TreeCliOptions) => {
      const { runTreeCli } = await import('./tree-action.js');
      setExit(await runTreeCli(inputs, opts));
    });
}
