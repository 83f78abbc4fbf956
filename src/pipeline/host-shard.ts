// Which thread owns an event when `replay` spreads hosts over worker threads: the main thread
// frames the input and reads only the Computer of each event;
// the owner decodes it in full and runs it through its own trees and rules. A host's events all
// land on one worker, in input order, so each host's alerts are the ones a single thread raises
// (the index and the rules keep nothing across hosts).

const OPEN = Buffer.from('<Computer>', 'latin1');
const CLOSE = Buffer.from('</Computer>', 'latin1');

/**
 * A hash of the event's host from its plain `<Computer>name</Computer>` in buf[a, b) (UTF-8):
 * FNV-1a of the lower-cased name, so spellings that differ in case agree. -1 when the name is
 * not plain ASCII without entities or spaces around it (the decoder would then read it
 * differently), or not found.
 */
export function hostHashOf(buf: Buffer, a: number, b: number): number {
  const open = buf.indexOf(OPEN, a);
  if (open === -1 || open >= b) return -1;
  const from = open + OPEN.length;
  let h = 0x811c9dc5;
  let i = from;
  for (; i < b; i++) {
    let c = buf[i];
    if (c === 60 /* < */) break;
    if (c > 127 || c === 38 /* & */ || c <= 32) return -1;
    if (c >= 65 && c <= 90) c += 32;
    h = Math.imul(h ^ c, 0x01000193);
  }
  if (i === from || i + CLOSE.length > b || buf.compare(CLOSE, 0, CLOSE.length, i, i + CLOSE.length) !== 0) return -1;
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
