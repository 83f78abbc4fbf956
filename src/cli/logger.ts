// pino to stderr: stdout carries data (alerts, converted events) only.
//
// pino is loaded with require() when a logger is made, not when this module is: a batch command
// (replay, evtx-dump, tree) gets a lazy logger that loads pino only for its first message at an
// enabled level, so a run that logs nothing does not pay for loading it.

import { createRequire } from 'node:module';
import type { Logger, pino as Pino } from 'pino';

const require = createRequire(import.meta.url);

export function createLogger(level = process.env.PROCTREE_LOG_LEVEL ?? 'warn'): Logger {
  const pino = require('pino') as typeof Pino;
  return pino({ name: 'proctree', level, base: undefined }, pino.destination({ fd: 2, sync: true }));
}

type LogMethod = (objOrMsg: unknown, msg?: string) => void;

/** What the batch commands log with; a pino Logger is one. */
export interface CliLogger {
  fatal: LogMethod;
  error: LogMethod;
  warn: LogMethod;
  info: LogMethod;
  debug: LogMethod;
}

/** pino's default levels. */
const LEVELS: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/**
 * A logger that makes the pino one (createLogger) on its first message at an enabled level. An
 * unknown level name is refused at once, as pino refuses it.
 */
export function createLazyLogger(level = process.env.PROCTREE_LOG_LEVEL ?? 'warn'): CliLogger {
  const threshold = Object.prototype.hasOwnProperty.call(LEVELS, level) ? LEVELS[level] : undefined;
  if (threshold === undefined) return createLogger(level);
  let real: Logger | undefined;
  const method =
    (name: keyof CliLogger): LogMethod =>
    (objOrMsg, msg) => {
      if (LEVELS[name] < threshold) return;
      real ??= createLogger(level);
      if (msg === undefined) real[name](objOrMsg as string);
      else real[name](objOrMsg as object, msg);
    };
  return { fatal: method('fatal'), error: method('error'), warn: method('warn'), info: method('info'), debug: method('debug') };
}
