// Source -> decode only: the typed events and error records of files, batch by batch, for tools
// that want events without trees or rules (tests, benchmarks).

import { BatchDecoder } from '../decode/batch-decoder.js';
import type { SysmonEvent } from '../decode/event.js';
import { batchErrors, type ErrorRecord } from '../sources/batch.js';
import { readFiles, type FileSourceOptions } from '../sources/files/read-files.js';

export async function* readEvents(
  paths: readonly string[],
  options: FileSourceOptions,
): AsyncGenerator<{ events: SysmonEvent[]; errors: ErrorRecord[]; bytes: number }> {
  const decoder = new BatchDecoder(options.counters);
  for await (const batch of readFiles(paths, options)) {
    const d = decoder.decode(batch.records);
    yield { events: d.events, errors: batchErrors(batch, d.problems), bytes: batch.bytes };
  }
}
