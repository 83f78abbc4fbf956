// The preamble replay and tree share: load the pipeline YAML and expand the inputs into files,
// turning the user's mistakes (bad YAML, a bad --sysmon-config, missing path, empty folder) into
// one line to print.

import { ConfigError, loadPipeline, withSysmonConfig, type PipelineConfig } from '../pipeline/config.js';
import { SysmonConfigError } from '../sysmon-config/errors.js';
import { loadSysmonConfig } from '../sysmon-config/registry.js';
import { expandPaths } from '../sources/files/expand-paths.js';
import { InputError } from '../sources/files/open-input.js';

export type PipelineInputs = { readonly config: PipelineConfig; readonly paths: string[] } | { readonly error: string };

/** `sysmonConfig`: a --sysmon-config name or file, which then applies to every host. */
export async function loadPipelineInputs(pipeline: string, inputs: readonly string[], sysmonConfig?: string): Promise<PipelineInputs> {
  let config: PipelineConfig;
  let paths: string[];
  try {
    config = await loadPipeline(pipeline);
    if (sysmonConfig !== undefined) config = withSysmonConfig(config, loadSysmonConfig(sysmonConfig));
    paths = await expandPaths(inputs);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof InputError) return { error: e.message };
    if (e instanceof SysmonConfigError) return { error: `--sysmon-config ${e.message}` };
    throw e;
  }
  if (paths.length === 0) return { error: `no event files found in ${inputs.join(', ')}` };
  return { config, paths };
}
