// Injected anomalies, one kind per rule of docs/rules.md, each shaped to raise exactly that
// rule; and decoys that look close to an anomaly but must raise nothing. Each plans events on
// a host at the time its Inject or Decoy plan comes up, against the host's state then.

import { planChildSmss, planRdpSession } from './boot.js';
import { Kind, makePlan, type HostSim, type Plan } from './host.js';
import { RULES, type RuleId } from './labels.js';
import { Role, type Proc } from './model.js';
import { enc } from './bytes.js';
import { CREATE_KEY, DELETE_VALUE } from './catalog.js';
import { xmlText } from './text.js';

/** One anomaly kind per rule, in the rules' order. */
export const ANOMALY_KINDS: readonly RuleId[] = RULES;

/** Anomaly kinds that only show on a host whose configuration logs exits. */
export const NEEDS_EXITS: ReadonlySet<RuleId> = new Set<RuleId>(['smss.child-no-exit', 'smss.instances']);

export const DECOY_KINDS = [
  'child-exit-at-threshold',
  'environment-write',
  'subsystems-createkey',
  'reboot',
  'localised-system',
  'smss-path-spelling',
  'rdp-unseen-master',
] as const;
export type DecoyKind = (typeof DECOY_KINDS)[number];

const SM = 'HKLM\\System\\CurrentControlSet\\Control\\Session Manager';
const DROP = 'C:\\ProgramData\\Microsoft\\DeviceSync';
const RUN_KEY = enc(xmlText('HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\DeviceSync'));

/** Subsystems / Session Manager writes no baseline allows: [EventID, EventType, TargetObject, Details]. */
const BAD_WRITES: Array<[number, Uint8Array, Uint8Array, Uint8Array]> = (
  [
    [13, 'SetValue', `${SM}\\Subsystems\\Windows`, `%SystemRoot%\\system32\\csrss.exe ObjectDirectory=\\Windows SharedSection=1024,20480,768 Windows=On SubSystemType=Windows ServerDll=basesrv,1 ServerDll=winsrv:UserServerDllInitialization,3 ServerDll=${DROP}\\sxssrv.dll,4 ProfileControl=Off MaxRequestThreads=16`],
    [13, 'SetValue', 'HKLM\\System\\ControlSet001\\Control\\Session Manager\\Subsystems\\Kmode', `\\??\\${DROP}\\win32kx.sys`],
    [13, 'SetValue', '\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\S0InitialCommand', `${DROP}\\devsvc.exe`],
    [12, 'DeleteValue', `${SM}\\Subsystems\\Posix`, ''],
    [13, 'SetValue', `${SM}\\SetupExecute`, `${DROP}\\devsvc.exe -install`],
  ] as Array<[number, string, string, string]>
).map(([e, ty, k, d]) => [e, ty === 'DeleteValue' ? DELETE_VALUE : enc(ty), enc(xmlText(k)), enc(xmlText(d))]);

function liveOf(h: HostSim, key: string, epoch = h.epoch): Proc | null {
  for (const p of h.live) if (p.spec.key === key && p.created && p.epoch === epoch && p.role === Role.Other) return p;
  return null;
}

function labelled(p: Plan, rule: RuleId, subject: Proc): Plan {
  p.rule = rule;
  p.subject = subject;
  return p;
}

export function injectAnomaly(h: HostSim, rule: RuleId, t: number): void {
  const r = h.rng;
  const master = h.master;
  if (master === null || master.exited) return;
  const variant = r.int(2);
  switch (rule) {
    case 'smss.path': {
      // A child of the real master running from the wrong folder (or renamed: OriginalFileName smss.exe); exits in time.
      const fake = h.proc(variant === 0 ? 'fake-smss-temp' : 'fake-smss-renamed', master, h.system, t, { role: Role.ChildSmss });
      const c = labelled(h.planCreate(fake, 80 + r.int(800)), rule, fake);
      if (variant === 1) {
        // Renamed (svcupd.exe, OriginalFileName smss.exe): by file name it is also a child the
        // master may not start (allowed_children lists file names), so both rules hold.
        c.alsoRule = 'smss.unexpected-child';
        c.alsoSubject = master;
      }
      return;
    }
    case 'smss.parent': {
      // smss.exe at the right path, started by a SYSTEM shell.
      const svc = liveOf(h, 'svchost');
      if (svc === null) return;
      const cmd = h.proc('cmd', svc, h.system, t, { cmdline: xmlText('C:\\Windows\\system32\\cmd.exe /c C:\\Windows\\System32\\smss.exe') });
      h.planCreate(cmd, 4000 + r.int(2000));
      const rogue = h.proc('smss', cmd, h.system, t + 40 + r.int(200), { role: Role.Rogue });
      labelled(h.planCreate(rogue, 300 + r.int(2000)), rule, rogue);
      return;
    }
    case 'smss.user': {
      // A child smss of the real master that does not run as SYSTEM.
      const user = h.logon(h.userName, 0x200000 + r.int(0xfffff), h.nextSession++, 'High', t);
      const child = h.proc('smss', master, user, t, { role: Role.ChildSmss, cmdline: xmlText('\\SystemRoot\\System32\\smss.exe 00000180 00000084 ') });
      labelled(h.planCreate(child, 100 + r.int(500)), rule, child);
      return;
    }
    case 'smss.child-no-exit': {
      // An RDP session whose child smss lingers: never exits, or exits well after the deadline.
      const late = variant === 0 ? Infinity : h.thresholds.childExitSecs * 1000 + 1000 + r.int(60_000);
      const cs = planRdpSession(h, t, late); // the label comes from the host's exit watch (host.ts)
      if (cs !== null && late === Infinity) {
        // The hollowed child persists: a Run key, well after its deadline. A processor that cannot
        // see exits still sees it live on, where the configuration logs the write.
        h.plan(makePlan(t + h.thresholds.childExitSecs * 1000 + 2000 + r.int(30_000), Kind.RegSet, cs.child, null, 0, RUN_KEY, enc(xmlText(`${DROP}\\devsvc.exe`))));
      }
      return;
    }
    case 'smss.instances': {
      // A second master (parent System) while the first lives on and old-boot processes keep acting.
      h.epoch++;
      const sys = h.systemProc as Proc;
      const second = h.proc('smss', sys, h.system, t, { role: Role.Master });
      h.planCreate(second);
      const svc = liveOf(h, 'svchost', h.epoch - 1);
      if (svc !== null) {
        const [key, details] = [enc(xmlText(`${SM}\\Memory Management\\PrefetchParameters\\BootId`)), enc('DWORD (0x0000002f)')];
        h.plan(makePlan(t + 1000 + r.int(Math.min(60_000, (h.thresholds.rebootCheckSecs * 1000) / 2)), Kind.RegSet, svc, null, 0, key, details));
      }
      return; // the label comes from the host's instance watch: the first old-boot act decides its time
    }
    case 'smss.unexpected-child': {
      if (variant === 0) {
        const implant = h.proc('implant', master, h.system, t, {});
        labelled(h.planCreate(implant, 20_000 + r.int(20_000)), rule, master);
      } else {
        // A session's child smss that also starts autochk.exe (allowed under the master only).
        const cs = planChildSmss(h, master, t, h.nextSession++, 'winlogon', h.freePid(), h.system);
        const ac = h.proc('autochk', cs.child, h.system, cs.csrss.start + 1, {});
        labelled(h.planCreate(ac, 500 + r.int(500)), rule, cs.child);
      }
      return;
    }
    case 'smss.subsystems-registry': {
      const parent = liveOf(h, 'svchost');
      if (parent === null) return;
      const writer = h.proc(variant === 0 ? 'reg' : 'powershell', parent, h.system, t, {});
      h.planCreate(writer, 600 + r.int(900));
      const [eid, type, key, details] = BAD_WRITES[r.int(BAD_WRITES.length)];
      const w = eid === 13 ? makePlan(t + 50 + r.int(300), Kind.RegSet, writer, null, 0, key, details) : makePlan(t + 50 + r.int(300), Kind.RegObject, writer, null, 0, key, type);
      labelled(h.plan(w), rule, writer);
      return;
    }
  }
}

export function injectDecoy(h: HostSim, kind: DecoyKind, t: number): void {
  const r = h.rng;
  switch (kind) {
    case 'child-exit-at-threshold': {
      // Exactly at the deadline is in time (docs/rules.md); so is a little before.
      const limit = h.thresholds.childExitSecs * 1000;
      planRdpSession(h, t, r.chance(0.5) ? limit : limit - 1 - r.int(999));
      return;
    }
    case 'environment-write': {
      const svc = liveOf(h, 'svchost');
      if (svc === null) return;
      h.plan(makePlan(t, Kind.RegSet, svc, null, 0, enc(xmlText('HKLM\\System\\CurrentControlSet\\Control\\SESSION MANAGER\\Environment\\TEMP')), enc(xmlText('%SystemRoot%\\TEMP'))));
      h.plan(makePlan(t + 5, Kind.RegObject, svc, null, 0, enc(xmlText('HKLM\\System\\CurrentControlSet\\Control\\SESSION MANAGER\\Environment\\__PSLockdownPolicy')), DELETE_VALUE));
      return;
    }
    case 'subsystems-createkey': {
      const svc = liveOf(h, 'svchost');
      if (svc === null) return;
      h.plan(makePlan(t, Kind.RegObject, svc, null, 0, enc(xmlText(`${SM}\\Subsystems`)), CREATE_KEY));
      return;
    }
    case 'rdp-unseen-master':
      planRdpSession(h, t);
      return;
    default:
      return; // host-level decoys (reboot, locale, path spelling) are traits set when the fleet is built
  }
}
