// The naive reference pass the mission's figures are held against, run as its own process:
// stream the file, UTF-8 decode, split lines, indexOf every field of each event into an object
// (System's EventID and Computer, every <Data Name='X'>v</Data>), no trees, no rules. What a
// user would write in an afternoon; `proctree replay` does this and much more, so it is the
// yardstick for "how close to reading the bytes does the whole processor run".
//
// node build-bench/bench/naive-pass.js FILE  -> prints "events <n> fields <n>" on stdout.

import { createReadStream } from 'node:fs';

type Fields = Record<string, string>;

function fieldsOf(line: string): Fields | null {
  const e = line.indexOf('<EventID>');
  if (e === -1) return null;
  const o: Fields = {};
  o.EventID = line.slice(e + 9, line.indexOf('<', e + 9));
  const c = line.indexOf('<Computer>');
  if (c !== -1) o.Computer = line.slice(c + 10, line.indexOf('<', c + 10));
  for (let p = line.indexOf("<Data Name='", e); p !== -1; p = line.indexOf("<Data Name='", p)) {
    const n = p + 12;
    const q = line.indexOf("'", n);
    const v = line.indexOf('>', q) + 1;
    const end = line.indexOf('</Data>', v);
    if (q === -1 || end === -1) break;
    o[line.slice(n, q)] = line.slice(v, end);
    p = end + 7;
  }
  return o;
}

export async function naivePass(path: string): Promise<{ events: number; fields: number }> {
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  let events = 0;
  let fields = 0;
  const take = (line: string): void => {
    const f = fieldsOf(line);
    if (f === null) return;
    events++;
    for (const k in f) if (f[k] !== undefined) fields++;
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const text = rest + decoder.decode(chunk as Buffer, { stream: true });
    let a = 0;
    for (let b = text.indexOf('\n'); b !== -1; b = text.indexOf('\n', a)) {
      take(text.slice(a, b));
      a = b + 1;
    }
    rest = text.slice(a);
  }
  take(rest + decoder.decode());
  return { events, fields };
}

if (process.argv[1]?.endsWith('naive-pass.js')) {
  const path = process.argv[2];
  if (path === undefined) throw new Error('usage: node build-bench/bench/naive-pass.js FILE');
  const r = await naivePass(path);
  process.stdout.write(`events ${r.events} fields ${r.fields}\n`);
}
