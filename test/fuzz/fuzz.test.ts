// The seeded short run of every fuzz target (a few seconds each; FUZZ_SHORT_MS, FUZZ_SEED).
// The long run is `npm run fuzz` (run.ts); docs/fuzzing.md says how to read and replay findings.

import { mkdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuzzOnce } from './harness.js';
import { REPO_ROOT } from './seeds.js';
import { TARGETS } from './targets.js';

const SHORT_MS = Number(process.env.FUZZ_SHORT_MS ?? 3000);
const SEED = Number(process.env.FUZZ_SEED ?? 14);

describe('fuzz targets, seeded short run', () => {
  for (const target of TARGETS) {
    it(`${target.name}: ${target.what}`, async () => {
      const r = await fuzzOnce(target, { seed: SEED, timeLimitMs: SHORT_MS, perInputMs: 5000 });
      process.stderr.write(`fuzz ${target.name}: ${r.inputs} inputs in ${SHORT_MS / 1000} s (seed ${SEED})\n`);
      if (r.failure) {
        const dir = join(REPO_ROOT, 'fuzz-findings');
        mkdirSync(dir, { recursive: true });
        const file = join(dir, `${target.name}-${createHash('sha256').update(r.failure.bytes).digest('hex').slice(0, 12)}.bin`);
        writeFileSync(file, r.failure.bytes);
        expect.fail(`${target.name}: ${r.failure.message}\ninput saved to ${file} (seed ${r.failure.seed}, path ${r.failure.path})`);
      }
      expect(r.inputs).toBeGreaterThan(0);
    }, SHORT_MS + 90_000);
  }
});
