// The engine on what the two public Sysmon configurations let through (read in place from
// ../shared/sysmon-configs/): hosts logged in full, then filtered through each configuration by
// the evaluator coverage and generate use. Judged without being told the configuration (most
// users) and with it (replay --sysmon-config): no false smss.child-no-exit — both configurations
// send exits, none of them smss's — while a child that lives on is still caught where its
// creation is logged, and the summary says what could not be judged and why.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SysmonEvent } from '../src/decode/event.js';
import { collectStats } from '../src/engine/run-stats.js';
import { DecodeCounters } from '../src/decode/counters.js';
import { formatNotJudged } from '../src/engine/not-judged.js';
import { loadSysmonConfig, SysmonConfigFilter } from '../src/sysmon-config/index.js';
import { runEvents } from './helpers/engine-run.js';
import { HostLog } from './helpers/sysmon-xml.js';
import { REPO_ROOT } from './helpers/cli.js';

const DIR = resolve(REPO_ROOT, '..', 'shared', 'sysmon-configs');
const HAVE = existsSync(DIR);
const SKIP = `public Sysmon configurations not found at ${DIR}`;

const T0 = Date.UTC(2024, 2, 4, 7, 0, 0);
const SEC = 1000;
const SMSS = 'C:\\Windows\\System32\\smss.exe';

/** A workstation's day, logged in full: boot, a user program, two RDP sessions, a reboot. Optionally a child smss that lingers and writes a Run key. */
function day(name: string, hostNo: number, lingering: boolean): HostLog {
  const h = new HostLog(name, hostNo);
  const b = h.boot(T0, { exits: true });
  const app = h.create(b.t + 30 * SEC, h.proc(5200, 'C:\\Users\\ann\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe', 'OneDrive.exe /background', b.services, { user: 'CORP\\ann', logonId: '0x1a2b3', session: 1 }));
  h.registrySet(b.t + 40 * SEC, b.services, 'HKLM\\System\\CurrentControlSet\\Control\\SESSION MANAGER\\Environment\\TEMP', '%SystemRoot%\\TEMP');
  for (const [i, at] of [600, 1800].entries()) {
    const child = h.create(b.t + at * SEC, h.proc(6100 + 16 * i, SMSS, `\\SystemRoot\\System32\\smss.exe 0000014${i} 00000084 `, b.master, { session: 2 + i }));
    h.create(b.t + at * SEC + 40, h.proc(6108 + 16 * i, 'C:\\Windows\\System32\\csrss.exe', 'csrss.exe ObjectDirectory=\\Windows', child, { session: 2 + i }));
    h.create(b.t + at * SEC + 90, h.proc(6112 + 16 * i, 'C:\\Windows\\System32\\winlogon.exe', 'winlogon.exe', child, { session: 2 + i }));
    h.exit(b.t + at * SEC + 130, child);
  }
  if (lingering) {
    const child = h.create(b.t + 2400 * SEC, h.proc(6300, SMSS, '\\SystemRoot\\System32\\smss.exe 00000150 00000084 ', b.master, { session: 4 }));
    h.registrySet(b.t + 2500 * SEC, child, 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\DeviceSync', 'C:\\ProgramData\\Microsoft\\DeviceSync\\devsvc.exe');
  }
  h.exit(b.t + 3000 * SEC, app);
  const b2 = h.boot(T0 + 4000 * SEC, { exits: true }); // a reboot: same boot PIDs
  h.registrySet(b2.t + 600 * SEC, b2.services, 'HKLM\\Software\\Tick', '1');
  return h;
}

const CONFIGS = ['swiftonsecurity', 'sysmon-modular'] as const;

describe.skipIf(!HAVE)(`judging what the public configurations let through${HAVE ? '' : ` (skipped: ${SKIP})`}`, () => {
  const through = (name: (typeof CONFIGS)[number], log: HostLog): SysmonEvent[] => log.loggedBy(new SysmonConfigFilter(loadSysmonConfig(name).config));
  const summary = (engine: ReturnType<typeof runEvents>['engine']) => collectStats(engine, new DecodeCounters(), 1, 0, 1).notJudged.map(formatNotJudged);

  it.each(CONFIGS)('%s: no false smss.child-no-exit although the hosts send exits; the summary says why the children were not judged', (name) => {
    const events = through(name, day('WKS-1', 41, false));
    expect(events.some((e) => e.eventId === 5)).toBe(true); // exits of programs under C:\Users get through...
    expect(events.some((e) => e.eventId === 5 && e.image === SMSS)).toBe(false); // ...never an smss exit
    const { alerts, engine } = runEvents(events);
    expect(alerts).toEqual([]);
    const lines = summary(engine);
    if (name === 'swiftonsecurity') {
      // Child smss creations get through, their exits do not: every child's deadline the data passes
      // is left unjudged (two at boot, two RDP sessions; the reboot's are not reached: nothing logged after them).
      expect(lines).toContain('smss.child-no-exit: 4 child smss not judged on 1 host(s): no exit of a System32 image was logged in their boot, so a child that never exits cannot be told from one whose exit was not logged');
      expect(lines).toContain('smss.instances: 1 of 1 host(s) had nothing to judge: no master smss creation was logged (boots known from their child smss only)');
    } else {
      // No smss creation at all.
      expect(lines).toContain('smss.child-no-exit: 1 of 1 host(s) had nothing to judge: no child smss creation was logged');
      expect(lines).toContain('smss.path: 1 of 1 host(s) had nothing to judge: no smss.exe creation was logged');
    }
  });

  it.each(CONFIGS)('%s: told the configuration (replay --sysmon-config), the same alerts, and the deciding line in the summary', (name) => {
    const events = through(name, day('WKS-2', 42, false));
    const { alerts, engine } = runEvents(events, { sysmon: { configs: [{ hosts: ['WKS-*'], config: name }] } });
    expect(alerts).toEqual([]);
    const lines = summary(engine);
    if (name === 'swiftonsecurity') {
      expect(lines).toContain(`smss.child-no-exit: 4 child smss not judged on 1 host(s): swiftonsecurity drops EventID 5 for ${SMSS} (swiftonsecurity-sysmonconfig-export.xml line 393)`);
      expect(lines).toContain('smss.instances: 1 host(s) not judged: swiftonsecurity drops master smss creation (swiftonsecurity-sysmonconfig-export.xml line 94)');
    } else {
      expect(lines).toContain('smss.child-no-exit: 1 host(s) not judged: sysmon-modular drops child smss creation, child smss exit (olafhartong-sysmon-modular-sysmonconfig.xml lines 32, 909)');
    }
  });

  it('catches a child smss that lives on where its creation is logged (SwiftOnSecurity), and cannot where it is not (sysmon-modular)', () => {
    for (const told of [false, true]) {
      const cfg = (name: string) => (told ? { sysmon: { configs: [{ hosts: ['*'], config: name }] } } : {});
      const swift = runEvents(through('swiftonsecurity', day('WKS-3', 43, true)), cfg('swiftonsecurity'));
      expect(swift.alerts.map((a) => [a.rule, a.process.pid, a.time, a.evidence.map((e) => e.eventId)])).toEqual([
        ['smss.child-no-exit', 6300, new Date(T0 + 3000 + 2430 * SEC).toISOString(), [1, 13]],
      ]);
      expect(runEvents(through('sysmon-modular', day('WKS-4', 44, true)), cfg('sysmon-modular')).alerts).toEqual([]);
    }
  });

  it('names every public configuration and the built-ins by name, failing clearly when a shared file is absent', () => {
    expect(() => loadSysmonConfig('swiftonsecurity', { PROCTREE_SYSMON_CONFIGS: '/nonexistent' })).toThrow(/the "swiftonsecurity" configuration is read from \/nonexistent\/swiftonsecurity-sysmonconfig-export\.xml, which is not there/);
  });
});
