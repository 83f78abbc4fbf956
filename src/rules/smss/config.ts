// The smss rule set's part of the pipeline YAML (`rules.smss`): which rules run and their
// thresholds and baselines. The pipeline schema composes it; rule code reads only the type.

import { z } from 'zod';
import { positive } from '../../util/schema.js';

import { SMSS_RULE_IDS } from './ids.js';

export { SMSS_RULE_IDS, type SmssRuleId } from './ids.js';

const fileName = z.string().regex(/^[^\\/]+$/, { error: 'expected a file name without a folder, like csrss.exe' });

export const DEFAULT_BASELINE_VALUES: Record<string, string[]> = {
  'Subsystems\\Debug': [''],
  'Subsystems\\Kmode': ['\\SystemRoot\\System32\\win32k.sys'],
  'Subsystems\\Optional': [''],
  'Subsystems\\Required': ['Debug Windows'],
  'Subsystems\\Windows': ['glob:%SystemRoot%\\system32\\csrss.exe ObjectDirectory=\\Windows SharedSection=* Windows=On SubSystemType=Windows ServerDll=basesrv,1 ServerDll=winsrv:UserServerDllInitialization,3 ServerDll=sxssrv,4 ProfileControl=Off MaxRequestThreads=16'],
  BootExecute: ['autocheck autochk *'],
  SetupExecute: [''],
  Execute: [''],
  S0InitialCommand: [''],
};

export const smssRulesSchema = z
  .strictObject({
    enabled: z.array(z.enum(SMSS_RULE_IDS, { error: `expected one of ${SMSS_RULE_IDS.join(', ')}` })).default([...SMSS_RULE_IDS]),
    system_root: z.string().regex(/^[A-Za-z]:\\[^\\]/, { error: 'expected a Windows folder like C:\\Windows' }).default('C:\\Windows'),
    child_exit_secs: positive('a positive number of seconds').default(30),
    max_live: z.number().int({ error: 'expected a whole number >= 1' }).min(1, { error: 'expected a whole number >= 1' }).default(1),
    reboot_check_secs: positive('a positive number of seconds').default(120),
    allowed_children: z.array(fileName).default(['smss.exe', 'csrss.exe', 'wininit.exe', 'winlogon.exe']),
    master_only_children: z.array(fileName).default(['autochk.exe']),
    baseline_values: z.record(z.string(), z.array(z.string({ error: 'expected a list of strings' }))).default(DEFAULT_BASELINE_VALUES),
  })
  .prefault({});

export type SmssRulesConfig = z.infer<typeof smssRulesSchema>;
