// Which thread owns an event when `replay` spreads hosts over worker threads: the main thread
// frames the input and reads only the Computer of each event (FNV-1a of the lower-cased name);
// the owner decodes it in full and runs it through its own trees and rules. A host's events all
// land on one worker, in input order, so each host's alerts are the ones a single thread raises
// (the index and the rules keep nothing across hosts).

const OPEN = '<Computer>';
const CLOSE = '</Computer>';

/**
 * The shard of the event at s[a, b) (a latin1 view of UTF-8) from its plain
 * `<Computer>name</Computer>`; -1 when the name is not plain ASCII without entities or spaces
 * around it (the decoder would then read it differently), or not found. Those go to shard 0.
 */
export function shardOfEvent(s: string, a: number, b: number, shards: number): number {
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
  return (h >>> 0) % shards;
}
