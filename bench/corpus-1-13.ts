// The mission's corpus: EventID 1 and 13 only, 87% / 13%, as real Sysmon writes them.
//
// Events come from the project's fleet generator (boots, logons, process churn with exits,
// registry writes to ordinary keys, a few anomalies and decoys), rendered in memory and cut to
// EventIDs 1 and 13: every creation is kept, registry value sets are kept as long as they stay
// 13% of what is written. The generator's EventID 1 carries the full field set of Sysmon's
// process-creation schema 5 as in the real export privesc_unquoted_svc_sysmon_1_11.evtx
// (FileVersion, Description, Product, Company, OriginalFileName, CommandLine,
// CurrentDirectory, User, LogonGuid, LogonId, TerminalSessionId, IntegrityLevel, Hashes with
// SHA1/MD5/SHA256/IMPHASH, ParentProcessGuid/Id/Image/CommandLine); Sysmon 13.30+ adds
// ParentUser after ParentCommandLine (T1210_Zerologon_Sysmon.evtx), and this cut adds it too
// (the event's User: the parent's is not known to the renderer). The exits themselves
// (EventID 5) are not written: the mix is 1 and 13 only, so trees grow with the creations up to
// index.max_nodes_per_host (200,000, not reached here).
//
// Written once per (events, hosts) to bench/out/ (git-ignored) and reused.

import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Fleet } from '../src/generator/fleet.js';
import { CallbackOutput } from '../src/generator/output.js';
import { runFleet } from '../src/generator/run.js';
import { OUT_DIR } from './corpus.js';

/** Share of EventID 13 among the events written. */
const SHARE_13 = 0.13;
/**
 * The generator writes ~11.8% EventID 1 (less with many hosts, where boots weigh more): the fleet
 * is sized for this many generated events per kept one, and stopped once enough are kept.
 */
const GENERATED_PER_KEPT = 14;

const EVENT_ID = Buffer.from('<EventID>');
const CMD_END = Buffer.from("</Data></EventData></Event>");
const USER = Buffer.from("<Data Name='User'>");
const DATA_END = Buffer.from('</Data>');
const PARENT_USER = Buffer.from("<Data Name='ParentUser'>");
const NEWLINE = Buffer.from('\n');

function countLines(path: string): number {
  const fd = openSync(path, 'r');
  const block = Buffer.allocUnsafe(4 << 20);
  let n = 0;
  for (let got = readSync(fd, block); got > 0; got = readSync(fd, block)) {
    for (let i = block.indexOf(10); i !== -1 && i < got; i = block.indexOf(10, i + 1)) n++;
  }
  closeSync(fd);
  return n;
}

export interface Corpus113 {
  path: string;
  events: number;
  hosts: number;
}

/** Writes `events` events (87% EventID 1, 13% EventID 13) for `hosts` hosts; returns the path. */
export async function buildCorpus113(events: number, hosts: number): Promise<Corpus113> {
  mkdirSync(OUT_DIR, { recursive: true });
  const path = resolve(OUT_DIR, `eid-1-13-${events}-${hosts}.xml`);
  if (existsSync(path) && statSync(path).size > 0) return { path, events: countLines(path), hosts };
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  let ones = 0;
  let thirteens = 0;
  const out = Buffer.allocUnsafe(8 << 20);
  let used = 0;
  const flush = (): void => {
    writeSync(fd, out, 0, used);
    used = 0;
  };
  const put = (b: Buffer, from: number, to: number): void => {
    if (used + (to - from) > out.length) flush();
    used += b.copy(out, used, from, to);
  };
  const onChunk = (buf: Buffer): void => {
    let a = 0;
    while (a < buf.length && ones + thirteens < events) {
      let b = buf.indexOf(10, a);
      if (b === -1) b = buf.length;
      const at = buf.indexOf(EVENT_ID, a);
      if (at !== -1 && at < b) {
        const c1 = buf[at + 9];
        const c2 = buf[at + 10];
        if (c1 === 49 && c2 === 60) {
          // EventID 1: ParentUser goes after ParentCommandLine, the last field.
          const tail = buf.lastIndexOf(CMD_END, b);
          const u = buf.indexOf(USER, a);
          if (tail > a && u !== -1 && u < b) {
            const ue = buf.indexOf(DATA_END, u);
            put(buf, a, tail + 7);
            put(PARENT_USER, 0, PARENT_USER.length);
            put(buf, u + USER.length, ue + 7);
            put(buf, tail + 7, b);
            put(NEWLINE, 0, 1);
            ones++;
          }
        } else if (c1 === 49 && c2 === 51 && buf[at + 11] === 60 && thirteens < (ones + thirteens + 1) * SHARE_13) {
          put(buf, a, b);
          put(NEWLINE, 0, 1);
          thirteens++;
        }
      }
      a = b + 1;
    }
  };
  const fleet = new Fleet({ hosts, durationSecs: 3600, hostEventsPerSec: (events * GENERATED_PER_KEPT) / (hosts * 3600), seed: 13 });
  const output = new CallbackOutput(onChunk, null, true);
  await runFleet(fleet, output, { stopped: () => ones + thirteens >= events });
  await output.close();
  flush();
  closeSync(fd);
  renameSync(tmp, path);
  return { path, events: ones + thirteens, hosts };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const n = Number(process.argv[2] ?? 300_000);
  const hosts = Number(process.argv[3] ?? 50);
  console.log((await buildCorpus113(n, hosts)).path);
}
