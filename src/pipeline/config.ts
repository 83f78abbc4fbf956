// Pipeline YAML: schema, defaults and loading. The schema is the one source of truth for keys,
// defaults and validation; every error names its key, and all of them are reported at once.

import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { decodeSchema } from '../decode/config.js';
import { indexSchema } from '../index/config.js';
import { metricsSchema } from '../metrics/config.js';
import { smssRulesSchema } from '../rules/smss/config.js';
import { baselinesSchema } from '../rules/baseline/config.js';
import { jsonlSinkSchema } from '../sinks/jsonl/config.js';
import { kafkaSinkSchema } from '../sinks/kafka/config.js';
import { filesSourceSchema } from '../sources/files/config.js';
import { kafkaSourceSchema } from '../sources/kafka/config.js';
import { sysmonSchema } from '../sysmon-config/config.js';
import type { ResolvedSysmonConfig } from '../sysmon-config/registry.js';

/** The whole pipeline YAML: each part declares its own keys, this composes them. */
export const pipelineSchema = z.strictObject({
  source: z
    .discriminatedUnion('kind', [filesSourceSchema, kafkaSourceSchema], { error: 'expected kind files or kafka' })
    .prefault({ kind: 'files' }),
  decode: decodeSchema,
  index: indexSchema,
  rules: z.strictObject({ smss: smssRulesSchema, baselines: baselinesSchema }).prefault({}),
  sysmon: sysmonSchema,
  sink: z.preprocess(
    // `kind` may be left out for the default jsonl sink.
    (v) => (v !== null && typeof v === 'object' && !('kind' in v) ? { ...v, kind: 'jsonl' } : v),
    z.discriminatedUnion('kind', [jsonlSinkSchema, kafkaSinkSchema], { error: 'expected kind jsonl or kafka' }),
  ).prefault({}),
  metrics: metricsSchema,
});

export type PipelineConfig = z.infer<typeof pipelineSchema>;

/** Problems listed one by one; past this many, a count (a mangled file can have one per line). */
const MAX_PROBLEMS = 50;

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    const shown = problems.length > MAX_PROBLEMS ? [...problems.slice(0, MAX_PROBLEMS), `… and ${problems.length - MAX_PROBLEMS} more problems`] : problems;
    super(shown.map((p) => `${file}: ${p}`).join('\n'));
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

/** The pipeline with `config` as every host's Sysmon configuration, ahead of its own sysmon.configs (replay --sysmon-config). */
export function withSysmonConfig(pipeline: PipelineConfig, config: ResolvedSysmonConfig): PipelineConfig {
  return Object.freeze({ ...pipeline, sysmon: { configs: [{ hosts: ['*'], config }, ...pipeline.sysmon.configs] } });
}
