// The `proctree` command line. Each subcommand lives in its own module; this file only wires them.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { EXIT_FATAL, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { PACKAGE_ROOT } from './paths.js';
import { coverageCommand } from './coverage.js';
import { evtxDumpCommand } from './evtx-dump.js';
import { generateCommand } from './generate.js';
import { replayCommand } from './replay.js';
import { runCommand } from './run.js';
import { scoreCommand } from './score.js';
import { treeCommand } from './tree.js';

function version(): string {
  try {
    return (JSON.parse(readFileSync(resolve(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('proctree')
    .description(
      'Rebuild per-host Windows process trees from Sysmon events and alert on anomalies of the\n' +
        'session-start chain (smss.exe -> csrss.exe / wininit.exe / winlogon.exe).\n\n' +
        'Rules: smss.path, smss.parent, smss.user, smss.child-no-exit, smss.instances,\n' +
        'smss.unexpected-child, smss.subsystems-registry (see docs/rules.md).',
    )
    .version(version(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.addCommand(replayCommand(setExit));
  program.addCommand(evtxDumpCommand(setExit));
  program.addCommand(runCommand(setExit));
  program.addCommand(generateCommand(setExit));
  program.addCommand(scoreCommand(setExit));
  program.addCommand(treeCommand(setExit));
  program.addCommand(coverageCommand(setExit));
  // The descriptions are laid out for 110 columns; commander's default (80 off a terminal) would
  // re-wrap their lines into ragged halves.
  const help = { helpWidth: Math.max(process.stdout.columns ?? 0, 110) };
  program.configureHelp(help);
  for (const c of program.commands) c.exitOverride().showHelpAfterError('(run with --help for usage)').configureHelp(help);
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT_OK;
      return EXIT_USAGE;
    }
    process.stderr.write(`proctree: fatal: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT_FATAL;
  }
  return code;
}
