// `npm run fuzz`: the long fuzzing campaign. Each target runs for a bounded time in a worker
// thread with a heap limit; a watchdog saves the input under test when the worker stops making
// progress (a hang) or dies of memory. Prints the inputs tried per target and every finding, saves
// the findings' inputs, and exits 1 when there is any. Settings (environment):
//   FUZZ_MINUTES    minutes per target (default 2); FUZZ_SECONDS overrides it
//   FUZZ_TARGETS    comma-separated target names (default: all)
//   FUZZ_SEED       base seed (default: from the clock, printed so a run can be repeated)
//   FUZZ_INPUT_MS   an input slower than this is a finding (default 5000)
//   FUZZ_HANG_MS    no new input for this long is a hang (default 60000)
//   FUZZ_MEMORY_MB  heap limit of a target's worker (default 1024)
//   FUZZ_OUT        where findings are saved (default fuzz-findings/)

import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { REPO_ROOT } from './seeds.js';
import { TARGETS } from './targets.js';
import type { WorkerInput, WorkerMessage } from './worker.js';

function num(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}: expected a number >= 0, got "${raw}"`);
  return n;
}

const seconds = process.env.FUZZ_SECONDS ? num('FUZZ_SECONDS', 120) : num('FUZZ_MINUTES', 2) * 60;
const seed = num('FUZZ_SEED', Date.now() % 2 ** 31);
const perInputMs = num('FUZZ_INPUT_MS', 5000);
const hangMs = num('FUZZ_HANG_MS', 60_000);
const memoryMb = num('FUZZ_MEMORY_MB', 1024);
const out = resolve(process.env.FUZZ_OUT ?? join(REPO_ROOT, 'fuzz-findings'));
const wanted = process.env.FUZZ_TARGETS?.split(',').map((s) => s.trim()).filter(Boolean);
const targets = wanted ? TARGETS.filter((t) => wanted.includes(t.name)) : TARGETS;
if (wanted && targets.length !== wanted.length) {
  throw new Error(`FUZZ_TARGETS: unknown target(s) ${wanted.filter((w) => !TARGETS.some((t) => t.name === w)).join(', ')}; known: ${TARGETS.map((t) => t.name).join(', ')}`);
}

interface Finding {
  target: string;
  kind: 'invariant' | 'hang' | 'memory' | 'crash';
  message: string;
  file: string;
}

const MAX_INPUT = 4 << 20;
const findings = new Map<string, Finding>();

function record(target: string, kind: Finding['kind'], message: string, bytes: Uint8Array, extra: string): void {
  // One finding per target, kind and first line of the message (numbers aside).
  const key = `${target}|${kind}|${message.split('\n')[0].replace(/\d+/g, '#').replace(/\/\S+/g, '')}`;
  if (findings.has(key)) return;
  mkdirSync(out, { recursive: true });
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  const file = join(out, `${target}-${kind}-${hash}.bin`);
  writeFileSync(file, bytes);
  writeFileSync(`${file}.txt`, `${target} ${kind}\n${message}\n${extra}\n`);
  findings.set(key, { target, kind, message: message.split('\n')[0], file });
  process.stdout.write(`  finding (${kind}): ${message.split('\n')[0]}\n    input: ${file}\n`);
}

/** Runs one target until its deadline, restarting its worker after a hang or a crash. */
async function runTarget(name: string, deadline: number): Promise<number> {
  let inputs = 0;
  let restart = 0;
  while (Date.now() < deadline) {
    const shared = new SharedArrayBuffer(8 + MAX_INPUT);
    const counters = new Int32Array(shared, 0, 2);
    const data: WorkerInput = { target: name, deadline, seed: (seed + restart * 1_000_003) | 0, perInputMs, shared };
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: data, resourceLimits: { maxOldGenerationSizeMb: memoryMb } });
    const current = (): Uint8Array => new Uint8Array(shared, 8, Atomics.load(counters, 1)).slice();
    let finished = false;
    await new Promise<void>((done) => {
      let seen = -1;
      let lastMove = Date.now();
      const watchdog = setInterval(() => {
        const n = Atomics.load(counters, 0);
        if (n !== seen) {
          seen = n;
          lastMove = Date.now();
        } else if (Date.now() - lastMove > hangMs) {
          record(name, 'hang', `no new input for ${hangMs / 1000} s: this input does not finish`, current(), `seed ${data.seed}`);
          void worker.terminate();
        }
      }, 1000);
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'done') finished = true;
        else {
          inputs += m.inputs;
          if (m.failure) record(name, 'invariant', m.failure.message, m.failure.bytes, `seed ${m.failure.seed} path ${m.failure.path}`);
        }
      });
      worker.on('error', (e: Error & { code?: string }) => {
        const kind = e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : 'crash';
        record(name, kind, `${kind === 'memory' ? `heap over ${memoryMb} MB: ` : ''}${e.stack ?? e.message}`, current(), `seed ${data.seed}`);
      });
      worker.on('exit', () => {
        clearInterval(watchdog);
        if (!finished) inputs += Math.max(0, Atomics.load(counters, 0) - 1);
        done();
      });
    });
    if (finished) break;
    restart++;
  }
  return inputs;
}

process.stdout.write(
  `fuzzing ${targets.length} target(s), ${seconds} s each, seed ${seed}, input bound ${perInputMs} ms, hang after ${hangMs / 1000} s, heap ${memoryMb} MB\n`,
);
const rows: [string, number, number, number][] = [];
for (const t of targets) {
  process.stdout.write(`${t.name}: ${t.what}\n`);
  const started = Date.now();
  const inputs = await runTarget(t.name, started + seconds * 1000);
  const found = [...findings.values()].filter((f) => f.target === t.name).length;
  rows.push([t.name, inputs, (Date.now() - started) / 1000, found]);
  process.stdout.write(`  ${inputs} inputs in ${Math.round((Date.now() - started) / 1000)} s, ${found} finding(s)\n`);
}
process.stdout.write('\ntarget             inputs   seconds  inputs/s  findings\n');
for (const [name, inputs, secs, found] of rows) {
  process.stdout.write(`${name.padEnd(18)} ${String(inputs).padStart(8)} ${secs.toFixed(0).padStart(8)} ${String(Math.round(inputs / Math.max(secs, 1e-3))).padStart(9)} ${String(found).padStart(9)}\n`);
}
process.stdout.write(`${findings.size} finding(s)${findings.size > 0 ? ` saved in ${out}` : ''}; seed ${seed}\n`);
process.exitCode = findings.size > 0 ? 1 : 0;
