// Validates the shipped pipelines (pipelines/*.yaml) once, at build time, into
// dist/pipelines/NAME.json ({ text, config }): a run whose pipeline file holds exactly that text
// skips the YAML parser and zod (src/cli/pipeline-cache.ts). Run by `npm run build` after tsc.
// A pipeline that does not validate, or whose config is not plain JSON data (a sysmon.configs
// entry holds a loaded configuration), is left out and is validated at run time as before.

import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';

const root = new URL('../', import.meta.url);
const out = new URL('dist/pipelines/', root);
const { loadPipeline } = await import(new URL('dist/pipeline/config.js', root).href);

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
for (const name of (await readdir(new URL('pipelines/', root))).filter((n) => n.endsWith('.yaml')).sort()) {
  const file = new URL(`pipelines/${name}`, root);
  let config;
  try {
    config = await loadPipeline(file.pathname);
  } catch {
    continue;
  }
  const json = JSON.stringify(config);
  if (!isDeepStrictEqual(JSON.parse(json), config)) continue;
  const text = await readFile(file, 'utf8');
  await writeFile(new URL(`${name.slice(0, -'.yaml'.length)}.json`, out), JSON.stringify({ text, config }) + '\n');
}
