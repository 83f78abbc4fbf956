// Runs events through the engine in-process: XML strings through decode -> index -> rules, or
// typed events straight into index -> rules, for rule and index tests.

import type { Alert } from '../../src/alerts/alert.js';
import { DecodeCounters } from '../../src/decode/counters.js';
import { SysmonDecoder } from '../../src/decode/decoder.js';
import { SysmonEvent } from '../../src/decode/event.js';
import { parsePipeline } from '../../src/pipeline/config.js';
import { Engine } from '../../src/engine/engine.js';

export function decodeAll(xml: readonly string[]): SysmonEvent[] {
  const d = new SysmonDecoder(new DecodeCounters());
  const out: SysmonEvent[] = [];
  for (const x of xml) {
    const e = d.decodeXml(x);
    if (e === null) continue; // an EventID no rule reads
    if (!(e instanceof SysmonEvent)) throw new Error(`test event did not decode: ${JSON.stringify(e)}`);
    out.push(e);
  }
  return out;
}

export function runEngine(xml: readonly string[], config: unknown = {}, batchSize = 1000): { alerts: Alert[]; engine: Engine } {
  return runEvents(decodeAll(xml), config, batchSize);
}

/** Typed events straight into the engine (index + rules), no decoder: for the rules' unit tests. */
export function runEvents(events: readonly SysmonEvent[], config: unknown = {}, batchSize = 1000): { alerts: Alert[]; engine: Engine } {
  const engine = new Engine(parsePipeline(config));
  const alerts: Alert[] = [];
  for (let i = 0; i < events.length; i += batchSize) engine.process(events.slice(i, i + batchSize), alerts);
  engine.finish(alerts);
  return { alerts, engine };
}

/** All events in one batch: the reference the Kafka tests compare their output with. */
export function replayXml(xml: readonly string[], config: unknown = {}): Alert[] {
  return runEngine(xml, config, Number.MAX_SAFE_INTEGER).alerts;
}
