// The preamble replay and tree share: load the pipeline YAML and expand the inputs into files,
// turning the user's mistakes (bad YAML, missing path, empty folder) into one line to print.

import { ConfigError, loadPipeline, type PipelineConfig } from '../pipeline/config.js';
import { expandPaths } from '../sources/files/expand-paths.js';
import { InputError } from '../sources/files/open-input.js';

export type PipelineInputs = { readonly config: PipelineConfig; readonly paths: string[] } | { readonly error: string };

export async function loadPipelineInputs(pipeline: string, inputs: readonly string[]): Promise<PipelineInputs> {
  let config: PipelineConfig;
  let paths: string[];
  try {
    config = await loadPipeline(pipeline);
    paths = await expandPaths(inputs);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof InputError) return { error: e.message };
    throw e;
  }
  if (paths.length === 0) return { error: `no event files found in ${inputs.join(', ')}` };
  return { config, paths };
}
