// Pipeline YAML: schema, defaults and loading. The schema is the one source of truth for keys,
// defaults and validation; every error names its key, and all of them are reported at once.

import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { kafkaSinkSchema, kafkaSourceSchema, metricsSchema } from '../kafka/config.js';

export const SMSS_RULE_IDS = [
  'smss.path',
  'smss.parent',
  'smss.user',
  'smss.child-no-exit',
  'smss.instances',
  'smss.unexpected-child',
  'smss.subsystems-registry',
] as const;
export type SmssRuleId = (typeof SMSS_RULE_IDS)[number];

const positive = (what: string) => z.number({ error: `expected ${what}` }).positive({ error: `expected ${what}` });
const nonNegative = (what: string) => z.number({ error: `expected ${what}` }).nonnegative({ error: `expected ${what}` });
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

const smssRules = z
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

const filesSource = z.strictObject({ kind: z.literal('files') });

export const pipelineSchema = z.strictObject({
  source: z
    .discriminatedUnion('kind', [filesSource, kafkaSourceSchema], { error: 'expected kind files or kafka' })
    .prefault({ kind: 'files' }),
  decode: z
    .strictObject({
      max_event_bytes: z.number().int().min(1024, { error: 'expected a whole number of bytes >= 1024' }).default(1 << 20),
    })
    .prefault({}),
  index: z
    .strictObject({
      allowed_lateness_secs: nonNegative('a number of seconds >= 0').default(10),
      retention_secs: nonNegative('a number of seconds >= 0').default(600),
      time_jump_secs: positive('a positive number of seconds').default(3600),
      max_nodes_per_host: z.number().int().min(100, { error: 'expected a whole number >= 100' }).default(200_000),
    })
    .prefault({}),
  rules: z.strictObject({ smss: smssRules }).prefault({}),
  sink: z.preprocess(
    // `kind` may be left out for the default jsonl sink.
    (v) => (v !== null && typeof v === 'object' && !('kind' in v) ? { ...v, kind: 'jsonl' } : v),
    z.discriminatedUnion(
      'kind',
      [
        z.strictObject({
          kind: z.literal('jsonl'),
          format: z.enum(['native', 'ecs'], { error: 'expected native or ecs' }).default('native'),
        }),
        kafkaSinkSchema,
      ],
      { error: 'expected kind jsonl or kafka' },
    ),
  ).prefault({}),
  metrics: metricsSchema,
});

export type PipelineConfig = z.infer<typeof pipelineSchema>;
export type SmssRulesConfig = PipelineConfig['rules']['smss'];
export type IndexConfig = PipelineConfig['index'];

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(problems.map((p) => `${file}: ${p}`).join('\n'));
    this.name = 'ConfigError';
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** A key as the user wrote it, quoted when it is not a plain name (a YAML complex key can hold line breaks). */
function keyName(k: PropertyKey): string {
  const s = String(k);
  return /^[A-Za-z0-9_-]+$/.test(s) ? s : JSON.stringify(s);
}

/** The bad value in an error line: JSON, cut short, and never a throw (YAML aliases can make a value contain itself). */
function shownValue(got: unknown): string {
  if (got === undefined) return 'nothing';
  let s: string;
  try {
    s = JSON.stringify(got) ?? String(got);
  } catch {
    return 'a value that contains itself (a YAML alias to its own anchor)';
  }
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

/** Validate a parsed YAML/JSON value; throws ConfigError naming every bad key. */
export function parsePipeline(raw: unknown, file = '<pipeline>'): PipelineConfig {
  const r = pipelineSchema.safeParse(raw ?? {});
  if (r.success) return Object.freeze(r.data) as PipelineConfig;
  const problems = r.error.issues.map((issue) => {
    const key = issue.path.map(keyName).join('.');
    if (issue.code === 'unrecognized_keys') {
      const prefix = key === '' ? '' : `${key}.`;
      return issue.keys.map((k) => `${prefix}${keyName(k)}: unknown key`).join('; ');
    }
    // A value written where a secret would go is never echoed.
    const secret = issue.path.some((k) => /password/i.test(String(k)));
    return `${key || '(top level)'}: ${issue.message}${secret ? '' : `, got ${shownValue(valueAt(raw, issue.path))}`}`;
  });
  throw new ConfigError(file, problems);
}

/** Read and validate a pipeline YAML file. */
export async function loadPipeline(file: string): Promise<PipelineConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [`cannot read the pipeline file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`]);
  }
  // logLevel error: a complex key is reported as an unknown key, not also as a process warning on stderr.
  const doc = parseDocument(text, { logLevel: 'error' });
  if (doc.errors.length > 0) {
    throw new ConfigError(file, doc.errors.map((e) => `YAML syntax: ${e.message.split('\n')[0]}`));
  }
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (e) {
    // An alias without its anchor, or too many aliases (a "billion laughs" document), is found here.
    throw new ConfigError(file, [`YAML: ${(e as Error).message.split('\n')[0]}`]);
  }
  return parsePipeline(raw, file);
}
