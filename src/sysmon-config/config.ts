// The pipeline YAML's `sysmon` part: which Sysmon configuration the hosts run, by host name
// pattern, for fleets that mix configurations. Each configuration is read and parsed when the
// pipeline is loaded, so a missing file or a bad line is reported against its key.
//
//   sysmon:
//     configs:
//       - hosts: ['WKS-*', 'LAPTOP-*']
//         config: sysmonconfig-export.xml     # a file (relative to the working folder) or a name
//       - hosts: ['*']
//         config: sysmon-modular

import { z } from 'zod';
import { SysmonConfigError } from './errors.js';
import { loadSysmonConfig, SYSMON_CONFIG_NAMES, type ResolvedSysmonConfig } from './registry.js';

function load(nameOrFile: string, ctx: z.RefinementCtx): ResolvedSysmonConfig {
  try {
    return loadSysmonConfig(nameOrFile);
  } catch (e) {
    const why = e instanceof SysmonConfigError ? e.message : (e as Error).message;
    ctx.addIssue({ code: 'custom', message: `expected a Sysmon configuration file or one of ${SYSMON_CONFIG_NAMES.join(', ')}: ${why}` });
    return z.NEVER;
  }
}

const hostPatterns = z
  .array(z.string({ error: 'expected a host name pattern like WKS-* (* any text, ? one character)' }).min(1, { error: 'expected a host name pattern like WKS-*' }), {
    error: 'expected a list of host name patterns like [WKS-*, SRV-*]',
  })
  .min(1, { error: 'expected at least one host name pattern' });

export const sysmonSchema = z
  .strictObject({
    configs: z
      .array(
        z.strictObject({
          hosts: hostPatterns,
          config: z.string({ error: 'expected a Sysmon configuration file or name' }).min(1, { error: 'expected a Sysmon configuration file or name' }).transform(load),
        }),
        { error: 'expected a list of {hosts, config} entries' },
      )
      .default([]),
  })
  .prefault({});

export type SysmonPipelineConfig = z.infer<typeof sysmonSchema>;
