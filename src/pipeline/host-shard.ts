// Which thread owns an event when `replay` spreads hosts over worker threads: the main thread
// frames the input and reads only the Computer of each event;
// the owner decodes it in full and runs it through its own trees and rules. A host's events all
// land on one worker, in input order, so each host's alerts are the ones a single thread raises
// (the index and the rules keep nothing across hosts).

const OPEN = '<Computer>';
const CLOSE = '</Computer>';

/**
 * A hash of the event's host from its plain `<Computer>name</Computer>` in s[a, b) (a latin1
 * view of UTF-8): FNV-1a of the lower-cased name, so spellings that differ in case agree. -1
 * when the name is not plain ASCII without entities or spaces around it (the decoder would then
 * read it differently), or not found.
 */
export function hostHashOf(s: string, a: number, b: number): number {
  const open = s.indexOf(OPEN, a);
  if (open === -1 || open >= b) return -1;
  const from = open + OPEN.length;
  const to = s.indexOf('<', from);
  if (to === -1 || to >= b || !s.startsWith(CLOSE, to) || to === from) return -1;
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) {
    let c = s.charCodeAt(i);
    if (c > 127 || c === 38 /* & */ || c <= 32) return -1;
    if (c >= 65 && c <= 90) c += 32;
    h = Math.imul(h ^ c, 0x01000193);
  }
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

  /** The worker for the event at s[a, b), counted as given to it. */
  of(s: string, a: number, b: number): number {
    const h = hostHashOf(s, a, b);
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
