// The file source: every input file, framed and decoded into batches of typed events. One batch
// per input chunk (~1 MiB, a few hundred to a few thousand events), so backpressure is per chunk.

import type { DecodeCounters } from '../../decode/counters.js';
import { SysmonDecoder } from '../../decode/decoder.js';
import { SysmonEvent } from '../../decode/event.js';
import { snippet, type DecodeReason } from '../../decode/problem.js';
import type { ErrorRecord, EventBatch } from '../batch.js';
import { LineFramer, type LineSink } from './line-framer.js';
import { openInput, type OpenedInput } from './open-input.js';
import { XmlEventFramer, type FrameSink } from './xml-framer.js';

export interface FileSourceOptions {
  counters: DecodeCounters;
  maxEventBytes: number;
  /** Called when a file is opened, with its size on disk (for progress). */
  onFile?: (path: string, size: number) => void;
  /** Reads a file the XML/JSON framers do not handle (EVTX). */
  readBinary?: (input: OpenedInput, counters: DecodeCounters) => AsyncIterable<EventBatch>;
}

/** Collects one chunk's events and errors; both framers' sinks. */
class BatchCollector implements FrameSink, LineSink {
  events: SysmonEvent[] = [];
  errors: ErrorRecord[] = [];
  constructor(
    private readonly decoder: SysmonDecoder,
    private readonly source: string,
  ) {}

  take(bytes: number): EventBatch {
    const b = { events: this.events, errors: this.errors, bytes };
    this.events = [];
    this.errors = [];
    return b;
  }

  chunk(s: string, buf: Buffer): void {
    this.decoder.beginChunk(s, buf);
  }

  event(s: string, a: number, b: number, buf: Buffer, fileOffset: number): void {
    const r = this.decoder.decodeRange(s, a, b, buf);
    if (r === null) return;
    if (r instanceof SysmonEvent) this.events.push(r);
    else this.error(r.reason, r.message, { offset: fileOffset + a, snippet: snippet(buf.toString('utf8', a, Math.min(b, a + 400))) });
  }

  line(text: string, line: number): void {
    const r = this.decoder.decodeJson(text);
    if (r === null) return;
    if (r instanceof SysmonEvent) this.events.push(r);
    else this.error(r.reason, r.message, { line, snippet: snippet(text) });
  }

  oversized(line: number, head: string): void {
    this.error('oversized-event', 'line is larger than max_event_bytes; skipped', { line, snippet: snippet(head) });
  }

  /** Problems of the gzip container found so far, in order. */
  inputProblems(input: OpenedInput): void {
    for (const p of input.problems.splice(0)) this.error(p.reason, p.message, { offset: p.offset, compressedOffset: p.compressedOffset, snippet: '' });
  }

  error(
    reason: DecodeReason,
    message: string,
    offset: number | { offset?: number; compressedOffset?: number; line?: number; snippet: string },
    snip?: string,
  ): void {
    const where = typeof offset === 'number' ? { offset, snippet: snip ?? '' } : offset;
    this.decoder.counters.countError(reason);
    this.errors.push({ reason, message, source: this.source, ...where });
  }
}

/** Events of one opened XML or JSON-lines input. */
export async function* readTextInput(input: OpenedInput, options: FileSourceOptions): AsyncGenerator<EventBatch> {
  const decoder = new SysmonDecoder(options.counters);
  const collector = new BatchCollector(decoder, input.path);
  let consumed = 0;
  const progress = (): number => {
    const now = input.bytesRead;
    const d = now - consumed;
    consumed = now;
    return d;
  };
  // A gzip problem that skipped a damaged stretch ends the event in progress (it cannot be
  // completed by bytes from after the stretch) before the problem is recorded.
  const framer = input.format === 'jsonl' ? new LineFramer(options.maxEventBytes) : new XmlEventFramer(options.maxEventBytes);
  for await (const chunk of input.chunks) {
    if (input.problems.length > 0 && input.problems.some((p) => p.discontinuity)) framer.gap(collector);
    collector.inputProblems(input);
    framer.push(chunk, collector);
    yield collector.take(progress());
  }
  framer.end(collector);
  collector.inputProblems(input);
  yield collector.take(progress());
}

/** Every event of every input, in order. */
export async function* readFiles(paths: readonly string[], options: FileSourceOptions): AsyncGenerator<EventBatch> {
  for (const path of paths) {
    const input = await openInput(path);
    options.onFile?.(path, input.size);
    if (input.format === 'evtx') {
      if (options.readBinary === undefined) {
        options.counters.countError('unreadable-input');
        yield { events: [], errors: [{ reason: 'unreadable-input', message: 'EVTX input needs the EVTX reader', source: path, snippet: '' }], bytes: input.size };
        continue;
      }
      yield* options.readBinary(input, options.counters);
      if (input.problems.length > 0) {
        const collector = new BatchCollector(new SysmonDecoder(options.counters), path);
        collector.inputProblems(input);
        yield collector.take(0);
      }
      continue;
    }
    yield* readTextInput(input, options);
  }
}
