// Shared helpers for the benchmark scripts: timing, a GC before heap readings, and the table.

export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error('run the benchmarks with node --expose-gc (npm run bench does)');
  g();
  g();
}

export function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/**
 * Wall and CPU seconds of `fn`. The figures quoted are per CPU-second of this (single-threaded)
 * process, i.e. per core: on a shared machine wall time also counts time spent waiting for a core.
 */
export async function timed<T>(fn: () => T | Promise<T>): Promise<{ value: T; wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const value = await fn();
  const wall = seconds(t0);
  const c = process.cpuUsage(c0);
  return { value, wall, cpu: (c.user + c.system) / 1e6 };
}

export function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function row(name: string, value: string, note = ''): void {
  console.log(`${name.padEnd(46)} ${value.padStart(18)}  ${note}`);
}

export const CORPUS_EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
export const CORPUS_HOSTS = Number(process.env.BENCH_HOSTS ?? 50);
