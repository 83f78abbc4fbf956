// Reading label and alert files (JSON lines) into detections. Alerts may be in the native
// layout (docs/alerts.md) or the ECS layout (--format ecs).

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Detection } from './score.js';

export class ScoreInputError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
    this.name = 'ScoreInputError';
  }
}

type Obj = Record<string, unknown>;

function get(o: unknown, path: string): unknown {
  let v = o;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    const rec = v as Obj;
    // ECS writers use nested objects or dotted keys; accept both.
    v = k in rec ? rec[k] : undefined;
  }
  if (v === undefined && o !== null && typeof o === 'object') return (o as Obj)[path];
  return v;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A label line: {"host","rule","processGuid","time"}, with "sysmonConfig" and "invisible" from generate --sysmon-config. */
export function labelFrom(o: unknown): Detection | string {
  const host = str(get(o, 'host'));
  const rule = str(get(o, 'rule'));
  const processGuid = str(get(o, 'processGuid'));
  const time = str(get(o, 'time'));
  if (host === undefined || rule === undefined || processGuid === undefined || time === undefined) {
    return 'expected a label {"host","rule","processGuid","time"} with string values';
  }
  const d: Detection = { host, rule, processGuid, time };
  const config = str(get(o, 'sysmonConfig'));
  if (config !== undefined) d.sysmonConfig = config;
  if (get(o, 'invisible') === true) d.invisible = true;
  return d;
}

/** A host line of a labels file (generate --sysmon-config): {"host","sysmonConfig"}, no rule. */
export function hostConfigFrom(o: unknown): { host: string; sysmonConfig: string } | null {
  const host = str(get(o, 'host'));
  const config = str(get(o, 'sysmonConfig'));
  return host !== undefined && config !== undefined && get(o, 'rule') === undefined ? { host, sysmonConfig: config } : null;
}

/** A labels file: its labels, and the hosts' Sysmon configurations from its host lines. */
export async function readLabels(file: string): Promise<{ labels: Detection[]; hostConfigs: Map<string, string> }> {
  const hostConfigs = new Map<string, string>();
  const labels = await readDetections(file, (o) => {
    const h = hostConfigFrom(o);
    if (h === null) return labelFrom(o);
    hostConfigs.set(h.host, h.sysmonConfig);
    return null;
  });
  return { labels, hostConfigs };
}

/** An alert line, native (rule, host, time, process.guid) or ECS (rule.id, host.name, @timestamp, process.entity_id). */
export function alertFrom(o: unknown): Detection | string {
  const native = typeof get(o, 'rule') === 'string';
  const rule = str(native ? get(o, 'rule') : get(o, 'rule.id'));
  const host = str(native ? get(o, 'host') : get(o, 'host.name'));
  const time = str(native ? get(o, 'time') : get(o, '@timestamp'));
  const processGuid = str(native ? get(o, 'process.guid') : get(o, 'process.entity_id'));
  if (host === undefined || rule === undefined || processGuid === undefined || time === undefined) {
    return 'expected an alert with rule, host, time and process.guid (or the ECS rule.id, host.name, @timestamp, process.entity_id)';
  }
  return { host, rule, processGuid, time };
}

/** `parse` gives a detection, an error message, or null for a line that is no detection (a labels file's host line). */
export async function readDetections(file: string, parse: (o: unknown) => Detection | string | null): Promise<Detection[]> {
  const out: Detection[] = [];
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line.trim() === '') continue;
      let o: unknown;
      try {
        o = JSON.parse(line);
      } catch (e) {
        throw new ScoreInputError(file, n, `not JSON (${(e as Error).message})`);
      }
      const d = parse(o);
      if (typeof d === 'string') throw new ScoreInputError(file, n, d);
      if (d !== null) out.push(d);
    }
  } catch (e) {
    if (e instanceof ScoreInputError) throw e;
    throw new ScoreInputError(file, n, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return out;
}
