// The preamble replay and tree share: load the pipeline YAML and expand the inputs into files,
// turning the user's mistakes (bad YAML, a bad --sysmon-config, missing path, empty folder) into
// one line to print.

import type { PipelineConfig } from '../pipeline/config.js';
import { expandPaths } from '../sources/files/expand-paths.js';
import { InputError } from '../sources/files/open-input.js';
import { prevalidatedPipeline } from './pipeline-cache.js';

export type PipelineInputs = { readonly config: PipelineConfig; readonly paths: string[] } | { readonly error: string };

/**
 * `sysmonConfig`: a --sysmon-config name or file, which then applies to every host. The YAML
 * parser, the schemas (zod) and the Sysmon configuration reader are loaded only when needed: a
 * shipped pipeline validated at build time (pipeline-cache.ts) and no --sysmon-config need none.
 */
export async function loadPipelineInputs(pipeline: string, inputs: readonly string[], sysmonConfig?: string): Promise<PipelineInputs> {
  let config: PipelineConfig;
  let paths: string[];
  try {
    const cached = await prevalidatedPipeline(pipeline);
    if (cached !== null && sysmonConfig === undefined) {
      config = cached;
    } else {
      const { loadPipeline, withSysmonConfig } = await import('../pipeline/config.js');
      config = cached ?? (await loadPipeline(pipeline));
      if (sysmonConfig !== undefined) {
        const { loadSysmonConfig } = await import('../sysmon-config/registry.js');
        config = withSysmonConfig(config, loadSysmonConfig(sysmonConfig));
      }
    }
    paths = await expandPaths(inputs);
  } catch (e) {
    if (e instanceof InputError) return { error: e.message };
    if (e instanceof Error && e.name === 'ConfigError') return { error: e.message };
    if (e instanceof Error && e.name === 'SysmonConfigError') return { error: `--sysmon-config ${e.message}` };
    throw e;
  }
  if (paths.length === 0) return { error: `no event files found in ${inputs.join(', ')}` };
  return { config, paths };
}
