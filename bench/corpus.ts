// A Sysmon-shaped mix of ~2 KB events for the benchmarks: many hosts, boots with session-start
// chains, ordinary process churn with exits, registry writes, and the EventIDs no rule reads
// (network, image loads, process access, file creates, DNS) in realistic proportions.
// Written once to bench/out/ (git-ignored) and reused.

import { existsSync, mkdirSync, statSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { eventXml, HostLog, utcTime, type Proc } from '../test/helpers/sysmon-xml.js';

export const OUT_DIR = resolve(process.cwd(), 'bench', 'out');

const HASHES = 'SHA1=9F768C0D0774407564F098145B64565CFFDD8DC4,MD5=858E3DA84C5389952E1AD3701E410F61,SHA256=5F48638E3397204C2C63D7B76D025D62302D0E45FC5055C0A692B0BBC7E6B337,IMPHASH=BC32B6662261DE8469D6EB034C62A6A5';
const TOOLS = ['C:\\Windows\\System32\\svchost.exe', 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', 'C:\\Windows\\System32\\conhost.exe', 'C:\\Windows\\System32\\taskhostw.exe', 'C:\\Windows\\System32\\RuntimeBroker.exe', 'C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE'];

function imageLoad(h: HostLog, rec: number, t: number, p: Proc, i: number): string {
  return eventXml(7, h.host, rec, t, [
    ['RuleName', '-'], ['UtcTime', utcTime(t)], ['ProcessGuid', p.guid], ['ProcessId', String(p.pid)], ['Image', p.image],
    ['ImageLoaded', `C:\\Windows\\System32\\module${i % 97}.dll`], ['FileVersion', '10.0.19041.1320 (WinBuild.160101.0800)'],
    ['Description', 'Windows module with a long enough description to look real'], ['Product', 'Microsoft® Windows® Operating System'],
    ['Company', 'Microsoft Corporation'], ['OriginalFileName', `module${i % 97}.dll`], ['Hashes', HASHES], ['Signed', 'true'],
    ['Signature', 'Microsoft Windows'], ['SignatureStatus', 'Valid'], ['User', p.user],
  ], { version: 3 });
}

function processAccess(h: HostLog, rec: number, t: number, p: Proc, target: Proc): string {
  return eventXml(10, h.host, rec, t, [
    ['RuleName', '-'], ['UtcTime', utcTime(t)], ['SourceProcessGUID', p.guid], ['SourceProcessId', String(p.pid)], ['SourceThreadId', '4512'],
    ['SourceImage', p.image], ['TargetProcessGUID', target.guid], ['TargetProcessId', String(target.pid)], ['TargetImage', target.image],
    ['GrantedAccess', '0x1000'], ['CallTrace', 'C:\\Windows\\SYSTEM32\\ntdll.dll+9d1e4|C:\\Windows\\System32\\KERNELBASE.dll+2b9de|C:\\Windows\\System32\\KERNELBASE.dll+3a1f0|C:\\Windows\\system32\\svchost.exe+4d3c|UNKNOWN(00007FF8E8AA912C)'],
    ['SourceUser', p.user], ['TargetUser', target.user],
  ], { version: 3 });
}

function fileCreate(h: HostLog, rec: number, t: number, p: Proc, i: number): string {
  return eventXml(11, h.host, rec, t, [
    ['RuleName', '-'], ['UtcTime', utcTime(t)], ['ProcessGuid', p.guid], ['ProcessId', String(p.pid)], ['Image', p.image],
    ['TargetFilename', `C:\\Users\\alice\\AppData\\Local\\Temp\\tmp${i.toString(16)}.tmp`], ['CreationUtcTime', utcTime(t)], ['User', p.user],
  ], { version: 2 });
}

/** Writes `events` events for `hosts` hosts; returns the path. */
export async function buildCorpus(events: number, hosts: number): Promise<string> {
  mkdirSync(OUT_DIR, { recursive: true });
  const path = resolve(OUT_DIR, `mix-${events}-${hosts}.xml`);
  if (existsSync(path) && statSync(path).size > 0) return path;
  const out = createWriteStream(path);
  const perHost = Math.ceil(events / hosts);
  let written = 0;
  const t0 = Date.UTC(2024, 3, 1, 6, 0, 0);
  for (let hn = 0; hn < hosts && written < events; hn++) {
    const h = new HostLog(`WS${String(hn).padStart(5, '0')}.corp.example`, hn);
    const b = h.boot(t0 + hn * 37, { exits: true });
    const live: Proc[] = [b.services, b.winlogon];
    let t = b.t;
    let rec = 100_000;
    const chunk: string[] = [...h.events];
    h.events.length = 0;
    for (let i = chunk.length; i < perHost; i++) {
      t += 150 + (i % 7) * 40;
      const r = (i * 2654435761) % 100;
      const p = live[i % live.length];
      if (r < 10) {
        const c = h.create(t, h.proc(5000 + (i % 60000), TOOLS[i % TOOLS.length], `"${TOOLS[i % TOOLS.length]}" --type=renderer --field-trial-handle=${i} --lang=en-US --service-sandbox-type=none --mojo-platform-channel-handle=${i * 7}`, p, { user: 'CORP\\alice', logonId: '0x5a3b1', session: 1 }));
        live.push(c);
        chunk.push(h.events.pop()!);
      } else if (r < 19 && live.length > 3) {
        const victim = live.splice(2 + (i % (live.length - 2)), 1)[0];
        h.exit(t, victim);
        chunk.push(h.events.pop()!);
      } else if (r < 27) {
        h.registrySet(t, p, `HKLM\\System\\CurrentControlSet\\Services\\bam\\State\\UserSettings\\S-1-5-21-3623811015-3361044348-30300820-1013\\\\Device\\HarddiskVolume2\\Windows\\System32\\app${i % 50}.exe`, 'Binary Data');
        chunk.push(h.events.pop()!);
      } else if (r < 32) {
        h.registryObject(t, p, 'CreateKey', `HKU\\S-1-5-21-3623811015-3361044348-30300820-1013\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\SessionInfo\\${i % 9}`);
        chunk.push(h.events.pop()!);
      } else if (r < 47) {
        h.network(t, p, `10.${i % 250}.${(i >> 3) % 250}.${(i >> 5) % 250}`);
        chunk.push(h.events.pop()!);
      } else if (r < 72) {
        chunk.push(imageLoad(h, rec++, t, p, i));
      } else if (r < 90) {
        chunk.push(processAccess(h, rec++, t, p, live[(i + 1) % live.length]));
      } else {
        chunk.push(fileCreate(h, rec++, t, p, i));
      }
    }
    written += chunk.length;
    if (!out.write(chunk.join('\n') + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return path;
}

if (process.argv[1]?.endsWith('corpus.js')) {
  const n = Number(process.argv[2] ?? 200_000);
  const hosts = Number(process.argv[3] ?? 50);
  console.log(await buildCorpus(n, hosts));
}
