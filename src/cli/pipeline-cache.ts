// The pipelines shipped in pipelines/, validated when the package is built: `npm run build`
// (scripts/build-pipeline-cache.mjs) writes each one's YAML text and validated config to
// dist/pipelines/NAME.json. A run whose pipeline file holds exactly that text takes the config
// from there and loads neither the YAML parser nor zod (together ~0.2 CPU-s of a replay's
// start-up); any other pipeline, or a changed one, is read and validated as always.

import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { PipelineConfig } from '../pipeline/config.js';

interface CachedPipeline {
  text: string;
  config: PipelineConfig;
}

/**
 * The config of the pipeline file when its text is that of a pipeline validated at build time,
 * else null (also when anything cannot be read: the caller's full path reports it). Only from
 * dist/: the cache sits beside the compiled CLI (dist/pipelines/), never beside src/.
 */
export async function prevalidatedPipeline(file: string): Promise<PipelineConfig | null> {
  const name = basename(file);
  if (!name.endsWith('.yaml')) return null;
  const cacheUrl = new URL(`../pipelines/${name.slice(0, -'.yaml'.length)}.json`, import.meta.url);
  if (!cacheUrl.pathname.includes('/dist/pipelines/')) return null;
  try {
    const [text, cached] = await Promise.all([readFile(file, 'utf8'), readFile(cacheUrl, 'utf8')]);
    const c = JSON.parse(cached) as CachedPipeline;
    return c.text === text ? (Object.freeze(c.config) as PipelineConfig) : null;
  } catch {
    return null;
  }
}
