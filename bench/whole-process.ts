// Whole-process timing: a command run as a user runs it (start-up, module loading and set-up
// included), its CPU seconds (user + system, all its threads and waited-for children) taken
// from this process's own accounting of reaped children (/proc/self/stat cutime + cstime), its
// wall seconds from a monotonic clock. Runs are repeated and the median is quoted.

import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const TICKS = Number(readTicks());

function readTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** CPU seconds of this process's reaped children so far. */
function childrenCpu(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after the ')' that ends the command name: state is field 3, cutime 16, cstime 17.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / TICKS;
}

export const canMeasureProcesses = existsSync('/proc/self/stat');

export interface ProcessTime {
  cpu: number;
  wall: number;
}

/** Run `cmd args` once with stdout and stdin on /dev/null; `pin` runs it under `taskset -c pin`. */
export async function runOnce(cmd: string, args: readonly string[], pin?: string): Promise<ProcessTime> {
  const devnull = openSync('/dev/null', 'r+');
  const [file, argv] = pin === undefined ? [cmd, args] : ['taskset', ['-c', pin, cmd, ...args]];
  const c0 = childrenCpu();
  const t0 = performance.now();
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(file, argv, { stdio: [devnull, devnull, 'inherit'] });
      child.on('error', reject);
      child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${file} ${argv.join(' ')} exited with ${code ?? signal}`))));
    });
  } finally {
    closeSync(devnull);
  }
  return { cpu: childrenCpu() - c0, wall: (performance.now() - t0) / 1000 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

export interface Contender {
  name: string;
  cmd: string;
  args: readonly string[];
  pin?: string;
}

/**
 * Every contender `runs` times, interleaved (A B C A B C ...) so that a drift in the machine's
 * speed lands on all of them; medians of CPU and wall seconds, by name. `eachRound`, if given,
 * runs before each round: an in-process measurement taken there drifts with the processes.
 */
export async function timeInterleaved(contenders: readonly Contender[], runs: number, eachRound?: () => void): Promise<Map<string, ProcessTime>> {
  const cpu = new Map<string, number[]>();
  const wall = new Map<string, number[]>();
  for (const c of contenders) await runOnce(c.cmd, c.args, c.pin); // warm-up: page cache, code cache
  for (let r = 0; r < runs; r++) {
    eachRound?.();
    for (const c of contenders) {
      const t = await runOnce(c.cmd, c.args, c.pin);
      (cpu.get(c.name) ?? cpu.set(c.name, []).get(c.name)!).push(t.cpu);
      (wall.get(c.name) ?? wall.set(c.name, []).get(c.name)!).push(t.wall);
    }
  }
  const out = new Map<string, ProcessTime>();
  for (const c of contenders) out.set(c.name, { cpu: median(cpu.get(c.name)!), wall: median(wall.get(c.name)!) });
  return out;
}
