// CPU seconds of every thread of a process, for `node --import ./build-bench/bench/thread-cpu.js
// bin/proctree.js replay ...`: sampled from /proc/self/task/*/stat every 50 ms (worker threads
// end before the process does) and printed on stderr at exit, as "thread:CPU-s" with threads
// numbered from the main thread (0; V8's GC helpers come next, worker threads last). Linux only.
// It says what two free cores would give whatever the machine's load: the main thread's share
// against the sum.

import { readdirSync, readFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const HZ = 100; // clock ticks per second of /proc's utime and stime

if (isMainThread) {
  const started = process.hrtime.bigint();
  const cpu = new Map<number, number>();
  const sample = (): void => {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'latin1');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        cpu.set(Number(tid), (Number(f[11]) + Number(f[12])) / HZ);
      } catch {
        // the thread ended between the listing and the read: its last sample stands
      }
    }
  };
  setInterval(sample, 50).unref();
  process.on('exit', () => {
    sample();
    const threads = [...cpu].filter(([, s]) => s >= 0.02).sort((a, b) => a[0] - b[0]);
    const wall = Number(process.hrtime.bigint() - started) / 1e9;
    const u = process.resourceUsage();
    const total = (u.userCPUTime + u.systemCPUTime) / 1e6;
    process.stderr.write(`thread CPU: wall ${wall.toFixed(2)} s, CPU ${total.toFixed(2)} s; ${threads.map(([t, s]) => `${t - process.pid}:${s.toFixed(2)}`).join(' ')}\n`);
  });
}
