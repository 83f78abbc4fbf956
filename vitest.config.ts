import { defineConfig } from 'vitest/config';

// Two projects so that only the Kafka integration tests pay for starting a broker: vitest runs a
// project's globalSetup only when one of its tests is queued.
const KAFKA_TESTS = 'test/kafka/**/*.test.ts';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: [KAFKA_TESTS] },
      },
      {
        extends: true,
        test: {
          name: 'kafka',
          include: [KAFKA_TESTS],
          globalSetup: ['test/kafka/global-setup.ts'],
          testTimeout: 60_000,
        },
      },
    ],
  },
});
