// Boots and logon sessions, shaped after the full boot in privesc_unquoted_svc_sysmon_1_11 and
// the RDP sessions in DE_sysmon-3-rdp-tun: System -> master smss -> one child smss per session
// -> csrss + wininit / winlogon, the child exiting 20-400 ms after it started; then services,
// lsass, svchost instances, and explorer at logon.

import { image } from './catalog.js';
import { Kind, makePlan, type HostSim } from './host.js';
import { Role, inSession, type Logon, type Proc } from './model.js';
import { hash32 } from './prng.js';
import { hex8 } from './text.js';

/** PIDs a host's current boot handed to its processes (planBoot and seedRunning start a new set). */
const bootPids = new WeakMap<HostSim, Set<number>>();

/**
 * Boot processes keep their PIDs from boot to boot, as in real multi-boot exports. No two of
 * one boot share one: Windows never gives a live process's PID to another, and a processor
 * rightly reads the later holder as the end of the earlier. A PID the boot gave already (the
 * ranges of neighbouring bases overlap) moves on to the next free multiple of 4.
 */
function bootPid(h: HostSim, base: number, key: string): number {
  return claimBootPid(h, base + 4 * (hash32(h.name + key) % 6));
}

function claimBootPid(h: HostSim, wanted: number): number {
  let taken = bootPids.get(h);
  if (taken === undefined) bootPids.set(h, (taken = new Set()));
  let pid = wanted;
  while (taken.has(pid)) pid += 4;
  taken.add(pid);
  return pid;
}

/** The Sysmon service's PID for the Execution element of every event (not a process of the tree). */
function sysmonExecPid(h: HostSim): number {
  return 2752 + 4 * (hash32(h.name + 'sysmon-exec') % 6);
}

const SVCHOST_GROUPS = image('svchost').cmdlines;

function svchostLogon(h: HostSim, cmdline: string): Logon {
  if (cmdline.includes('LocalService')) return h.localService;
  if (cmdline.includes('NetworkService')) return h.networkService;
  return h.system;
}

/** Per-boot state the session plans need. */
export interface BootState {
  master: Proc;
  services: Proc;
  consoleWinlogon: Proc;
  dcomLaunch: Proc;
}

const boots = new WeakMap<HostSim, BootState>();

export function bootOf(h: HostSim): BootState | undefined {
  return boots.get(h);
}

/**
 * Plan a boot whose master smss starts at t0. smssImage is the master's (and its children's)
 * image spelling; decoys pass `\SystemRoot\...` or `\Device\HarddiskVolumeN\...` forms.
 */
export function planBoot(h: HostSim, t0: number, smssImage?: string): BootState {
  const r = h.rng;
  h.epoch++;
  bootPids.set(h, new Set());
  const sys = h.proc('system', null, h.system, t0 - 6000 - r.int(3000), { pid: 4, role: Role.System });
  sys.created = true;
  h.systemProc = sys;
  const smss = image('smss');
  const master = h.proc(smss, sys, h.system, t0, { pid: bootPid(h, 300, 'smss'), image: smssImage, role: Role.Master });
  h.planCreate(master);
  h.master = master;
  h.sysmonUpAt = t0 + 6500 + r.int(1500);

  const autochkAt = t0 + 3000 + r.int(500);
  h.planCreate(h.proc('autochk', master, h.system, autochkAt, { pid: bootPid(h, 328, 'autochk') }), 400 + r.int(1100));

  // Session 0 (csrss + wininit) and session 1 (csrss + winlogon).
  const claim = (wanted: number): number => claimBootPid(h, wanted);
  const s0 = planChildSmss(h, master, t0 + 4500 + r.int(500), 0, 'wininit', bootPid(h, 388, 's0'), h.system, smssImage, undefined, claim);
  const s1 = planChildSmss(h, master, s0.exitAt + 100 + r.int(300), 1, 'winlogon', bootPid(h, 460, 's1'), h.system, smssImage, undefined, claim);
  const wininit = s0.second;
  const winlogon = s1.second;

  let t = wininit.start + 100 + r.int(100);
  const services = h.proc('services', wininit, h.system, t, { pid: bootPid(h, 584, 'services') });
  h.planCreate(services);
  h.planCreate(h.proc('lsass', wininit, h.system, t + 40 + r.int(30), { pid: bootPid(h, 616, 'lsass') }));
  const session1 = h.logon('Window Manager\\DWM-1', 0x8000 + r.int(0x4000), 1, 'System', winlogon.start);
  h.planCreate(h.proc('logonui', winlogon, h.system, winlogon.start + 500 + r.int(100), { pid: bootPid(h, 992, 'logonui') }), 30_000 + r.int(60_000));
  h.planCreate(h.proc('dwm', winlogon, session1, winlogon.start + 502 + r.int(100), { pid: bootPid(h, 1000, 'dwm') }));
  h.planCreate(h.proc('fontdrvhost', winlogon, h.logon('Font Driver Host\\UMFD-1', 0x7f00 + r.int(0xff), 1, 'Low', winlogon.start), winlogon.start + 510, { pid: bootPid(h, 820, 'umfd1') }));

  let dcomLaunch: Proc | null = null;
  t += 200;
  for (let i = 0; i < SVCHOST_GROUPS.length; i++) {
    const cmd = SVCHOST_GROUPS[i];
    const p = h.proc('svchost', services, svchostLogon(h, cmd), t, { pid: bootPid(h, 700 + i * 64, 'svc' + i), cmdline: cmd });
    h.planCreate(p);
    if (dcomLaunch === null) dcomLaunch = p;
    t += 20 + r.int(80);
  }
  for (const key of ['spoolsv', 'msmpeng', 'sysmon', 'searchindexer']) {
    h.planCreate(h.proc(key, services, h.system, t, { pid: bootPid(h, 2000 + key.length * 100, key) }));
    t += 50 + r.int(300);
  }
  const state: BootState = { master, services, consoleWinlogon: winlogon, dcomLaunch: dcomLaunch as Proc };
  boots.set(h, state);
  h.setSysmonPid(sysmonExecPid(h));
  if (!h.traits.server) h.plan(makePlan(t0 + 25_000 + r.int(60_000), Kind.Logon, null, winlogon, 1));
  h.plan(makePlan(t0 + 8000 + r.int(2000), Kind.Arrival, null));
  return state;
}

export interface ChildSmss {
  child: Proc;
  csrss: Proc;
  second: Proc;
  exitAt: number;
}

/**
 * One session start: the master starts a child smss, which starts csrss and wininit (session 0)
 * or winlogon, then exits. exitAfterMs overrides the exit delay (Infinity: never exits).
 */
export function planChildSmss(
  h: HostSim,
  master: Proc,
  at: number,
  session: number,
  second: 'wininit' | 'winlogon',
  pid: number,
  logon: Logon,
  smssImage?: string,
  exitAfterMs?: number,
  /** The PID csrss or the second process gets, from the one it would have (the child's + 8 / + 80 / + 108): a boot's claims it. */
  pidOf: (wanted: number) => number = (wanted) => wanted,
): ChildSmss {
  const r = h.rng;
  const args = `${hex8(0xcc + 12 * session)} ${hex8(0x84)} `;
  const cmd = `\\SystemRoot\\System32\\smss.exe ${args}`;
  const sessLogon = inSession(logon, session);
  const child = h.proc('smss', master, sessLogon, at, { pid, image: smssImage ?? master.image, cmdline: cmd, role: Role.ChildSmss });
  const csrssAt = at + 15 + r.int(185);
  const csrss = h.proc('csrss', child, inSession(h.system, session), csrssAt, { pid: pidOf(pid + 8) });
  const secondAt = csrssAt + 2 + r.int(138);
  const sec = h.proc(second, child, inSession(h.system, session), secondAt, { pid: pidOf(pid + (second === 'wininit' ? 80 : 108)) });
  const exitAt = exitAfterMs === undefined ? secondAt + r.int(60) : at + exitAfterMs;
  h.planCreate(child, exitAt === Infinity ? Infinity : exitAt - at);
  h.planCreate(csrss);
  h.planCreate(sec);
  return { child, csrss, second: sec, exitAt };
}

/** A user logs on at the console or over RDP: userinit -> explorer (and rdpclip over RDP). Returns the session's long-lived processes. */
export function planUserLogon(h: HostSim, t: number, winlogon: Proc, session: number, rdp: boolean): Proc[] {
  const r = h.rng;
  const id = 0x100000 + r.int(0xeffff);
  const user = h.logon(h.userName, id, session, 'Medium', t);
  const userinit = h.proc('userinit', winlogon, user, t, {});
  h.planCreate(userinit, 4000 + r.int(6000));
  const explorer = h.proc('explorer', userinit, user, t + 800 + r.int(400), {});
  h.planCreate(explorer);
  const onedrive = h.proc('onedrive', explorer, user, t + 5000 + r.int(5000), {});
  h.planCreate(onedrive);
  const procs = [explorer, onedrive];
  if (rdp) {
    const clip = h.proc('rdpclip', winlogon, user, t + 300 + r.int(200), {});
    h.planCreate(clip);
    procs.push(clip);
  } else h.userLogon = user;
  return procs;
}

/** An RDP logon hours after boot: a new child smss of the master, exiting within a second. */
export function planRdpSession(h: HostSim, t: number, exitAfterMs?: number): ChildSmss | null {
  const master = h.master;
  if (master === null || master.exited) return null;
  const session = h.nextSession++;
  const cs = planChildSmss(h, master, t, session, 'winlogon', h.freePid(), h.system, undefined, exitAfterMs);
  const r = h.rng;
  const wl = cs.second;
  const dwmLogon = h.logon(`Window Manager\\DWM-${session}`, 0x9000 + r.int(0x4000), session, 'System', t);
  const dwm = h.proc('dwm', wl, dwmLogon, wl.start + 300 + r.int(200), {});
  h.planCreate(dwm);
  const userProcs = planUserLogon(h, wl.start + 3000 + r.int(4000), wl, session, true);
  // Logoff: the user's programs, then winlogon, csrss and dwm of the session exit (DE_sysmon-3-rdp-tun shows the latter).
  const off = t + 600_000 + r.int(1_800_000);
  for (let i = 0; i < userProcs.length; i++) h.plan(makePlan(off - 500 + i * 20, Kind.Exit, userProcs[i]));
  h.plan(makePlan(off, Kind.Exit, dwm));
  h.plan(makePlan(off + 200, Kind.Exit, wl));
  h.plan(makePlan(off + 260, Kind.Exit, cs.csrss));
  return cs;
}

/**
 * The stream starts while the host is up: System, the master, session 0/1 and the services
 * already run and their creation is never seen (Sysmon started after them).
 */
export function seedRunning(h: HostSim): BootState {
  const r = h.rng;
  h.epoch++;
  bootPids.set(h, new Set());
  const bootAt = h.start - 3_600_000 * (2 + r.int(200));
  const sys = h.preexisting(h.proc('system', null, h.system, bootAt - 6000, { pid: 4, role: Role.System }));
  h.systemProc = sys;
  const master = h.preexisting(h.proc('smss', sys, h.system, bootAt, { pid: bootPid(h, 300, 'smss'), role: Role.Master }));
  h.master = master;
  const wininit = h.preexisting(h.proc('wininit', null, h.system, bootAt + 4800, { pid: bootPid(h, 468, 'wininit') }));
  h.preexisting(h.proc('csrss', null, h.system, bootAt + 4700, { pid: bootPid(h, 396, 'csrss0') }));
  const winlogon = h.preexisting(h.proc('winlogon', null, inSession(h.system, 1), bootAt + 5300, { pid: bootPid(h, 568, 'winlogon') }));
  const services = h.preexisting(h.proc('services', wininit, h.system, bootAt + 5400, { pid: bootPid(h, 584, 'services') }));
  h.preexisting(h.proc('lsass', wininit, h.system, bootAt + 5450, { pid: bootPid(h, 616, 'lsass') }));
  let dcomLaunch: Proc | null = null;
  for (let i = 0; i < SVCHOST_GROUPS.length; i++) {
    const cmd = SVCHOST_GROUPS[i];
    const p = h.preexisting(h.proc('svchost', services, svchostLogon(h, cmd), bootAt + 5600 + i * 50, { pid: bootPid(h, 700 + i * 64, 'svc' + i), cmdline: cmd }));
    if (dcomLaunch === null) dcomLaunch = p;
  }
  for (const key of ['spoolsv', 'msmpeng', 'sysmon', 'searchindexer']) {
    h.preexisting(h.proc(key, services, h.system, bootAt + 7000, { pid: bootPid(h, 2000 + key.length * 100, key) }));
  }
  if (!h.traits.server) {
    const id = 0x100000 + r.int(0xeffff);
    const user = h.logon(h.userName, id, 1, 'Medium', bootAt + 60_000);
    const explorer = h.preexisting(h.proc('explorer', null, user, bootAt + 61_000, {}));
    h.preexisting(h.proc('onedrive', explorer, user, bootAt + 66_000, {}));
    h.userLogon = user;
  }
  h.setSysmonPid(sysmonExecPid(h));
  const state: BootState = { master, services, consoleWinlogon: winlogon, dcomLaunch: dcomLaunch as Proc };
  boots.set(h, state);
  h.plan(makePlan(h.start + r.int(2000), Kind.Arrival, null));
  return state;
}
