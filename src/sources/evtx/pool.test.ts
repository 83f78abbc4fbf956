import { describe, expect, it, vi } from 'vitest';

const cores = vi.hoisted(() => ({ n: 2 }));
vi.mock('node:os', async (actual) => ({ ...(await actual<typeof import('node:os')>()), availableParallelism: () => cores.n }));

const { defaultParserThreads } = await import('./pool.js');

describe('defaultParserThreads', () => {
  it('two parser threads for a large file where four cores are available, else inline', () => {
    cores.n = 4;
    expect(defaultParserThreads(128 << 20)).toBe(2);
    expect(defaultParserThreads(1 << 20)).toBe(1); // the workers' start-up would cost more than they save
    expect(defaultParserThreads(0)).toBe(1); // size unknown (a stream)
    cores.n = 2; // measured a loss on two free cores
    expect(defaultParserThreads(128 << 20)).toBe(1);
    cores.n = 1;
    expect(defaultParserThreads(128 << 20)).toBe(1);
  });
});
