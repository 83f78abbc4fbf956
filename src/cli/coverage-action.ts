// The work of `proctree coverage`, loaded only when the command runs.

import { ConfigError, loadPipeline } from '../pipeline/config.js';
import { baselineRuleNeeds, coverageJson, coverageOf, formatCoverageText, loadSysmonConfig, SysmonConfigError } from '../sysmon-config/index.js';
import { EXIT_FATAL, EXIT_OK } from './exit-codes.js';
import type { CoverageCliOptions } from './coverage.js';

export async function runCoverageCli(nameOrFile: string, opts: CoverageCliOptions): Promise<number> {
  let resolved;
  try {
    resolved = loadSysmonConfig(nameOrFile);
  } catch (e) {
    if (e instanceof SysmonConfigError) {
      process.stderr.write(`proctree coverage: ${e.message}\n`);
      return EXIT_FATAL;
    }
    throw e;
  }
  let pipeline;
  try {
    pipeline = await loadPipeline(opts.pipeline);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`proctree coverage: ${e.message}\n`);
      return EXIT_FATAL;
    }
    throw e;
  }
  const report = coverageOf(resolved.config, resolved.text, undefined, baselineRuleNeeds(pipeline.rules.baselines));
  const shown = resolved.file ?? resolved.source;
  process.stdout.write(opts.json === true ? JSON.stringify(coverageJson(report, shown), null, 2) + '\n' : formatCoverageText(report, shown));
  return EXIT_OK;
}
