// Why an input record could not become an event. Reasons are stable strings: the summary,
// the --stats JSON and the dead-letter headers count by them.

export type DecodeReason =
  | 'malformed-xml'
  | 'truncated-event'
  | 'missing-eventid'
  | 'missing-computer'
  | 'bad-utctime'
  | 'oversized-event'
  | 'garbage-between-events'
  | 'bad-json'
  | 'unknown-json-layout'
  | 'bad-encoding'
  | 'unreadable-input'
  // gzip: the input ends inside a member; a member that is corrupt or fails its check (src/sources/files/gunzip.ts).
  | 'truncated-gzip'
  | 'bad-gzip'
  // EVTX: damaged chunks and records (src/sources/evtx/).
  | 'bad-file-header'
  | 'bad-chunk-checksum'
  | 'bad-chunk-header'
  | 'truncated-file'
  | 'bad-evtx-record'
  | 'unrecoverable-record';

/** A record that failed to decode. The reader adds where it came from (file and offset or line). */
export class DecodeProblem {
  constructor(
    readonly reason: DecodeReason,
    readonly message: string,
  ) {}
}

/** A short, printable excerpt of bad input for error records (never the whole 50 MB). */
export function snippet(text: string, from = 0, max = 160): string {
  const s = text.slice(from, from + max).replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return text.length - from > max ? `${s}…` : s;
}
