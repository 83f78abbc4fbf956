// Writes the bundled samples/*.xml: a normal fleet boot and one case per rule (plus decoys that
// must stay quiet). Run with `npm run samples:make`; then `UPDATE_GOLDEN=1 npm test` rewrites
// the expected alerts, and a human reads the diff.

import { writeFileSync } from 'node:fs';
import { HostLog, eventsDocument, type Proc } from '../test/helpers/sysmon-xml.js';

const T0 = Date.UTC(2024, 2, 4, 7, 0, 0, 0);
const SEC = 1000;
const out = (name: string, events: string[]): void => writeFileSync(new URL(`../samples/${name}.xml`, import.meta.url), eventsDocument(events));

// --- normal boots on several hosts: nothing may alert -----------------------------------
{
  const all: string[] = [];
  // Host 1: full boot with exits, an RDP logon later adds a child smss that exits in 88 ms.
  const a = new HostLog('WS01.corp.example', 1);
  const b1 = a.boot(T0, { exits: true });
  const explorer = a.create(b1.t + 20 * SEC, a.proc(4120, 'C:\\Windows\\explorer.exe', 'C:\\Windows\\Explorer.EXE', b1.winlogon, { user: 'CORP\\alice', logonId: '0x5a3b1', session: 1 }));
  a.network(b1.t + 25 * SEC, explorer, '13.107.4.52');
  const rdp = a.create(b1.t + 3600 * SEC, a.proc(5500, 'C:\\Windows\\System32\\smss.exe', '\\SystemRoot\\System32\\smss.exe 00000114 000000cc ', b1.master, { session: 2 }));
  a.create(b1.t + 3600 * SEC + 40, a.proc(5504, 'C:\\Windows\\System32\\csrss.exe', '%SystemRoot%\\system32\\csrss.exe ObjectDirectory=\\Windows', rdp, { session: 2 }));
  a.create(b1.t + 3600 * SEC + 60, a.proc(5512, 'C:\\Windows\\System32\\winlogon.exe', 'winlogon.exe', rdp, { session: 2 }));
  a.exit(b1.t + 3600 * SEC + 88, rdp);
  // Ordinary registry write, and one to Session Manager\Environment (not Subsystems).
  a.registrySet(b1.t + 3700 * SEC, b1.services, 'HKLM\\System\\CurrentControlSet\\Services\\bam\\State\\UserSettings\\S-1-5-21-1\\Device', 'Binary Data');
  a.registryObject(b1.t + 3710 * SEC, explorer, 'DeleteValue', 'HKLM\\System\\CurrentControlSet\\Control\\SESSION MANAGER\\Environment\\__PSLockdownPolicy');
  // A baseline write to Subsystems (Windows value rewritten with its usual content): quiet.
  a.registrySet(b1.t + 3720 * SEC, b1.services, 'HKLM\\System\\CurrentControlSet\\Control\\Session Manager\\Subsystems\\Windows',
    '%SystemRoot%\\system32\\csrss.exe ObjectDirectory=\\Windows SharedSection=1024,20480,768 Windows=On SubSystemType=Windows ServerDll=basesrv,1 ServerDll=winsrv:UserServerDllInitialization,3 ServerDll=sxssrv,4 ProfileControl=Off MaxRequestThreads=16');
  all.push(...a.events);

  // Host 2: a configuration that logs no EventID 5, booted twice with the same PIDs (one file).
  const b = new HostLog('ws02.corp.example', 2);
  const first = b.boot(T0 + 5 * SEC, { exits: false });
  b.create(first.t + 60 * SEC, b.proc(2200, 'C:\\Windows\\System32\\svchost.exe', 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p', first.services));
  b.boot(T0 + 86_400 * SEC, { exits: false });
  all.push(...b.events);

  // Host 3: localised SYSTEM account name and zero-padded LogonId; host name in two cases.
  const c = new HostLog('DC01', 3, 5000, 'NT-AUTORITÄT\\SYSTEM');
  const b3 = c.boot(T0 + 10 * SEC, { exits: true });
  const c2 = new HostLog('dc01', 3, 9000, 'NT-AUTORITÄT\\SYSTEM');
  c2.create(b3.t + 30 * SEC, { ...c2.proc(1888, 'C:\\Windows\\System32\\svchost.exe', 'C:\\Windows\\system32\\svchost.exe -k DcomLaunch', b3.services), logonId: '0x00000000000003e7' });
  all.push(...c.events, ...c2.events);
  out('normal-boot-fleet', all);
}

// --- one case per rule ------------------------------------------------------------------
{
  const h = new HostLog('PC-PATH', 11);
  const b = h.boot(T0, { exits: true });
  const fake = h.create(b.t + 600 * SEC, h.proc(6620, 'C:\\Windows\\Temp\\smss.exe', 'C:\\Windows\\Temp\\smss.exe 00000118 000000cc ', b.master, { session: 3 }));
  h.exit(b.t + 600 * SEC + 400, fake);
  // Decoy: the legitimate \SystemRoot\ spelling of the genuine path.
  const ok = h.create(b.t + 700 * SEC, h.proc(6700, '\\SystemRoot\\System32\\smss.exe', '\\SystemRoot\\System32\\smss.exe 0000011c 000000cc ', b.master, { session: 4 }));
  h.exit(b.t + 700 * SEC + 300, ok);
  out('rule-smss-path', h.events);
}
{
  const h = new HostLog('PC-PARENT', 12);
  const b = h.boot(T0, { exits: true });
  const cmd = h.create(b.t + 300 * SEC, h.proc(7100, 'C:\\Windows\\System32\\cmd.exe', 'cmd.exe /c start smss.exe', b.services, { user: 'CORP\\svc-backup', logonId: '0x3e7' }));
  const rogue = h.create(b.t + 301 * SEC, h.proc(7112, 'C:\\Windows\\System32\\smss.exe', 'smss.exe', cmd));
  h.exit(b.t + 302 * SEC, rogue);
  out('rule-smss-parent', h.events);
}
{
  const h = new HostLog('PC-USER', 13);
  const b = h.boot(T0, { exits: true });
  const child = h.create(b.t + 900 * SEC, h.proc(8120, 'C:\\Windows\\System32\\smss.exe', '\\SystemRoot\\System32\\smss.exe 00000120 000000cc ', b.master, { user: 'CORP\\mallory', logonId: '0x7c1f02', session: 3 }));
  h.exit(b.t + 900 * SEC + 200, child);
  out('rule-smss-user', h.events);
}
{
  const h = new HostLog('PC-LINGER', 14);
  const b = h.boot(T0, { exits: true });
  const child = h.create(b.t + 120 * SEC, h.proc(9001, 'C:\\Windows\\System32\\smss.exe', '\\SystemRoot\\System32\\smss.exe 00000124 000000cc ', b.master, { session: 2 }));
  h.create(b.t + 120 * SEC + 50, h.proc(9010, 'C:\\Windows\\System32\\csrss.exe', '%SystemRoot%\\system32\\csrss.exe ObjectDirectory=\\Windows', child, { session: 2 }));
  // Decoy: a child that exits 29.9 s after it started, just inside child_exit_secs (30).
  const slow = h.create(b.t + 200 * SEC, h.proc(9101, 'C:\\Windows\\System32\\smss.exe', '\\SystemRoot\\System32\\smss.exe 00000128 000000cc ', b.master, { session: 3 }));
  h.exit(b.t + 229_900, slow);
  // Later activity moves the watermark past both deadlines; the first child never exits.
  h.registrySet(b.t + 400 * SEC, b.services, 'HKLM\\System\\CurrentControlSet\\Services\\W32Time\\Config\\LastKnownGoodTime', 'QWORD (0x01da6e0b-0x8f3c2a00)');
  out('rule-smss-child-no-exit', h.events);
}
{
  const h = new HostLog('PC-TWOMASTERS', 15);
  const b = h.boot(T0, { exits: false });
  // A second master (parent System) while the first boot keeps running: its services.exe acts later.
  const sys = h.system;
  h.create(b.t + 3000 * SEC, h.proc(7700, 'C:\\Windows\\System32\\smss.exe', '\\SystemRoot\\System32\\smss.exe', sys));
  h.create(b.t + 3010 * SEC, h.proc(7720, 'C:\\Windows\\System32\\svchost.exe', 'C:\\Windows\\system32\\svchost.exe -k LocalService', b.services));
  out('rule-smss-instances', h.events);
}
{
  const h = new HostLog('PC-CHILD', 16);
  const b = h.boot(T0, { exits: true });
  const child = h.create(b.t + 500 * SEC, h.proc(9300, 'C:\\Windows\\System32\\smss.exe', '\\SystemRoot\\System32\\smss.exe 0000012c 000000cc ', b.master, { session: 2 }));
  h.create(b.t + 500 * SEC + 30, h.proc(9312, 'C:\\Windows\\System32\\cmd.exe', 'cmd.exe /c whoami > C:\\Users\\Public\\o.txt', child, { session: 2 }));
  h.exit(b.t + 500 * SEC + 90, child);
  out('rule-smss-unexpected-child', h.events);
}
{
  const h = new HostLog('PC-REG', 17);
  const b = h.boot(T0, { exits: true });
  const reg = h.create(b.t + 50 * SEC, h.proc(4800, 'C:\\Windows\\System32\\reg.exe', 'reg add "HKLM\\System\\CurrentControlSet\\Control\\Session Manager\\Subsystems" /v Windows /d evil', b.services, { user: 'CORP\\admin', logonId: '0x99f1e' }));
  h.registrySet(b.t + 50 * SEC + 20, reg, 'HKLM\\System\\CurrentControlSet\\Control\\Session Manager\\Subsystems\\Windows', '%SystemRoot%\\system32\\csrss.exe ObjectDirectory=\\Windows ServerDll=C:\\Users\\Public\\evil.dll,5');
  h.registrySet(b.t + 51 * SEC, reg, 'HKLM\\System\\ControlSet001\\Control\\Session Manager\\BootExecute', 'autocheck autochk * evil.exe');
  // Decoy: BootExecute rewritten with its baseline value.
  h.registrySet(b.t + 52 * SEC, reg, 'HKLM\\System\\CurrentControlSet\\Control\\Session Manager\\BootExecute', 'autocheck autochk *');
  out('rule-smss-subsystems-registry', h.events);
}

// --- core process baselines (docs/rules.md, "Core process baselines"): one case per process,
// each with decoys that must stay quiet ------------------------------------------------------
{
  const S32 = 'C:\\Windows\\System32\\';
  const ALICE = { user: 'CORP\\alice', logonId: '0x5a3b1', session: 1 };
  type Body = (h: HostLog, b: ReturnType<HostLog['boot']>) => void;
  // One file per process; each body is a host of its own (PC-CORE-<NAME>, then -2, -3), so that a
  // case that ends or replaces a boot-long process does not disturb the others.
  const core = (name: string, hostNo: number, ...bodies: Body[]): void => {
    const events: string[] = [];
    bodies.forEach((body, i) => {
      const h = new HostLog(`PC-CORE-${name.toUpperCase()}${i === 0 ? '' : `-${i + 1}`}`, hostNo + 100 * i);
      const b = h.boot(T0, { exits: true });
      body(h, b);
      events.push(...h.events);
    });
    out(`rule-core-${name}`, events);
  };
  const MALLORY = { user: 'CORP\\mallory', logonId: '0x7c1f02', session: 1 };
  /** A new session smss (child of the master) that starts `procs` in its session and exits 100 ms later, as at an RDP logon. */
  const sessionSmss = (h: HostLog, b: ReturnType<HostLog['boot']>, t: number, pid: number, session: number, procs: [number, string, string, Partial<Proc>?][]): Proc[] => {
    const smss = h.create(t, h.proc(pid, `${S32}smss.exe`, `\\SystemRoot\\System32\\smss.exe 0000${(0x114 + session * 4).toString(16)} 000000cc `, b.master, { session }));
    const made = procs.map(([p, image, cmd, opts], i) => h.create(t + 20 + 10 * i, h.proc(p, image, cmd, smss, { session, ...opts })));
    h.exit(t + 100, smss);
    return made;
  };
  core('system', 40, (h, b) => {
    h.create(b.t + 10 * SEC, h.proc(5100, 'C:\\ProgramData\\drv\\kload.exe', 'kload.exe', h.system));
  });
  core('csrss', 41, (h, b) => {
    // Started by the master itself, in session 3; decoy: an RDP session's csrss under its own child smss.
    h.create(b.t + 100 * SEC, h.proc(5200, `${S32}csrss.exe`, 'csrss.exe ObjectDirectory=\\Windows', b.master, { session: 3 }));
    const rdp = h.create(b.t + 200 * SEC, h.proc(5210, `${S32}smss.exe`, '\\SystemRoot\\System32\\smss.exe 00000114 000000cc ', b.master, { session: 2 }));
    h.create(b.t + 200 * SEC + 40, h.proc(5214, `${S32}csrss.exe`, 'csrss.exe ObjectDirectory=\\Windows', rdp, { session: 2 }));
    h.exit(b.t + 200 * SEC + 90, rdp);
  }, (h, b) => {
    // Session 2: a csrss from the wrong folder running as a user (path, user). Session 3: a second
    // csrss in one session (instances). Decoy, session 4: a localised SYSTEM name, known by its LogonId.
    sessionSmss(h, b, b.t + 100 * SEC, 5230, 2, [[5234, 'C:\\Windows\\Temp\\csrss.exe', 'csrss.exe ObjectDirectory=\\Windows', { user: 'CORP\\mallory', logonId: '0x7c1f02' }]]);
    sessionSmss(h, b, b.t + 200 * SEC, 5240, 3, [
      [5244, `${S32}csrss.exe`, 'csrss.exe ObjectDirectory=\\Windows'],
      [5248, `${S32}csrss.exe`, 'csrss.exe ObjectDirectory=\\Windows'],
    ]);
    sessionSmss(h, b, b.t + 300 * SEC, 5250, 4, [[5254, `${S32}csrss.exe`, 'csrss.exe ObjectDirectory=\\Windows', { user: 'NT-AUTORITÄT\\SYSTEM' }]]);
  });
  core('wininit', 42, (h, b) => {
    // wininit starting a dropped binary; decoy: WerFault.
    h.create(b.t + 30 * SEC, h.proc(5300, 'C:\\ProgramData\\upd\\wupd.exe', 'wupd.exe', b.wininit));
    h.create(b.t + 31 * SEC, h.proc(5310, `${S32}WerFault.exe`, 'WerFault.exe -u -p 468', b.wininit));
  }, (h, b) => {
    // wininit exits (lifetime) and a session-0 smss starts it again 15 minutes into the boot
    // (start); the one that exited does not count as a second instance (decoy for instances).
    h.exit(b.t + 900 * SEC, b.wininit);
    sessionSmss(h, b, b.t + 901 * SEC, 5330, 0, [[5334, `${S32}wininit.exe`, 'wininit.exe']]);
  }, (h, b) => {
    // A user's shell starts a wininit.exe from ProgramData in session 1 beside the real one:
    // path, parent, user, session and instances.
    const cmd = h.create(b.t + 60 * SEC, h.proc(5340, `${S32}cmd.exe`, 'cmd.exe', b.winlogon, MALLORY));
    h.create(b.t + 61 * SEC, h.proc(5344, 'C:\\ProgramData\\wininit.exe', 'wininit.exe', cmd, MALLORY));
  });
  core('services', 43, (h, b) => {
    // services.exe exits (the boot cannot go on without it); decoy: an ordinary service child.
    h.create(b.t + 20 * SEC, h.proc(5400, `${S32}spoolsv.exe`, 'spoolsv.exe', b.services));
    h.exit(b.t + 40 * SEC, b.services);
  }, (h, b) => {
    // services.exe exits (lifetime) and wininit starts it again 15 minutes into the boot (start);
    // the one that exited does not count as a second instance (decoy for instances).
    h.exit(b.t + 900 * SEC, b.services);
    h.create(b.t + 901 * SEC, h.proc(5420, `${S32}services.exe`, 'C:\\Windows\\system32\\services.exe', b.wininit));
  }, (h, b) => {
    // A user's shell starts a services.exe from Temp in session 1 beside the real one: path,
    // parent, user, session and instances.
    const cmd = h.create(b.t + 60 * SEC, h.proc(5430, `${S32}cmd.exe`, 'cmd.exe', b.winlogon, MALLORY));
    h.create(b.t + 61 * SEC, h.proc(5434, 'C:\\Windows\\Temp\\services.exe', 'services.exe', cmd, MALLORY));
  });
  core('lsass', 44, (h, b) => {
    // A second lsass from a user's shell, outside System32; decoy: lsass's own WerFault.
    const cmd = h.create(b.t + 60 * SEC, h.proc(5500, `${S32}cmd.exe`, 'cmd.exe', b.services));
    h.create(b.t + 61 * SEC, h.proc(5510, 'C:\\Users\\Public\\lsass.exe', 'lsass.exe', cmd));
    h.create(b.t + 62 * SEC, h.proc(5520, `${S32}WerFault.exe`, 'WerFault.exe -u -p 640', b.lsass));
  }, (h, b) => {
    // lsass starts a shell (children), later exits (lifetime), and wininit starts an lsass.exe
    // as a user in session 1 15 minutes into the boot: user, session and start, but not
    // instances (the first one exited). Decoy: lsass starting efsui.exe.
    h.create(b.t + 30 * SEC, h.proc(5530, `${S32}efsui.exe`, 'efsui.exe /efs /enc', b.lsass));
    h.create(b.t + 31 * SEC, h.proc(5534, `${S32}cmd.exe`, 'cmd.exe /c whoami', b.lsass));
    h.exit(b.t + 900 * SEC, b.lsass);
    h.create(b.t + 901 * SEC, h.proc(5540, `${S32}lsass.exe`, 'C:\\Windows\\system32\\lsass.exe', b.wininit, MALLORY));
  });
  core('svchost', 45, (h, b) => {
    // From the wrong folder, and at the right path under cmd.exe; decoys: SysWOW64, a volume
    // path spelling, and Defender starting svchost.
    h.create(b.t + 10 * SEC, h.proc(5600, 'C:\\Windows\\Temp\\svchost.exe', 'svchost.exe -k netsvcs', b.services));
    const cmd = h.create(b.t + 20 * SEC, h.proc(5610, `${S32}cmd.exe`, 'cmd.exe', b.services));
    h.create(b.t + 21 * SEC, h.proc(5620, `${S32}svchost.exe`, 'svchost.exe', cmd));
    h.create(b.t + 30 * SEC, h.proc(5630, 'C:\\Windows\\SysWOW64\\svchost.exe', 'svchost.exe -k wow', b.services));
    h.create(b.t + 31 * SEC, h.proc(5640, '\\Device\\HarddiskVolume2\\Windows\\System32\\svchost.exe', 'svchost.exe -k vol', b.services));
    const defender = h.create(b.t + 32 * SEC, h.proc(5650, 'C:\\Program Files\\Windows Defender\\MsMpEng.exe', 'MsMpEng.exe', b.services));
    h.create(b.t + 33 * SEC, h.proc(5660, `${S32}svchost.exe`, '"c:\\windows\\system32\\\\svchost.exe"', defender));
  });
  core('winlogon', 46, (h, b) => {
    // A second winlogon in session 1 started by the master (wrong parent role and one too many).
    h.create(b.t + 100 * SEC, h.proc(5700, `${S32}winlogon.exe`, 'winlogon.exe', b.master, { session: 1 }));
  }, (h, b) => {
    // An RDP session whose winlogon comes from Temp and runs as a user (path, user); decoy: the
    // next RDP session's csrss and winlogon as Windows starts them.
    sessionSmss(h, b, b.t + 100 * SEC, 5730, 2, [
      [5734, `${S32}csrss.exe`, 'csrss.exe ObjectDirectory=\\Windows'],
      [5738, 'C:\\Windows\\Temp\\winlogon.exe', 'winlogon.exe', { user: 'CORP\\mallory', logonId: '0x7c1f02' }],
    ]);
    sessionSmss(h, b, b.t + 200 * SEC, 5740, 3, [
      [5744, `${S32}csrss.exe`, 'csrss.exe ObjectDirectory=\\Windows'],
      [5748, `${S32}winlogon.exe`, 'winlogon.exe'],
    ]);
  });
  core('explorer', 47, (h, b) => {
    // Decoys: userinit -> explorer at logon, and winlogon restarting the shell; firing: explorer under cmd.exe.
    const userinit = h.create(b.t + 20 * SEC, h.proc(5800, `${S32}userinit.exe`, 'userinit.exe', b.winlogon, ALICE));
    const explorer = h.create(b.t + 21 * SEC, h.proc(5810, 'C:\\Windows\\explorer.exe', 'C:\\Windows\\Explorer.EXE', userinit, ALICE));
    h.exit(b.t + 25 * SEC, userinit);
    h.exit(b.t + 300 * SEC, explorer);
    h.create(b.t + 301 * SEC, h.proc(5820, 'C:\\Windows\\explorer.exe', 'C:\\Windows\\Explorer.EXE', b.winlogon, ALICE));
    const cmd = h.create(b.t + 400 * SEC, h.proc(5830, `${S32}cmd.exe`, 'cmd.exe', b.winlogon, ALICE));
    h.create(b.t + 401 * SEC, h.proc(5840, 'C:\\Windows\\explorer.exe', 'explorer.exe', cmd, ALICE));
  }, (h, b) => {
    // userinit starting an explorer.exe from Public (path) and one in session 0 (session);
    // decoy: the SysWOW64 explorer.
    const userinit = h.create(b.t + 20 * SEC, h.proc(5850, `${S32}userinit.exe`, 'userinit.exe', b.winlogon, ALICE));
    h.create(b.t + 21 * SEC, h.proc(5854, 'C:\\Users\\Public\\explorer.exe', 'explorer.exe', userinit, ALICE));
    h.create(b.t + 22 * SEC, h.proc(5858, 'C:\\Windows\\explorer.exe', 'C:\\Windows\\Explorer.EXE', userinit, { ...ALICE, session: 0 }));
    h.create(b.t + 23 * SEC, h.proc(5862, 'C:\\Windows\\SysWOW64\\explorer.exe', 'explorer.exe', userinit, ALICE));
    h.exit(b.t + 25 * SEC, userinit);
  });
}
