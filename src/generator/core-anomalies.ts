// Injected anomalies and decoys for the core process baselines (docs/rules.md, "Core process
// baselines"), with their labels. Each anomaly is shaped to raise exactly the checks it labels
// under the baselines shipped in pipelines/replay.yaml; each decoy looks close to one and must
// raise nothing. Off unless the fleet asks for them (FleetOptions.coreAnomalies), so fleets of
// the smss rules alone stay as they were.

import { injectAnomaly, injectDecoy, type DecoyKind } from './anomalies.js';
import { Kind, makePlan, type HostSim, type Plan } from './host.js';
import type { RuleId } from './labels.js';
import { Role, inSession, type Logon, type Proc } from './model.js';
import { xmlText } from './text.js';

export const CORE_ANOMALY_KINDS = [
  'core.svchost.path',
  'core.svchost.parent',
  'core.explorer.parent',
  'core.lsass.parent',
  'core.lsass.instances',
  'core.lsass.children',
  'core.services.path',
  'core.services.instances',
  'core.wininit.children',
  'core.csrss.path',
  'core.winlogon.path',
  'core.winlogon.user',
  'core.explorer.path',
  'core.services.lifetime',
  'core.wininit.lifetime',
  'core.lsass.lifetime',
  'core.lsass.path',
  'core.system.children',
  'core.explorer.session',
  'core.csrss.user',
  'core.services.parent',
  'core.services.user',
  'core.services.session',
  'core.lsass.user',
  'core.lsass.session',
  'core.wininit.parent',
  'core.csrss.parent',
  'core.csrss.session',
  'core.csrss.instances',
  'core.winlogon.parent',
  'core.winlogon.session',
  'core.winlogon.instances',
  'core.wininit.path',
  'core.wininit.user',
  'core.wininit.session',
] as const satisfies readonly RuleId[];
export type CoreAnomalyKind = (typeof CORE_ANOMALY_KINDS)[number];

export const CORE_DECOY_KINDS = ['svchost-syswow64', 'svchost-from-defender', 'explorer-shell-restart', 'session-number-reuse'] as const;
export type CoreDecoyKind = (typeof CORE_DECOY_KINDS)[number];

/** How long after the boot lsass, services and wininit may start (the shipped core.<process>.start). */
const START_WITHIN_MS = 600_000;

/**
 * Anomaly kinds that show only where the host logs the exits of System32 images: a boot-long
 * process exiting, and a second csrss or winlogon in a session (counted only where exits are).
 */
export const CORE_NEEDS_EXITS: ReadonlySet<RuleId> = new Set<RuleId>(['core.services.lifetime', 'core.wininit.lifetime', 'core.lsass.lifetime', 'core.csrss.instances', 'core.winlogon.instances']);

function isCore(kind: string): boolean {
  return kind.startsWith('core.');
}

/** A live process of the current boot by catalog key (created in the output or pre-existing). */
function liveOf(h: HostSim, key: string): Proc | null {
  for (const p of h.live) if (p.spec.key === key && p.created && !p.exited && p.epoch === h.epoch) return p;
  return null;
}

/**
 * liveOf, when no other live process holds the same PID: a processor reads the later holder as
 * the end of the earlier (Windows never shares a live PID), and an anomaly about that process
 * (its exit, a second instance beside it) would then not be visible. The boot plan gives
 * distinct PIDs (boot.ts, bootPid); an RDP session's csrss and winlogon take their child smss's
 * PID + 8 and + 108 unchecked, so the check stays.
 */
function soleLiveOf(h: HostSim, key: string): Proc | null {
  const p = liveOf(h, key);
  if (p === null) return null;
  for (const o of h.live) if (o !== p && o.pid === p.pid && o.epoch === p.epoch) return null;
  return p;
}

function labelled(p: Plan, rule: RuleId, subject: Proc): Plan {
  p.rule = rule;
  p.subject = subject;
  return p;
}

/**
 * The labels a second instance of a one-per-boot process (lsass, services, wininit) raises besides its
 * own: instances, and start when it comes late in the boot.
 */
function secondOfBoot(h: HostSim, c: Plan, rule: RuleId, proc: Proc, process: 'lsass' | 'services' | 'wininit'): void {
  labelled(c, rule, proc);
  const late = h.master !== null && h.master.created && proc.start - h.master.start > START_WITHIN_MS;
  const more: RuleId[] = [];
  if (rule !== `core.${process}.instances`) more.push(`core.${process}.instances`);
  if (late) more.push(`core.${process}.start`);
  if (more.length > 0) {
    c.alsoRule = more[0];
    c.alsoSubject = proc;
  }
  if (more.length > 1) c.thirdRule = more[1];
}

/** A child smss of the live master in `session`, exiting 300-500 ms after it starts; null when the master is gone or unseen. */
function childSmss(h: HostSim, t: number, session: number): Proc | null {
  const master = h.master;
  if (master === null || master.exited || !master.created) return null;
  const child = h.proc('smss', master, inSession(h.system, session), t, { image: master.image, cmdline: `\\SystemRoot\\System32\\smss.exe ${(0xcc + 12 * session).toString(16).padStart(8, '0')} 00000084 `, role: Role.ChildSmss });
  h.planCreate(child, 300 + h.rng.int(200));
  return child;
}

/** How an anomalous session changes one of its csrss.exe or winlogon.exe. */
interface SessionChange {
  image?: string;
  logon?: Logon;
  /** Start it a second time in the same session, 50-300 ms after the first. */
  twice?: boolean;
}

/** A session's csrss.exe and winlogon.exe, and the creation plan of the one an anomaly changed. */
interface PlannedSession {
  csrss: Proc;
  winlogon: Proc;
  changed: { proc: Proc; plan: Plan };
}

/**
 * A session as Windows starts one (the master's child smss starts csrss and winlogon in
 * `session`, then exits), with `which` changed as `change` says: `changed` is that one (its
 * second instance with `twice`).
 */
function planSession(h: HostSim, t: number, session: number, which: 'csrss' | 'winlogon', change: SessionChange): PlannedSession | null {
  const child = childSmss(h, t, session);
  if (child === null) return null;
  const r = h.rng;
  const sys = inSession(h.system, session);
  const start = (key: 'csrss' | 'winlogon', at: number): { proc: Proc; plan: Plan } => {
    const changed = key === which;
    const proc = h.proc(key, child, changed ? (change.logon ?? sys) : sys, at, changed && change.image !== undefined ? { image: change.image } : {});
    return { proc, plan: h.planCreate(proc) };
  };
  const csrss = start('csrss', t + 20 + r.int(100));
  const wl = start('winlogon', csrss.proc.start + 2 + r.int(100));
  const first = which === 'csrss' ? csrss : wl;
  return { csrss: csrss.proc, winlogon: wl.proc, changed: change.twice === true ? start(which, first.proc.start + 50 + r.int(250)) : first };
}

/**
 * A new session with `csrss` or `winlogon` changed as the anomaly needs: the creation plan of
 * the changed one. A session number of its own keeps the per-session instances checks quiet
 * unless the anomaly is about them.
 */
function sessionWith(h: HostSim, t: number, which: 'csrss' | 'winlogon', change: SessionChange): { proc: Proc; plan: Plan } | null {
  return planSession(h, t, h.nextSession++, which, change)?.changed ?? null;
}

/** The interactive winlogon of the current boot (session 1 or later), if any. */
function interactiveWinlogon(h: HostSim): Proc | null {
  let winlogon: Proc | null = null;
  for (const p of h.live) if (p.spec.key === 'winlogon' && p.created && !p.exited && p.logon.session >= 1 && p.role === Role.Other) winlogon = p;
  return winlogon;
}

/** The boot-long process `key` exits: its exit plan, labelled with `rule`. */
function exitOf(h: HostSim, key: string, rule: RuleId, t: number): void {
  const p = soleLiveOf(h, key);
  if (p === null) return;
  labelled(h.plan(makePlan(t, Kind.Exit, p)), rule, p);
}

/** A shell (cmd.exe, under `parent`) that starts the catalog process `key` as `logon`: its creation plan. */
function fromShell(h: HostSim, parent: Proc, logon: Logon, key: string, t: number): { proc: Proc; plan: Plan } {
  const cmd = h.proc('cmd', parent, logon, t, {});
  h.planCreate(cmd, 4000 + h.rng.int(2000));
  const proc = h.proc(key, cmd, logon, t + 40 + h.rng.int(200), {});
  return { proc, plan: h.planCreate(proc) };
}

export function injectCoreAnomaly(h: HostSim, kind: CoreAnomalyKind, t: number): void {
  const r = h.rng;
  const services = liveOf(h, 'services');
  if (services === null) return;
  switch (kind) {
    case 'core.svchost.path': {
      // svchost.exe under services.exe, from a folder it never runs from.
      const folder = r.int(2) === 0 ? 'C:\\Windows\\Temp' : 'C:\\ProgramData\\Microsoft\\Windows\\Caches';
      const svc = h.proc('svchost', services, h.system, t, { image: xmlText(`${folder}\\svchost.exe`) });
      labelled(h.planCreate(svc), kind, svc);
      return;
    }
    case 'core.svchost.parent': {
      // The genuine svchost.exe started by a SYSTEM shell instead of services.exe.
      const svc = fromShell(h, services, h.system, 'svchost', t);
      labelled(svc.plan, kind, svc.proc);
      return;
    }
    case 'core.explorer.parent': {
      // explorer.exe started from a user's shell rather than userinit.
      const session = h.userLogon !== null ? h.userLogon.session : h.nextSession++;
      const user = h.userLogon ?? h.logon(h.userName, 0x300000 + r.int(0xfffff), session, 'Medium', t);
      const explorer = fromShell(h, liveOf(h, 'explorer') ?? services, user, 'explorer', t);
      labelled(explorer.plan, kind, explorer.proc);
      return;
    }
    case 'core.lsass.parent': {
      // lsass.exe at the right path started by a SYSTEM shell: also a second lsass in the boot.
      const lsass = fromShell(h, services, h.system, 'lsass', t);
      secondOfBoot(h, lsass.plan, kind, lsass.proc, 'lsass');
      return;
    }
    case 'core.lsass.instances': {
      // A second lsass.exe under the real wininit.
      const wininit = liveOf(h, 'wininit');
      if (wininit === null) return;
      const lsass = h.proc('lsass', wininit, h.system, t, {});
      secondOfBoot(h, h.planCreate(lsass), kind, lsass, 'lsass');
      return;
    }
    case 'core.lsass.children': {
      // lsass.exe starting a shell (an injected lsass, or a dump tool run through it).
      const lsass = liveOf(h, 'lsass');
      if (lsass === null) return;
      const cmd = h.proc('cmd', lsass, h.system, t, { cmdline: xmlText('cmd.exe /c whoami') });
      labelled(h.planCreate(cmd, 500 + r.int(1500)), kind, lsass);
      return;
    }
    case 'core.services.path':
    case 'core.services.instances': {
      // A second services.exe under the real wininit: from a folder it never runs from, or the genuine image.
      const wininit = liveOf(h, 'wininit');
      if (wininit === null || soleLiveOf(h, 'services') === null) return;
      const folder = r.int(2) === 0 ? 'C:\\Windows\\Temp' : 'C:\\ProgramData';
      const svc = h.proc('services', wininit, h.system, t, kind === 'core.services.path' ? { image: xmlText(`${folder}\\services.exe`) } : {});
      secondOfBoot(h, h.planCreate(svc), kind, svc, 'services');
      return;
    }
    case 'core.wininit.children': {
      // wininit.exe starting a dropped binary (an injected wininit).
      const wininit = liveOf(h, 'wininit');
      if (wininit === null) return;
      const child = h.proc('cmd', wininit, h.system, t, { image: 'C:\\ProgramData\\upd\\wupd.exe', cmdline: 'wupd.exe' });
      labelled(h.planCreate(child, 500 + r.int(1500)), kind, wininit);
      return;
    }
    case 'core.csrss.path':
    case 'core.winlogon.path': {
      // A session whose csrss.exe or winlogon.exe comes from the wrong folder (but the right parent, user and session).
      const which = kind === 'core.csrss.path' ? 'csrss' : 'winlogon';
      const s = sessionWith(h, t, which, { image: xmlText(`C:\\Windows\\Temp\\${which}.exe`) });
      if (s !== null) labelled(s.plan, kind, s.proc);
      return;
    }
    case 'core.csrss.user':
    case 'core.winlogon.user': {
      // A session whose csrss.exe or winlogon.exe runs as the host's user instead of SYSTEM (same session, right path and parent).
      const session = h.nextSession;
      const s = sessionWith(h, t, kind === 'core.csrss.user' ? 'csrss' : 'winlogon', { logon: h.logon(h.userName, 0x500000 + r.int(0xfffff), session, 'High', t) });
      if (s !== null) labelled(s.plan, kind, s.proc);
      return;
    }
    case 'core.explorer.path': {
      // winlogon starting the shell from a folder it never runs from, in its own session.
      const winlogon = interactiveWinlogon(h);
      if (winlogon === null) return;
      const session = winlogon.logon.session;
      const user = h.userLogon !== null && h.userLogon.session === session ? h.userLogon : h.logon(h.userName, 0x600000 + r.int(0xfffff), session, 'Medium', t);
      const explorer = h.proc('explorer', winlogon, user, t, { image: 'C:\\Users\\Public\\explorer.exe' });
      labelled(h.planCreate(explorer), kind, explorer);
      return;
    }
    case 'core.lsass.path': {
      // wininit starts a second lsass.exe from a folder it never runs from (a credential-phishing
      // look-alike): also instances, and start when late.
      const wininit = liveOf(h, 'wininit');
      if (wininit === null) return;
      const lsass = h.proc('lsass', wininit, h.system, t, { image: 'C:\\Windows\\Temp\\lsass.exe' });
      secondOfBoot(h, h.planCreate(lsass), kind, lsass, 'lsass');
      return;
    }
    case 'core.system.children': {
      // System (PID 4) starting something other than smss.exe: a kernel driver spawning a process.
      const sys = h.systemProc;
      if (sys === null || sys.epoch !== h.epoch) return;
      const child = h.proc('cmd', sys, h.system, t, { image: 'C:\\ProgramData\\drv\\kload.exe', cmdline: 'kload.exe' });
      labelled(h.planCreate(child, 500 + r.int(1500)), kind, sys);
      return;
    }
    case 'core.explorer.session': {
      // winlogon starts the genuine shell, but in session 0 (a service desktop), not its own.
      const winlogon = interactiveWinlogon(h);
      if (winlogon === null) return;
      const user = h.logon(h.userName, 0x700000 + r.int(0xfffff), 0, 'Medium', t);
      const explorer = h.proc('explorer', winlogon, user, t, {});
      labelled(h.planCreate(explorer), kind, explorer);
      return;
    }
    case 'core.services.parent': {
      // services.exe at the right path started by a SYSTEM shell: also a second services in the boot.
      if (soleLiveOf(h, 'services') === null) return;
      const svc = fromShell(h, services, h.system, 'services', t);
      secondOfBoot(h, svc.plan, kind, svc.proc, 'services');
      return;
    }
    case 'core.wininit.parent': {
      // wininit.exe at the right path started by a SYSTEM shell in session 0: also a second wininit in the boot.
      if (soleLiveOf(h, 'wininit') === null) return;
      const wininit = fromShell(h, services, h.system, 'wininit', t);
      secondOfBoot(h, wininit.plan, kind, wininit.proc, 'wininit');
      return;
    }
    case 'core.services.user':
    case 'core.lsass.user':
    case 'core.services.session':
    case 'core.lsass.session': {
      // A second services.exe or lsass.exe under the real wininit, running as the host's user in
      // session 0, or as SYSTEM in session 1: also instances, and start when late.
      const wininit = liveOf(h, 'wininit');
      const process = kind.startsWith('core.services.') ? 'services' : 'lsass';
      if (wininit === null || soleLiveOf(h, process) === null) return;
      const logon = kind.endsWith('.user') ? h.logon(h.userName, 0x500000 + r.int(0xfffff), 0, 'High', t) : inSession(h.system, 1);
      const proc = h.proc(process, wininit, logon, t, {});
      secondOfBoot(h, h.planCreate(proc), kind, proc, process);
      return;
    }
    case 'core.csrss.parent':
    case 'core.winlogon.parent': {
      // csrss.exe or winlogon.exe at the right path, as SYSTEM, started by a SYSTEM shell in a
      // fresh session (the shell's own): only the parent differs from a session's.
      const session = h.nextSession++;
      const s = fromShell(h, services, inSession(h.system, session), kind === 'core.csrss.parent' ? 'csrss' : 'winlogon', t);
      labelled(s.plan, kind, s.proc);
      return;
    }
    case 'core.csrss.session':
    case 'core.winlogon.session': {
      // A session whose child smss starts csrss.exe or winlogon.exe in another (fresh) session
      // number. The parent check places a session smss by its session too, so this is also a
      // parent of the wrong session: both are labelled (host.ts: judged only where the child
      // smss's creation is logged).
      const which = kind === 'core.csrss.session' ? 'csrss' : 'winlogon';
      const session = h.nextSession++;
      const other = h.nextSession++;
      const s = planSession(h, t, session, which, { logon: inSession(h.system, other) })?.changed;
      if (s === undefined) return;
      labelled(s.plan, kind, s.proc);
      s.plan.alsoRule = `core.${which}.parent`;
      s.plan.alsoSubject = s.proc;
      return;
    }
    case 'core.csrss.instances':
    case 'core.winlogon.instances': {
      // A session whose child smss starts csrss.exe or winlogon.exe twice: two live in one session.
      const s = sessionWith(h, t, kind === 'core.csrss.instances' ? 'csrss' : 'winlogon', { twice: true });
      if (s !== null) labelled(s.plan, kind, s.proc);
      return;
    }
    case 'core.wininit.path':
    case 'core.wininit.user':
    case 'core.wininit.session': {
      // A child smss of the master starts a second wininit.exe that differs from the boot's in one
      // respect: from C:\Windows\Temp, as the host's user, or in a session of its own (that
      // child's, so the parent check stays quiet). A second wininit in a boot also raises
      // instances, and start when late.
      if (soleLiveOf(h, 'wininit') === null) return;
      const session = kind === 'core.wininit.session' ? h.nextSession++ : 0;
      const child = childSmss(h, t, session);
      if (child === null) return;
      const at = t + 20 + r.int(100);
      const logon = kind === 'core.wininit.user' ? h.logon(h.userName, 0x500000 + r.int(0xfffff), 0, 'High', at) : inSession(h.system, session);
      const wininit = h.proc('wininit', child, logon, at, kind === 'core.wininit.path' ? { image: 'C:\\Windows\\Temp\\wininit.exe' } : {});
      secondOfBoot(h, h.planCreate(wininit), kind, wininit, 'wininit');
      return;
    }
    case 'core.services.lifetime':
    case 'core.wininit.lifetime':
    case 'core.lsass.lifetime':
      // The boot-long process exits mid-boot (killed, or crashed by an exploit).
      exitOf(h, kind.slice('core.'.length, kind.lastIndexOf('.')), kind, t);
      return;
  }
}

export function injectCoreDecoy(h: HostSim, kind: CoreDecoyKind, t: number): void {
  const services = liveOf(h, 'services');
  switch (kind) {
    case 'svchost-syswow64': {
      if (services === null) return;
      h.planCreate(h.proc('svchost', services, h.system, t, { image: 'C:\\Windows\\SysWOW64\\svchost.exe' }));
      return;
    }
    case 'svchost-from-defender': {
      // Defender starts svchost.exe (seen in real data; allowed by the shipped baseline).
      const defender = liveOf(h, 'msmpeng');
      if (defender === null) return;
      h.planCreate(h.proc('svchost', defender, h.system, t, { cmdline: xmlText('"c:\\windows\\system32\\\\svchost.exe"') }), 2000 + h.rng.int(2000));
      return;
    }
    case 'session-number-reuse': {
      // A session logs off (its winlogon and csrss exit) and the next logon gets its number
      // again, as Windows reuses session ids: never two live csrss or winlogon in one session.
      const session = h.nextSession++;
      const first = planSession(h, t, session, 'winlogon', {});
      if (first === null) return;
      const off = first.winlogon.start + 20_000 + h.rng.int(40_000);
      h.plan(makePlan(off, Kind.Exit, first.winlogon));
      h.plan(makePlan(off + 60, Kind.Exit, first.csrss));
      planSession(h, off + 5000 + h.rng.int(25_000), session, 'winlogon', {});
      return;
    }
    case 'explorer-shell-restart': {
      // winlogon restarts the shell in its own session (AutoRestartShell).
      const winlogon = interactiveWinlogon(h);
      if (winlogon === null) return;
      const session = winlogon.logon.session;
      const user = h.userLogon !== null && h.userLogon.session === session ? h.userLogon : inSession(h.logon(h.userName, 0x400000 + h.rng.int(0xfffff), session, 'Medium', t), session);
      h.planCreate(h.proc('explorer', winlogon, user, t, {}));
      return;
    }
  }
}

/** The anomaly kinds of a fleet: the smss rules', and the core baselines' when asked for. */
export function anomalyKinds(smss: readonly RuleId[], core: boolean): readonly RuleId[] {
  return core ? [...smss, ...CORE_ANOMALY_KINDS] : smss;
}

export function decoyKinds(smss: readonly DecoyKind[], core: boolean): readonly (DecoyKind | CoreDecoyKind)[] {
  return core ? [...smss, ...CORE_DECOY_KINDS] : smss;
}

export function injectAnyAnomaly(h: HostSim, kind: RuleId, t: number): void {
  if (isCore(kind)) injectCoreAnomaly(h, kind as CoreAnomalyKind, t);
  else injectAnomaly(h, kind as Parameters<typeof injectAnomaly>[1], t);
}

export function injectAnyDecoy(h: HostSim, kind: DecoyKind | CoreDecoyKind, t: number): void {
  if ((CORE_DECOY_KINDS as readonly string[]).includes(kind)) injectCoreDecoy(h, kind as CoreDecoyKind, t);
  else injectDecoy(h, kind as DecoyKind, t);
}

