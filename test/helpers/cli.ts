// Runs the built CLI (dist/, built by `npm test`) as a user would, capturing its output.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_REAL = resolve(REPO_ROOT, '..', 'shared', 'samples', 'real');
const BIN = resolve(REPO_ROOT, 'bin', 'proctree.js');

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** timeoutMs: the process is killed after that long (status -1), for commands that used to hang. */
export function runCli(args: string[], opts: { input?: string | Buffer; cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    input: opts.input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, FORCE_COLOR: '0', ...opts.env },
    timeout: opts.timeoutMs,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Alerts printed as JSON lines, without the wall-clock field. */
export function parseAlerts(jsonl: string): Record<string, unknown>[] {
  return jsonl
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const a = JSON.parse(l) as Record<string, unknown>;
      delete a.detectedAt;
      return a;
    });
}
