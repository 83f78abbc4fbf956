// pino to stderr: stdout carries data (alerts, converted events) only.

import { pino, type Logger } from 'pino';

export function createLogger(level = process.env.PROCTREE_LOG_LEVEL ?? 'warn'): Logger {
  return pino({ name: 'proctree', level, base: undefined }, pino.destination({ fd: 2, sync: true }));
}
