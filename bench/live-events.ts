// Process creations as the decoder hands them to the index, for measuring what live process
// nodes cost: image, user and logon id interned, GUIDs and command lines slices of the input
// chunk (one string per batch of 4,096 events, as a 1 MiB chunk of Event XML would be). Fed in
// batches, so that the events themselves are garbage by the end and only the trees remain.
// Process i runs on host i % hosts; the first `hosts` processes are the parents of all others
// on their host, so that every node is a logged process and none is exited. Every creation names
// its parent's PID, as Sysmon's do.

import { SysmonEvent } from '../src/decode/event.js';
import { fillGuidWords } from '../src/decode/guid-words.js';
import { strings } from '../src/decode/intern.js';
import type { Engine } from '../src/engine/engine.js';

const BATCH = 4096;

const guidOf = (i: number): string => `{747f3d96-${(i >>> 16).toString(16).padStart(4, '0')}-5ea4-0000-0010${i.toString(16).padStart(8, '0')}}`;
const commandLineOf = (i: number): string => `"C:\\Program Files\\App${i % 40}\\app.exe" --instance ${i}`;

/** Creates `n` live processes on `hosts` hosts (distinct PIDs on each host, so none closes another). */
export function createLiveProcesses(engine: Engine, n: number, hosts: number): void {
  const events: SysmonEvent[] = [];
  for (let first = 0; first < n; first += BATCH) {
    const last = Math.min(n, first + BATCH);
    const parts: string[] = [];
    for (let i = first; i < last; i++) parts.push(guidOf(i), commandLineOf(i), guidOf(i % hosts));
    const chunk = parts.join('');
    let at = 0;
    events.length = 0;
    for (let i = first; i < last; i++) {
      const e = new SysmonEvent();
      e.eventId = 1;
      e.host = e.hostKey = strings.intern(`host${i % hosts}`);
      e.time = 1_700_000_000_000 + i;
      e.processGuid = chunk.slice(at, (at += 38));
      e.processId = 8 + 4 * Math.floor(i / hosts);
      e.image = strings.intern(`C:\\Program Files\\App${i % 40}\\app.exe`);
      const cl = commandLineOf(i).length;
      e.commandLine = chunk.slice(at, (at += cl));
      e.user = strings.intern('CORP\\alice');
      e.logonId = strings.intern('0x5a3b1');
      e.parentProcessGuid = chunk.slice(at, (at += 38));
      e.parentProcessId = 8 + 4 * Math.floor((i % hosts) / hosts);
      e.parentImage = strings.intern('C:\\Windows\\explorer.exe');
      fillGuidWords(e);
      events.push(e);
    }
    engine.process(events, []);
  }
}
