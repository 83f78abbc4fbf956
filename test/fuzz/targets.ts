// The fuzz targets: one per input path, each an arbitrary of inputs (seeds mutated) and a check
// that runs the input through the real code and throws when an invariant breaks:
// - no crash: no exception escapes; bad input becomes an error record, a DecodeProblem, a dead
//   letter or a ConfigError;
// - what comes out is well-formed (events, error records, dead letters, counters that agree);
// - every valid event around a bad one still comes out (the sandwich targets);
// - no hang and bounded memory: the harness times every input, and the long run (run.ts) runs
//   each target in a worker thread with a heap limit and a watchdog.
// No vitest here: the long run loads this file compiled, in plain Node worker threads.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { XMLValidator } from 'fast-xml-parser';
import { parseDocument, stringify } from 'yaml';
import { binaryReader } from '../../src/cli/binary-inputs.js';
import { DecodeCounters } from '../../src/decode/counters.js';
import { SysmonDecoder } from '../../src/decode/decoder.js';
import { SysmonEvent, isWantedEventId } from '../../src/decode/event.js';
import { DecodeProblem, type DecodeReason } from '../../src/decode/problem.js';
import { decodeWithReferenceParser } from '../../src/decode/reference-xml.js';
import { escapeXml, oneLineJson } from '../../src/decode/xml-escape.js';
import type { InMessage } from '../../src/kafka/client.js';
import { ConfigError, loadPipeline } from '../../src/pipeline/config.js';
import { DEFAULT_MAX_MESSAGE_BYTES, DLQ_HEADERS, deadLetter } from '../../src/sinks/kafka/dead-letter.js';
import type { ErrorRecord } from '../../src/sources/batch.js';
import { ByteSink } from '../../src/sources/evtx/byte-sink.js';
import { dumpRecords, dumpXml } from '../../src/sources/evtx/dump.js';
import { renderXml, toJson } from '../../src/sources/evtx/render.js';
import { readEvents } from '../../src/pipeline/read-events.js';
import { mutated, tokens, type MutatedInput } from './mutate.js';
import {
  JSON_TOKENS,
  TEXT_ENCODINGS,
  XML_TOKENS,
  YAML_TOKENS,
  encode,
  evtxDocuments,
  gzipDocuments,
  jsonDocuments,
  xmlDocuments,
  xmlEvents,
  yamlDocuments,
  type TextEncoding,
} from './seeds.js';

/** Every reason an error record may carry; `satisfies` makes the compiler keep it complete. */
const REASONS = new Set(
  Object.keys({
    'malformed-xml': 1,
    'truncated-event': 1,
    'missing-eventid': 1,
    'missing-computer': 1,
    'bad-utctime': 1,
    'oversized-event': 1,
    'garbage-between-events': 1,
    'bad-json': 1,
    'unknown-json-layout': 1,
    'bad-encoding': 1,
    'unreadable-input': 1,
    'truncated-gzip': 1,
    'bad-gzip': 1,
    'bad-file-header': 1,
    'bad-chunk-checksum': 1,
    'bad-chunk-header': 1,
    'truncated-file': 1,
    'bad-evtx-record': 1,
    'unrecoverable-record': 1,
  } satisfies Record<DecodeReason, 1>),
);

/** Where the file targets write their inputs (a RAM disk when there is one). */
export class Scratch {
  readonly dir: string;
  private n = 0;
  constructor() {
    const base = process.env.FUZZ_TMP ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
    this.dir = mkdtempSync(join(base, 'proctree-fuzz-'));
  }
  file(name: string, bytes: Buffer | string): string {
    const p = join(this.dir, `${this.n++ % 4}-${name}`);
    writeFileSync(p, bytes);
    return p;
  }
  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface FuzzTarget<T = unknown> {
  name: string;
  what: string;
  arbitrary(): fc.Arbitrary<T>;
  run(input: T, scratch: Scratch): Promise<void>;
  /** The input's bytes, saved with a finding. */
  bytes(input: T): Buffer;
}

const MAX_EVENT_BYTES = 1 << 20;

export function checkEvent(e: SysmonEvent): void {
  assert.ok(e instanceof SysmonEvent, 'not a SysmonEvent');
  assert.ok(isWantedEventId(e.eventId), `event with EventID ${e.eventId} that no rule reads came out`);
  assert.ok(typeof e.host === 'string' && e.host !== '', 'event without a host');
  assert.equal(e.hostKey, e.hostKey.toLowerCase(), 'host key not lower case');
  assert.ok(Number.isInteger(e.time) && e.time >= Date.UTC(1601, 0, 1), `event time ${e.time} is not a time`);
  assert.ok(Number.isInteger(e.recordId) && e.recordId >= 0, `record id ${e.recordId}`);
  for (const n of [e.processId, e.parentProcessId, e.terminalSessionId]) assert.ok(Number.isInteger(n) && n >= -1, `bad number field ${n}`);
  for (const s of [e.processGuid, e.image, e.commandLine, e.user, e.logonId, e.parentProcessGuid, e.parentImage, e.eventType, e.targetObject, e.details]) {
    assert.equal(typeof s, 'string');
  }
}

export function checkError(r: ErrorRecord, source: string, size: number): void {
  assert.ok(REASONS.has(r.reason), `unknown reason ${r.reason}`);
  assert.equal(r.source, source);
  assert.ok(typeof r.message === 'string' && r.message.length > 0, 'error record without a message');
  assert.equal(typeof r.snippet, 'string');
  assert.ok(!/[\u0000-\u001f\u007f]/.test(r.snippet), 'snippet holds control characters');
  assert.ok(r.snippet.length <= 161, `snippet of ${r.snippet.length} chars`);
  for (const o of [r.offset, r.line]) if (o !== undefined) assert.ok(Number.isInteger(o) && o >= 0, `bad offset/line ${o}`);
  if (r.compressedOffset !== undefined) assert.ok(Number.isInteger(r.compressedOffset) && r.compressedOffset >= 0 && r.compressedOffset <= size, `compressed offset ${r.compressedOffset} outside the file (${size})`);
}

export interface FileRun {
  events: SysmonEvent[];
  errors: ErrorRecord[];
  counters: DecodeCounters;
}

/** Reads a file as replay does (every format, gzip, EVTX) and checks what comes out. */
export async function readChecked(path: string, size: number, recover = false): Promise<FileRun> {
  const counters = new DecodeCounters();
  const events: SysmonEvent[] = [];
  const errors: ErrorRecord[] = [];
  for await (const b of readEvents([path], { counters, maxEventBytes: MAX_EVENT_BYTES, readBinary: binaryReader({ recover }) })) {
    assert.ok(Number.isFinite(b.bytes) && b.bytes >= 0, `batch bytes ${b.bytes}`);
    for (const e of b.events) checkEvent(e);
    for (const r of b.errors) checkError(r, path, size);
    events.push(...b.events);
    errors.push(...b.errors);
  }
  assert.equal(counters.errorCount, errors.length, 'decode error count differs from the error records');
  const byReason = counters.errorsByReason();
  assert.equal(Object.values(byReason).reduce((a, b) => a + b, 0), errors.length);
  const counted = Object.entries(counters.eventsByEventId())
    .filter(([id]) => isWantedEventId(Number(id)))
    .reduce((a, [, n]) => a + n, 0);
  assert.ok(events.length <= counted, `${events.length} events out, ${counted} counted`);
  return { events, errors, counters };
}

const xmlTokenBytes = (): Buffer[] => tokens(XML_TOKENS, ['utf8', 'utf16le']);

/** XML text in every encoding the file source accepts, mutated. */
export const xmlText: FuzzTarget<MutatedInput> = {
  name: 'xml-text',
  what: 'Windows Event XML files (UTF-8, UTF-8 BOM, UTF-16LE with and without BOM) through the file source',
  arbitrary() {
    const docs = xmlDocuments();
    const seeds = docs.map((d, i) => encode(d, TEXT_ENCODINGS[i % TEXT_ENCODINGS.length]));
    return mutated(seeds, { dictionary: xmlTokenBytes(), maxBytes: 256 << 10 });
  },
  async run(input, scratch) {
    const p = scratch.file('in.xml', input.bytes);
    await readChecked(p, input.bytes.length);
  },
  bytes: (i) => i.bytes,
};

export const gzipInput: FuzzTarget<MutatedInput> = {
  name: 'gzip',
  what: 'gzip files (one or several members) of XML and JSON lines, the compressed bytes mutated',
  arbitrary: () => mutated(gzipDocuments(), { maxBytes: 256 << 10 }),
  async run(input, scratch) {
    const p = scratch.file('in.gz', input.bytes);
    await readChecked(p, input.bytes.length);
  },
  bytes: (i) => i.bytes,
};

/** JSON lines: byte mutations, and values replaced by any JSON value at any key (all layouts). */
export interface JsonCase {
  bytes: Buffer;
}

function setAt(obj: unknown, path: readonly number[], value: unknown): unknown {
  if (path.length === 0 || obj === null || typeof obj !== 'object') return value;
  const keys = Object.keys(obj);
  if (keys.length === 0) return value;
  const k = keys[path[0] % keys.length];
  const copy: Record<string, unknown> = Array.isArray(obj) ? ([...obj] as unknown as Record<string, unknown>) : { ...(obj as Record<string, unknown>) };
  copy[k] = setAt(copy[k], path.slice(1), value);
  return copy;
}

function structured(seedTexts: readonly string[], parse: (s: string) => unknown, print: (v: unknown) => string): fc.Arbitrary<Buffer> {
  const objects = seedTexts.map((t) => {
    try {
      return parse(t);
    } catch {
      return {};
    }
  });
  const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom<unknown>(null, '', 0, -1, 1e308, [], {}, '__proto__', '{"a":1}', '<Event/>'), fc.string({ unit: 'binary', maxLength: 40 }));
  return fc
    .record({ seed: fc.integer({ min: 0, max: objects.length - 1 }), edits: fc.array(fc.record({ path: fc.array(fc.nat(), { maxLength: 4 }), value }), { minLength: 1, maxLength: 4 }) })
    .map(({ seed, edits }) => {
      let o = objects[seed];
      for (const e of edits) o = setAt(o, e.path, e.value);
      try {
        return Buffer.from(print(o));
      } catch {
        return Buffer.from(seedTexts[seed]);
      }
    });
}

export const jsonLines: FuzzTarget<JsonCase> = {
  name: 'json-lines',
  what: 'JSON lines in every layout (Winlogbeat event.original, dotted, NXLog EventXML, winlog.event_data, Sentinel, flat NXLog, real samples)',
  arbitrary() {
    const docs = jsonDocuments();
    const bytes = mutated(docs.map((d) => Buffer.from(d)), { dictionary: tokens(JSON_TOKENS), maxBytes: 256 << 10 }).map((m) => ({ bytes: m.bytes }));
    const lines = docs.map((d) => d.split('\n')[0]);
    const struct = structured(lines, (s) => JSON.parse(s), (v) => `${JSON.stringify(v)}\n`).map((b) => ({ bytes: b }));
    return fc.oneof(bytes, struct);
  },
  async run(input, scratch) {
    const p = scratch.file('in.jsonl', input.bytes);
    await readChecked(p, input.bytes.length);
    // The same lines through the decoder directly, as the Kafka path calls it.
    const decoder = new SysmonDecoder(new DecodeCounters());
    for (const line of input.bytes.toString('utf8').split('\n').slice(0, 50)) {
      const r = decoder.decodeJson(line);
      if (r instanceof SysmonEvent) checkEvent(r);
      else if (r !== null) assert.ok(r instanceof DecodeProblem && REASONS.has(r.reason));
    }
  },
  bytes: (i) => i.bytes,
};

export interface EvtxCase {
  input: MutatedInput;
  recover: boolean;
}

export const evtx: FuzzTarget<EvtxCase> = {
  name: 'evtx',
  what: '.evtx files (real samples; header, chunks, records and Binary XML mutated), replay and evtx-dump, with and without --recover',
  arbitrary() {
    const tok = tokens(['ElfFile\0', 'ElfChnk\0', '**\0\0', '\0\0\0\0', '\xff\xff\xff\xff'], ['latin1']);
    return fc.record({ input: mutated(evtxDocuments(), { dictionary: tok, maxMutations: 6, maxBytes: 4096 + 3 * 65536 }), recover: fc.boolean() });
  },
  async run({ input, recover }, scratch) {
    const p = scratch.file('in.evtx', input.bytes);
    const dumpDecoder = new SysmonDecoder(new DecodeCounters());
    await readChecked(p, input.bytes.length, recover);
    // evtx-dump: every record renders to one line of XML and of JSON; the XML evtx-dump writes
    // straight from the templates is byte for byte the rendering of the trees.
    try {
      let lines = '';
      for await (const item of dumpRecords(p, { recover })) {
        if (!item.record) continue;
        const xml = renderXml(item.record.event);
        lines += (item.record.recovered ? renderXml(item.record.event, ' recovered="true"') : xml) + '\n';
        assert.ok(!/[\r\n\u2028\u2029\u0085]/.test(xml), 'evtx-dump XML spans lines');
        const wf = XMLValidator.validate(xml);
        assert.ok(wf === true, `evtx-dump XML is not well-formed: ${wf === true ? '' : wf.err.msg}`);
        const decoded = dumpDecoder.decodeXml(xml);
        if (decoded instanceof SysmonEvent) checkEvent(decoded);
        const json = oneLineJson(toJson(item.record.event));
        assert.ok(!/[\r\n\u2028\u2029\u0085]/.test(json), 'evtx-dump JSON spans lines');
      }
      const sink = new ByteSink(Buffer.alloc(1 << 16));
      await dumpXml(p, { recover }, sink, async () => undefined);
      // Compared as bytes: lone surrogates become U+FFFD on the way out, in both.
      const direct = sink.buf.subarray(0, sink.pos);
      if (!direct.equals(Buffer.from(lines))) assert.equal(direct.toString(), lines, 'evtx-dump XML differs from the tree rendering');
    } catch (e) {
      // A file whose header signature was mutated away is not EVTX: evtx-dump says so (exit 1).
      if ((e as Error).name !== 'NotEvtxError') throw e;
    }
  },
  bytes: (c) => c.input.bytes,
};

/** Valid events, garbage, valid events: every valid event must come out. */
export interface SandwichCase {
  format: 'xml' | 'jsonl' | 'gzip';
  encoding: TextEncoding;
  before: number[];
  after: number[];
  garbage: Buffer;
}

function eventKey(xml: string): string {
  const host = /<Computer>([^<]*)<\/Computer>/.exec(xml)?.[1] ?? '';
  const rid = /<EventRecordID>(\d+)<\/EventRecordID>/.exec(xml)?.[1] ?? '';
  return `${host.toLowerCase()}#${rid}`;
}

let goodEvents: string[] | undefined;
/** Events that decode on their own (one per line), each with a distinct host#record key. */
function decodableEvents(): string[] {
  if (goodEvents) return goodEvents;
  const decoder = new SysmonDecoder(new DecodeCounters());
  const seen = new Set<string>();
  goodEvents = xmlEvents()
    .map((x) => x.replace(/\r?\n\s*/g, ''))
    .filter((x) => {
      const k = eventKey(x);
      if (seen.has(k) || !(decoder.decodeXml(x) instanceof SysmonEvent)) return false;
      seen.add(k);
      return true;
    });
  return goodEvents;
}

function sandwichBytes(c: SandwichCase): { bytes: Buffer; want: string[] } {
  const ev = decodableEvents();
  const pick = (ids: number[]): string[] => ids.map((i) => ev[i % ev.length]);
  const a = pick(c.before);
  const b = pick(c.after);
  const want = [...new Set([...a, ...b].map(eventKey))];
  if (c.format === 'jsonl') {
    // Garbage on lines of its own: the valid lines around it are whole.
    const g = c.garbage.toString('latin1');
    const text = `${a.map((x) => JSON.stringify({ EventXML: x })).join('\n')}\n${g}\n${b.map((x) => JSON.stringify({ EventXML: x })).join('\n')}\n`;
    return { bytes: Buffer.from(text, 'latin1'), want };
  }
  if (c.format === 'gzip') {
    return { bytes: Buffer.concat([gzipSync(a.join('\n') + '\n'), c.garbage, gzipSync(b.join('\n') + '\n')]), want };
  }
  // XML: the garbage between two events, in the file's encoding (whole code units for UTF-16).
  const utf16 = c.encoding.startsWith('utf16');
  const g = utf16 && c.garbage.length % 2 === 1 ? c.garbage.subarray(1) : c.garbage;
  const head = encode(`${a.join('\n')}\n`, c.encoding);
  const tail = encode(`\n${b.join('\n')}\n`, c.encoding === 'utf16le-bom' ? 'utf16le' : c.encoding === 'utf8-bom' ? 'utf8' : c.encoding);
  return { bytes: Buffer.concat([head, g, tail]), want };
}

export const sandwich: FuzzTarget<SandwichCase> = {
  name: 'sandwich',
  what: 'garbage (mutated seeds, random bytes) between valid events in XML (every encoding), JSON lines and between gzip members: every valid event comes out',
  arbitrary() {
    const ids = fc.array(fc.nat(), { minLength: 1, maxLength: 4 });
    const seeds = xmlDocuments()
      .slice(0, 40)
      .map((d) => Buffer.from(d.slice(0, 3000)));
    const garbage = fc.oneof(
      mutated(seeds, { dictionary: tokens(XML_TOKENS), maxBytes: 8192 }).map((m) => m.bytes),
      fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)),
      fc.array(fc.constantFrom(...XML_TOKENS, ...JSON_TOKENS), { maxLength: 12 }).map((t) => Buffer.from(t.join(''))),
    );
    return fc.record({
      format: fc.constantFrom('xml' as const, 'jsonl' as const, 'gzip' as const),
      encoding: fc.constantFrom(...TEXT_ENCODINGS),
      before: ids,
      after: ids,
      garbage,
    });
  },
  async run(c, scratch) {
    const { bytes, want } = sandwichBytes(c);
    const p = scratch.file(`in.${c.format}`, bytes);
    const r = await readChecked(p, bytes.length);
    const got = new Set(r.events.map((e) => `${e.hostKey}#${e.recordId}`));
    const lost = want.filter((k) => !got.has(k));
    assert.deepEqual(lost, [], `valid events lost around the garbage: ${lost.join(', ')}`);
  },
  bytes: (c) => sandwichBytes(c).bytes,
};

/** One Kafka message: value, key and headers, decoded as the streaming path does, dead-lettered when bad. */
export interface KafkaCase {
  value: Buffer | null;
  key: Buffer | null;
  /** A header repeated in the record arrives from kafkajs as an array of its values. */
  headers: [string, Buffer | Buffer[] | undefined][];
  /** The dead-letter topic's max.message.bytes. */
  limit: number;
}

const kafkaRequire = createRequire(import.meta.url);

/** The record batch of one message as kafkajs encodes it: what a topic's max.message.bytes limits. */
async function recordBatchBytes(m: { key?: string | Buffer | null; value: string | Buffer | null; headers?: object }): Promise<number> {
  const record = kafkaRequire('kafkajs/src/protocol/recordBatch/record/v0') as (r: object) => unknown;
  const { RecordBatch } = kafkaRequire('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: (b: object) => Promise<{ buffer: Buffer }> };
  return (await RecordBatch({ records: [record({ key: m.key ?? null, value: m.value, headers: m.headers ?? {} })] })).buffer.length;
}

/** The decode of one message as the streaming path does it (PartitionTask.decode): '{' means JSON, anything else XML bytes. */
export function decodeMessage(decoder: SysmonDecoder, m: InMessage): SysmonEvent | DecodeProblem | null {
  if (m.value === null || m.value.length === 0) return new DecodeProblem('unreadable-input', 'message has no value');
  const v = m.value;
  let i = 0;
  while (i < v.length && v[i] <= 32) i++;
  if (v[i] === 123) return decoder.decodeJson(new TextDecoder().decode(v));
  return decoder.decodeXmlBytes(v);
}

export const kafkaMessage: FuzzTarget<KafkaCase> = {
  name: 'kafka-message',
  what: 'Kafka message values (XML and JSON events, mutated; empty; null), keys and headers (any names and bytes) through the message decode and the dead-letter record',
  arbitrary() {
    const values = [...decodableEvents().slice(0, 60), ...jsonDocuments().map((d) => d.split('\n')[0])].map((s) => Buffer.from(s));
    const name = fc.oneof(
      fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', '', ...Object.values(DLQ_HEADERS), 'forwarder', 'content-type'),
      fc.string({ maxLength: 20 }),
      fc.string({ unit: 'binary', maxLength: 20 }),
    );
    const one = fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u));
    const headerValue = fc.oneof({ arbitrary: fc.option(one, { nil: undefined }), weight: 4 }, { arbitrary: fc.array(one, { minLength: 2, maxLength: 3 }), weight: 1 });
    return fc.record({
      value: fc.oneof(
        { arbitrary: mutated(values, { dictionary: [...tokens(XML_TOKENS), ...tokens(JSON_TOKENS)], maxBytes: 64 << 10 }).map((m) => m.bytes), weight: 8 },
        { arbitrary: fc.constantFrom<Buffer | null>(null, Buffer.alloc(0), Buffer.from(' '), Buffer.from('{'), Buffer.from('<')), weight: 1 },
      ),
      key: fc.option(fc.uint8Array({ maxLength: 32 }).map((u) => Buffer.from(u)), { nil: null }),
      headers: fc.array(fc.tuple(name, headerValue), { maxLength: 6 }),
      limit: fc.oneof({ arbitrary: fc.constant(DEFAULT_MAX_MESSAGE_BYTES), weight: 3 }, { arbitrary: fc.integer({ min: 2048, max: 80_000 }), weight: 2 }),
    });
  },
  async run(c) {
    const headers = Object.create(null) as Record<string, Buffer | undefined>;
    for (const [k, v] of c.headers) headers[k] = v as Buffer | undefined;
    const m: InMessage = { offset: 12345, key: c.key, value: c.value, headers, timestampMs: 0 };
    const r = decodeMessage(new SysmonDecoder(new DecodeCounters()), m);
    if (r instanceof SysmonEvent) return checkEvent(r);
    if (r === null) return;
    assert.ok(r instanceof DecodeProblem && REASONS.has(r.reason), `not a DecodeProblem: ${String(r)}`);
    const out = deadLetter({ topic: 'sysmon-events', partition: 3 }, m, r, c.limit);
    const h = out.headers ?? {};
    assert.ok((await recordBatchBytes(out)) <= c.limit, `dead letter over the topic's limit of ${c.limit} bytes`);
    if (h[DLQ_HEADERS.truncated] !== undefined) {
      assert.ok(c.value !== null && out.value !== null && c.value.subarray(0, out.value.length).equals(out.value as Buffer), 'a cut value is not the start of the original');
      assert.equal(h[DLQ_HEADERS.truncated], String(c.value.length));
    } else {
      assert.equal(out.value, c.value, 'dead letter does not carry the original value');
    }
    if (h[DLQ_HEADERS.truncatedKey] === undefined) assert.equal(out.key, c.key, 'dead letter does not carry the original key');
    if (h[DLQ_HEADERS.headersDropped] !== undefined) return;
    assert.equal(h[DLQ_HEADERS.reason], r.reason);
    assert.equal(h[DLQ_HEADERS.offset], '12345');
    assert.equal(h[DLQ_HEADERS.partition], '3');
    assert.ok(String(h[DLQ_HEADERS.message]).length <= 501);
    const own = new Set(Object.values(DLQ_HEADERS) as string[]);
    for (const [k, v] of Object.entries(headers)) {
      if (v === undefined || own.has(k)) continue;
      assert.ok(Object.prototype.hasOwnProperty.call(h, k), `original header ${JSON.stringify(k)} lost in the dead letter`);
      assert.deepEqual(h[k], v, `original header ${JSON.stringify(k)} changed in the dead letter`);
    }
  },
  bytes: (c) =>
    Buffer.from(
      JSON.stringify({
        value: c.value?.toString('base64') ?? null,
        key: c.key?.toString('base64') ?? null,
        headers: c.headers.map(([k, v]) => [k, Array.isArray(v) ? v.map((x) => x.toString('base64')) : v?.toString('base64')]),
        limit: c.limit,
      }),
    ),
};

/** Sysmon events whose values are anything XML can carry: the fast scanner and the reference parser must agree. */
export interface DiffCase {
  eventId: 1 | 5 | 13;
  host: string;
  values: Record<string, string>;
  /** How each value is written: escaped, as character references, in CDATA. */
  styles: number[];
  quote: "'" | '"';
}

const xmlChar = fc.oneof(
  { arbitrary: fc.constantFrom('a', 'Z', '0', ' ', '\\', '.', ':', '-', '_', '{', '}', '%'), weight: 6 },
  { arbitrary: fc.constantFrom('<', '>', '&', '"', "'", ';', '#', '\t', '\n', '\r', ']]>', '&amp;', '&#10;', 'Event>', '</Data>', '<Data'), weight: 3 },
  { arbitrary: fc.constantFrom('é', 'ü', '®', '\u2028', '\u00a0', '中', '\ud83d\ude00', '\ufffd', '\u0085'), weight: 2 },
);
const xmlString = fc.array(xmlChar, { maxLength: 24 }).map((a) => a.join(''));

function renderValue(v: string, style: number): string {
  switch (style % 4) {
    case 0:
      return escapeXml(v, false, true);
    case 1:
      // Minimal escaping, raw TAB and LF (as Windows writes them); CR always as a reference.
      return v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
    case 2:
      // Every non-ASCII or special character as a numeric character reference.
      return [...v].map((ch) => (/[A-Za-z0-9 ]/.test(ch) ? ch : `&#${ch.codePointAt(0)};`)).join('');
    default:
      return v.includes(']]>') || v.includes('\r') ? escapeXml(v, false, true) : `<![CDATA[${v}]]>`;
  }
}

const DIFF_FIELDS: Record<number, string[]> = {
  1: ['RuleName', 'UtcTime', 'ProcessGuid', 'ProcessId', 'Image', 'CommandLine', 'CurrentDirectory', 'User', 'LogonId', 'TerminalSessionId', 'ParentProcessGuid', 'ParentProcessId', 'ParentImage', 'ParentCommandLine', 'ParentUser', 'OriginalFileName'],
  5: ['RuleName', 'UtcTime', 'ProcessGuid', 'ProcessId', 'Image', 'User'],
  13: ['RuleName', 'EventType', 'UtcTime', 'ProcessGuid', 'ProcessId', 'Image', 'TargetObject', 'Details', 'User'],
};

export function diffXml(c: DiffCase): string {
  const q = c.quote;
  const data = DIFF_FIELDS[c.eventId]
    .map((k, i) => {
      const v = k === 'UtcTime' ? c.values.UtcTime ?? '2024-01-01 00:00:00.000' : (c.values[k] ?? '');
      return v === '' ? `<Data Name=${q}${k}${q}/>` : `<Data Name=${q}${k}${q}>${renderValue(v, c.styles[i % c.styles.length] ?? 0)}</Data>`;
    })
    .join('');
  return (
    `<Event xmlns=${q}http://schemas.microsoft.com/win/2004/08/events/event${q}><System><Provider Name=${q}Microsoft-Windows-Sysmon${q} Guid=${q}{5770385f-c22a-43e0-bf4c-06f5698ffbd9}${q}/>` +
    `<EventID>${c.eventId}</EventID><Version>5</Version><Level>4</Level><Task>1</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords>` +
    `<TimeCreated SystemTime=${q}2024-01-01T00:00:00.0000000Z${q}/><EventRecordID>77</EventRecordID><Correlation/><Execution ProcessID=${q}4${q} ThreadID=${q}8${q}/>` +
    `<Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>${renderValue(c.host, c.styles[0] ?? 0)}</Computer><Security UserID=${q}S-1-5-18${q}/></System>` +
    `<EventData>${data}</EventData></Event>`
  );
}

function plain(e: unknown): unknown {
  return e instanceof SysmonEvent ? { ...e } : e instanceof DecodeProblem ? { reason: e.reason } : e;
}

export const xmlDifferential: FuzzTarget<DiffCase> = {
  name: 'xml-differential',
  what: 'Sysmon events whose values hold anything XML can carry (entities, character references, CDATA, raw TAB/LF, non-ASCII): the fast scanner (strings and bytes) and fast-xml-parser must decode them to the same event',
  arbitrary() {
    const time = fc.oneof(
      fc.date({ min: new Date(Date.UTC(1601, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }).map((d) => d.toISOString().replace('T', ' ').replace('Z', '')),
      xmlString,
    );
    const values = fc.record(
      Object.fromEntries([...new Set(Object.values(DIFF_FIELDS).flat())].map((k) => [k, k === 'UtcTime' ? time : k.endsWith('Id') ? fc.oneof(fc.nat().map(String), xmlString) : xmlString])),
    ) as fc.Arbitrary<Record<string, string>>;
    return fc.record({
      eventId: fc.constantFrom(1 as const, 5 as const, 13 as const),
      host: fc.oneof(fc.constantFrom('WS01', 'ws01.corp', 'Ü-HOST'), xmlString),
      values,
      styles: fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 16 }),
      quote: fc.constantFrom("'" as const, '"' as const),
    });
  },
  async run(c) {
    const xml = diffXml(c);
    const decoder = new SysmonDecoder(new DecodeCounters());
    const fast = plain(decoder.decodeXml(xml));
    const bytes = plain(decoder.decodeXmlBytes(Buffer.from(xml)));
    const reference = plain(decodeWithReferenceParser(xml, new DecodeCounters()));
    assert.deepEqual(fast, reference, 'fast scanner (string) and fast-xml-parser disagree');
    assert.deepEqual(bytes, reference, 'fast scanner (bytes) and fast-xml-parser disagree');
  },
  bytes: (c) => Buffer.from(diffXml(c)),
};

export const pipelineYaml: FuzzTarget<{ text: Buffer }> = {
  name: 'pipeline-yaml',
  what: 'pipeline YAML (bundled pipelines, docs examples; bytes mutated, values replaced by any YAML value) through loadPipeline',
  arbitrary() {
    const docs = yamlDocuments();
    const bytes = mutated(docs.map((d) => Buffer.from(d)), { dictionary: tokens(YAML_TOKENS), maxBytes: 64 << 10 }).map((m) => ({ text: m.bytes }));
    const struct = structured(docs, (s) => parseDocument(s).toJS(), (v) => stringify(v)).map((b) => ({ text: b }));
    return fc.oneof(bytes, struct);
  },
  async run(c, scratch) {
    const p = scratch.file('pipeline.yaml', c.text);
    try {
      const config = await loadPipeline(p);
      assert.ok(Object.isFrozen(config), 'config is not frozen');
    } catch (e) {
      assert.ok(e instanceof ConfigError, `not a ConfigError: ${(e as Error)?.stack ?? String(e)}`);
      for (const line of e.message.split('\n')) assert.ok(line.startsWith(`${p}: `), `error line does not name the file: ${line}`);
      assert.ok(e.message.length < 100_000, 'error message of unbounded size');
    }
  },
  bytes: (c) => c.text,
};

export const TARGETS: readonly FuzzTarget<never>[] = [xmlText, gzipInput, jsonLines, evtx, sandwich, kafkaMessage, xmlDifferential, pipelineYaml] as unknown as FuzzTarget<never>[];
