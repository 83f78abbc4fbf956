// The EventData names the fast scanner reads, as numbers, and the order in which Sysmon writes
// them per EventID. The scanner first checks the name it expects next (one comparison, no search
// for the closing quote) and only on a miss (another schema version, a forwarder that reorders)
// finds the name's end and dispatches on it (fieldCode).

/** Field codes; OTHER: a name the decoders do not read. */
export const F = {
  OTHER: 0,
  UtcTime: 1,
  ProcessGuid: 2,
  ProcessId: 3,
  Image: 4,
  OriginalFileName: 5,
  CommandLine: 6,
  User: 7,
  LogonId: 8,
  TerminalSessionId: 9,
  ParentProcessGuid: 10,
  ParentProcessId: 11,
  ParentImage: 12,
  ParentCommandLine: 13,
  ParentUser: 14,
  EventType: 15,
  TargetObject: 16,
  Details: 17,
  NewName: 18,
  SourceProcessGUID: 19,
  SourceProcessId: 20,
  SourceImage: 21,
  // Written by Sysmon in between, not read: codes only so that the expected order can name them.
  RuleName: 22,
  FileVersion: 23,
  Description: 24,
  Product: 25,
  Company: 26,
  CurrentDirectory: 27,
  LogonGuid: 28,
  IntegrityLevel: 29,
  Hashes: 30,
  SourceThreadId: 31,
  TargetProcessGUID: 32,
  TargetProcessId: 33,
  TargetImage: 34,
  GrantedAccess: 35,
  CallTrace: 36,
  SourceUser: 37,
  TargetUser: 38,
} as const;

type FieldName = Exclude<keyof typeof F, 'OTHER'>;

/** The name of each code (index = code). */
export const FIELD_NAMES: readonly string[] = (() => {
  const names: string[] = [''];
  for (const [name, code] of Object.entries(F)) if (code !== 0) names[code] = name;
  return names;
})();

function codes(names: FieldName[]): Int32Array {
  return Int32Array.from(names, (n) => F[n]);
}

const NONE = new Int32Array(0);

// Sysmon 13.30+ schemas (process creation: schema 5 with ParentUser; registry: User from 15.0 on).
const ORDER_1 = codes(['RuleName', 'UtcTime', 'ProcessGuid', 'ProcessId', 'Image', 'FileVersion', 'Description', 'Product', 'Company', 'OriginalFileName', 'CommandLine', 'CurrentDirectory', 'User', 'LogonGuid', 'LogonId', 'TerminalSessionId', 'IntegrityLevel', 'Hashes', 'ParentProcessGuid', 'ParentProcessId', 'ParentImage', 'ParentCommandLine', 'ParentUser']);
const ORDER_5 = codes(['RuleName', 'UtcTime', 'ProcessGuid', 'ProcessId', 'Image', 'User']);
const ORDER_10 = codes(['RuleName', 'UtcTime', 'SourceProcessGUID', 'SourceProcessId', 'SourceThreadId', 'SourceImage', 'TargetProcessGUID', 'TargetProcessId', 'TargetImage', 'GrantedAccess', 'CallTrace', 'SourceUser', 'TargetUser']);
const ORDER_12 = codes(['RuleName', 'EventType', 'UtcTime', 'ProcessGuid', 'ProcessId', 'Image', 'TargetObject', 'User']);
const ORDER_13 = codes(['RuleName', 'EventType', 'UtcTime', 'ProcessGuid', 'ProcessId', 'Image', 'TargetObject', 'Details', 'User']);
const ORDER_14 = codes(['RuleName', 'EventType', 'UtcTime', 'ProcessGuid', 'ProcessId', 'Image', 'TargetObject', 'NewName', 'User']);

/** The order in which Sysmon writes an EventID's data; empty for EventIDs without one here. */
export function dataOrder(eventId: number): Int32Array {
  switch (eventId) {
    case 1:
      return ORDER_1;
    case 5:
      return ORDER_5;
    case 10:
      return ORDER_10;
    case 12:
      return ORDER_12;
    case 13:
      return ORDER_13;
    case 14:
      return ORDER_14;
    default:
      return NONE;
  }
}

/** s[at, at + lit.length) === lit, compared in place (TurboFan inlines charCodeAt: no builtin call, no allocation). */
export function matchAt(s: string, at: number, lit: string): boolean {
  for (let k = 0; k < lit.length; k++) if (s.charCodeAt(at + k) !== lit.charCodeAt(k)) return false;
  return true;
}

/**
 * The codes of the names the decoders read (codes below F.RuleName), by name length: the one table
 * both fieldCode (text) and fieldCodeIn (bytes) search, derived from F so the two cannot drift.
 */
const READ_BY_LENGTH: readonly Int32Array[] = (() => {
  const byLength: number[][] = [];
  for (let code = 1; code < F.RuleName; code++) (byLength[FIELD_NAMES[code].length] ??= []).push(code);
  return Array.from(byLength, (codes) => Int32Array.from(codes ?? []));
})();

/** The code of the name s[at, at + len), for a name met out of the expected order; F.OTHER if not read. */
export function fieldCode(s: string, at: number, len: number): number {
  const codes = READ_BY_LENGTH[len];
  if (codes !== undefined) for (let i = 0; i < codes.length; i++) if (matchAt(s, at, FIELD_NAMES[codes[i]])) return codes[i];
  return F.OTHER;
}

// --- The same on bytes, for the byte scanner.

/** buf[at, at + lit.length) === lit, byte for char (lit is ASCII). */
export function matchIn(buf: Uint8Array, at: number, lit: string): boolean {
  for (let k = 0; k < lit.length; k++) if (buf[at + k] !== lit.charCodeAt(k)) return false;
  return true;
}

/** fieldCode of the name buf[at, at + len) (bytes read as latin1). */
export function fieldCodeIn(buf: Uint8Array, at: number, len: number): number {
  const codes = READ_BY_LENGTH[len];
  if (codes !== undefined) for (let i = 0; i < codes.length; i++) if (matchIn(buf, at, FIELD_NAMES[codes[i]])) return codes[i];
  return F.OTHER;
}

/**
 * A byte string to compare with input bytes eight at a time: chunks[k] holds bytes [8k, 8k + 8)
 * read as a little-endian double, the last chunk the last eight bytes (overlapping the one before
 * when the length is not a multiple of 8). At least 8 bytes long, printable ASCII only: such a
 * double is neither 0 nor NaN, so `===` with it holds exactly when the eight input bytes are the
 * same (the input may read as any double, NaN and -0 included: neither equals it).
 */
export interface BytePattern {
  readonly length: number;
  readonly chunks: Float64Array;
}

export function bytePattern(text: string): BytePattern {
  const bytes = Buffer.from(text, 'latin1');
  if (bytes.length < 8) throw new Error(`pattern ${JSON.stringify(text)} is shorter than 8 bytes`);
  for (const c of bytes) if (c < 32 || c > 126) throw new Error(`pattern ${JSON.stringify(text)} is not printable ASCII`);
  const n = (bytes.length + 7) >> 3;
  const chunks = new Float64Array(n);
  for (let k = 0; k < n - 1; k++) chunks[k] = bytes.readDoubleLE(8 * k);
  chunks[n - 1] = bytes.readDoubleLE(bytes.length - 8);
  return { length: bytes.length, chunks };
}

/** Does the input at `at` hold the pattern's bytes? The caller makes sure at + p.length <= dv.byteLength. */
export function matchPattern(dv: DataView, at: number, p: BytePattern): boolean {
  const c = p.chunks;
  const last = c.length - 1;
  for (let k = 0; k < last; k++) if (dv.getFloat64(at + 8 * k, true) !== c[k]) return false;
  return dv.getFloat64(at + p.length - 8, true) === c[last];
}

/**
 * For each name of an EventID's order, what Sysmon writes before its value: the start tag
 * `<Data Name='X'>`, and the same after the end of the value before it, `</Data><Data Name='X'>`.
 * [0] with apostrophes, [1] with double quotes.
 */
export interface DataTagPatterns {
  readonly tags: readonly (readonly BytePattern[])[];
  readonly joined: readonly (readonly BytePattern[])[];
}

const tagPatterns = new Map<Int32Array, DataTagPatterns>();

export function dataTagPatterns(order: Int32Array): DataTagPatterns {
  let p = tagPatterns.get(order);
  if (p === undefined) {
    const names = [...order].map((c) => FIELD_NAMES[c]);
    const tag = (q: string) => names.map((n) => `<Data Name=${q}${n}${q}>`);
    p = {
      tags: [tag("'").map(bytePattern), tag('"').map(bytePattern)],
      joined: [tag("'").map((t) => bytePattern(`</Data>${t}`)), tag('"').map((t) => bytePattern(`</Data>${t}`))],
    };
    tagPatterns.set(order, p);
  }
  return p;
}
