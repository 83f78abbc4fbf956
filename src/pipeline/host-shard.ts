// Which thread owns an event when `replay` spreads hosts over worker threads: the main thread
// frames the input and reads only the Computer of each event;
// the owner decodes it in full and runs it through its own trees and rules. A host's events all
// land on one worker, in input order, so each host's alerts are the ones a single thread raises
// (the index and the rules keep nothing across hosts).

import { matchIn } from '../decode/data-names.js';

// 'Compute' and not '<Computer>': Buffer.indexOf jumps between candidates by the needle's first
// byte, and 'C' is rare before the Computer where '<' starts every tag; needles of 8 bytes or more
// take a slower search. 300 against 730 ns per event on the 1/13 corpus.
const NAME = Buffer.from('Compute', 'latin1');
const CLOSE = '</Computer>';

/** Where the first '<Computer>' at or after `a` starts, if before `b`; -1 otherwise. */
function computerTagIn(buf: Buffer, a: number, b: number): number {
  let i = buf.indexOf(NAME, a + 1);
  while (i !== -1 && i - 1 < b) {
    if (buf[i - 1] === 60 /* < */ && buf[i + 7] === 114 /* r */ && buf[i + 8] === 62 /* > */) return i - 1;
    i = buf.indexOf(NAME, i + 1);
  }
  return -1;
}

/**
 * A hash of the event's host from its plain `<Computer>name</Computer>` in buf[a, b) (UTF-8):
 * FNV-1a of the lower-cased name, so spellings that differ in case agree. -1 when the name is
 * not plain ASCII without entities or spaces around it (the decoder would then read it
 * differently), or not found.
 */
export function hostHashOf(buf: Buffer, a: number, b: number): number {
  const open = computerTagIn(buf, a, b);
  if (open === -1) return -1;
  const from = open + 10;
  let h = 0x811c9dc5;
  let i = from;
  for (; i < b; i++) {
    let c = buf[i];
    if (c === 60 /* < */) break;
    if (c > 127 || c === 38 /* & */ || c <= 32) return -1;
    if (c >= 65 && c <= 90) c += 32;
    h = Math.imul(h ^ c, 0x01000193);
  }
  if (i === from || i + CLOSE.length > b || !matchIn(buf, i, CLOSE)) return -1;
  return h >>> 0;
}

/**
 * Hosts to workers: a host (by hash) goes, when first seen, to the worker that has been given
 * the fewest events so far, and stays there. Hashing alone left 50 hosts split 22/28 and one
 * worker idle a fifth of the time. Hosts whose name cannot be hashed (-1) go to worker 0.
 */
export class HostShards {
  private readonly owner = new Map<number, number>();
  readonly load: number[];

  constructor(readonly shards: number) {
    this.load = new Array<number>(shards).fill(0);
  }

  /** The worker for the event at buf[a, b), counted as given to it. */
  of(buf: Buffer, a: number, b: number): number {
    const h = hostHashOf(buf, a, b);
    let k = h === -1 ? 0 : this.owner.get(h);
    if (k === undefined) {
      k = 0;
      for (let i = 1; i < this.shards; i++) if (this.load[i] < this.load[k]) k = i;
      this.owner.set(h, k);
    }
    this.load[k]++;
    return k;
  }
}
