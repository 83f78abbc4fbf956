// The shipped pipelines validated at build time (dist/pipelines/, src/cli/pipeline-cache.ts):
// the cached config is the one loadPipeline makes of the YAML, a changed file is validated again,
// and a replay that uses the cache loads neither the YAML parser nor zod.

import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadPipeline } from '../src/pipeline/config.js';
import { REPO_ROOT, runCli } from './helpers/cli.js';

const CACHE = resolve(REPO_ROOT, 'dist', 'pipelines', 'replay.json');
const built = existsSync(CACHE);

describe.skipIf(!built)('pipelines validated at build time', () => {
  const pipeline = resolve(REPO_ROOT, 'pipelines', 'replay.yaml');
  const cached = async (file: string): Promise<unknown> => {
    const m = (await import(pathToFileURL(resolve(REPO_ROOT, 'dist', 'cli', 'pipeline-cache.js')).href)) as { prevalidatedPipeline(f: string): Promise<unknown> };
    return m.prevalidatedPipeline(file);
  };

  it('the cached config of pipelines/replay.yaml is what loadPipeline makes of it', async () => {
    expect(await cached(pipeline)).toEqual(await loadPipeline(pipeline));
  });

  it('a file with the same text anywhere uses it; a changed one, or another name, does not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proctree-pcache-'));
    copyFileSync(pipeline, join(dir, 'replay.yaml'));
    expect(await cached(join(dir, 'replay.yaml'))).toEqual(await loadPipeline(pipeline));
    writeFileSync(join(dir, 'replay.yaml'), readFileSync(pipeline, 'utf8').replace('child_exit_secs: 30', 'child_exit_secs: 31'));
    expect(await cached(join(dir, 'replay.yaml'))).toBeNull();
    copyFileSync(pipeline, join(dir, 'other.yaml'));
    expect(await cached(join(dir, 'other.yaml'))).toBeNull();
    expect(await cached(join(dir, 'missing.yaml'))).toBeNull();
  });

  it('a replay with a changed pipeline reads the change; a bad one is still reported', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proctree-pcache-'));
    const changed = join(dir, 'replay.yaml');
    writeFileSync(changed, readFileSync(pipeline, 'utf8').replace('max_event_bytes: 1048576', 'max_event_bytes: -5'));
    const r = runCli(['replay', 'samples/rule-smss-path.xml', '-p', changed, '-q']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('decode.max_event_bytes');
  });
});
