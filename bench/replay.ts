// End-to-end replay from a file: read, frame, decode, index, rules, (discarding) sink.

import { statSync } from 'node:fs';
import type { Alert } from '../src/alerts/alert.js';
import { parsePipeline } from '../src/pipeline/config.js';
import { replay } from '../src/pipeline/replay.js';
import { buildCorpus } from './corpus.js';
import { CORPUS_EVENTS, CORPUS_HOSTS, fmt, row, timed } from './util.js';

export async function benchReplay(): Promise<{ eps: number }> {
  const path = await buildCorpus(CORPUS_EVENTS, CORPUS_HOSTS);
  const size = statSync(path).size;
  const sink = { alerts: 0, async write(a: readonly Alert[]) { this.alerts += a.length; } };
  await replay({ paths: [path], config: parsePipeline({}), sink }); // warm-up (and page cache)
  const { value, cpu, wall } = await timed(() => replay({ paths: [path], config: parsePipeline({}), sink }));
  const { stats } = value;
  const eps = stats.events / cpu;
  row('end-to-end replay from a file', `${fmt(eps)} ev/s`, `${fmt(size / 1e6 / cpu)} MB/s; wall ${fmt(stats.events / wall)} ev/s; ${stats.events} events, ${stats.alerts.total} alerts, ${stats.decodeErrors.total} errors`);
  return { eps };
}
