// `proctree evtx-dump FILE [--format xml|jsonl] [--recover]`: prints every record of an .evtx
// file, one per line, as Windows Event XML or JSON, so the reader doubles as a converter.
// Problems (damaged chunks, skipped records) are pino warnings on stderr; a damaged file is still
// dumped as far as it can be read (exit 0), a file that is not EVTX exits 1.
// The work is in evtx-dump-action.ts, loaded when the command runs.

import { Command, Option } from 'commander';

export interface EvtxDumpOptions {
  format: 'xml' | 'jsonl';
  recover: boolean;
}

export interface EvtxDumpCliOptions extends EvtxDumpOptions {
  logLevel: string;
}

/** The evtx-dump subcommand, for the CLI's registry (src/cli/main.ts). */
export function evtxDumpCommand(setExit: (code: number) => void): Command {
  return new Command('evtx-dump')
    .description('print the records of an .evtx file as Windows Event XML or JSON lines, one per line')
    .argument('<file>', '.evtx file')
    .addOption(new Option('--format <format>', 'output format').choices(['xml', 'jsonl']).default('xml'))
    .option('--recover', 'also carve records left in chunk slack space and unused chunks (marked recovered)', false)
    .option('--log-level <level>', 'pino log level on stderr (fatal, error, warn, info, debug)', 'warn')
    .action(async (file: string, o: EvtxDumpCliOptions) => {
      const { runEvtxDumpCli } = await import('./evtx-dump-action.js');
      setExit(await runEvtxDumpCli(file, o));
    });
}
