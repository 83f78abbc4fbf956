// `proctree run` as a real process for the Kafka tests: a pipeline file, the child, its pino log
// lines parsed as they come, waiting for one with a deadline, and signals.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';

export const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'bin/proctree.js');

const children: ChildProcess[] = [];
const dirs: string[] = [];

/** For afterEach: kills what is still running, removes the pipeline files. */
export function cleanupCli(): void {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function writePipeline(yaml: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'proctree-run-'));
  dirs.push(dir);
  const file = join(dir, 'pipeline.yaml');
  writeFileSync(file, stringify(yaml));
  return file;
}

/** One pino line of the child's stderr. */
export interface LogLine {
  level: number;
  time: number;
  msg: string;
  [key: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Wall clock (ms) of the exit. */
  atMs: number;
}

export interface Running {
  child: ChildProcess;
  startedMs: number;
  stderr(): string;
  /** The log lines so far (stderr lines that are not JSON are left out). */
  logs(): LogLine[];
  /** Resolves with the first log line (already seen or to come) that matches; throws at the deadline with the log so far. */
  waitForLog(what: string | ((l: LogLine) => boolean), timeoutMs?: number): Promise<LogLine>;
  exited: Promise<Exit>;
  /** Resolves with the exit, or throws when the process is still running after timeoutMs. */
  waitForExit(timeoutMs: number): Promise<Exit>;
}

export function runCli(pipelineFile: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Running {
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
  const child = spawn(process.execPath, [CLI, 'run', pipelineFile, '--log-level', 'info', ...args], {
    cwd: ROOT,
    env: { ...process.env, KAFKA_BROKERS: '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  const startedMs = Date.now();
  let err = '';
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  let partial = '';
  child.stderr!.on('data', (d: Buffer) => {
    const text = d.toString();
    err += text;
    const pieces = (partial + text).split('\n');
    partial = pieces.pop()!;
    for (const line of pieces) {
      if (!line.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log line
      }
    }
    for (const w of waiters) w();
  });
  const exited = new Promise<Exit>((r) => child.once('exit', (code, signal) => r({ code, signal, atMs: Date.now() })));
  const stderr = () => err;
  return {
    child,
    startedMs,
    stderr,
    logs: () => lines.slice(),
    waitForLog(what, timeoutMs = 30_000) {
      const match = typeof what === 'string' ? (l: LogLine) => l.msg === what : what;
      const found = lines.find(match);
      if (found) return Promise.resolve(found);
      return new Promise<LogLine>((resolvePromise, reject) => {
        const check = () => {
          const l = lines.find(match);
          if (l === undefined) return;
          done();
          resolvePromise(l);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no log line ${typeof what === 'string' ? JSON.stringify(what) : 'matching'} within ${timeoutMs} ms; stderr:\n${err.slice(-3000)}`));
        }, timeoutMs);
        const gone = () => {
          done();
          reject(new Error(`the process exited before logging ${typeof what === 'string' ? JSON.stringify(what) : 'the line'}; stderr:\n${err.slice(-3000)}`));
        };
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
          child.off('exit', gone);
        };
        waiters.add(check);
        child.once('exit', gone);
      });
    },
    exited,
    async waitForExit(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([exited, new Promise<'running'>((r) => (timer = setTimeout(() => r('running'), timeoutMs)))]);
      clearTimeout(timer);
      if (outcome === 'running') throw new Error(`still running ${timeoutMs} ms later; stderr:\n${err.slice(-3000)}`);
      return outcome;
    },
  };
}

/**
 * Resolves once `proctree run` handles SIGTERM itself: bin/proctree.js then names the process
 * `proctree run ...` (Linux: /proc/<pid>/cmdline); elsewhere after a fixed wait. A signal sent
 * earlier finds Node's default action (the process dies before any code of ours runs).
 */
export async function handlesSigterm(pid: number, timeoutMs = 10_000): Promise<void> {
  const cmdline = `/proc/${pid}/cmdline`;
  if (!existsSync(cmdline)) return new Promise((r) => setTimeout(r, 1000));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (readFileSync(cmdline, 'utf8').startsWith('proctree run')) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`process ${pid} did not install its SIGTERM handler within ${timeoutMs} ms`);
}
