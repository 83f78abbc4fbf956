// Injected anomalies and decoys for the core process baselines (docs/rules.md, "Core process
// baselines"), with their labels. Each anomaly is shaped to raise exactly the checks it labels
// under the baselines shipped in pipelines/replay.yaml; each decoy looks close to one and must
// raise nothing. Off unless the fleet asks for them (FleetOptions.coreAnomalies), so fleets of
// the smss rules alone stay as they were.

import { injectAnomaly, injectDecoy, type DecoyKind } from './anomalies.js';
import type { HostSim, Plan } from './host.js';
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
] as const satisfies readonly RuleId[];
export type CoreAnomalyKind = (typeof CORE_ANOMALY_KINDS)[number];

export const CORE_DECOY_KINDS = ['svchost-syswow64', 'svchost-from-defender', 'explorer-shell-restart'] as const;
export type CoreDecoyKind = (typeof CORE_DECOY_KINDS)[number];

/** How long after the boot lsass may start (the shipped core.lsass.start). */
const LSASS_START_WITHIN_MS = 600_000;

function isCore(kind: string): boolean {
  return kind.startsWith('core.');
}

/** A live process of the current boot by catalog key (created in the output or pre-existing). */
function liveOf(h: HostSim, key: string): Proc | null {
  for (const p of h.live) if (p.spec.key === key && p.created && !p.exited && p.epoch === h.epoch) return p;
  return null;
}

function labelled(p: Plan, rule: RuleId, subject: Proc): Plan {
  p.rule = rule;
  p.subject = subject;
  return p;
}

/** The lsass labels a second lsass of this boot raises besides its own: instances, and start when late. */
function secondLsass(h: HostSim, c: Plan, rule: RuleId, lsass: Proc): void {
  labelled(c, rule, lsass);
  const late = h.master !== null && h.master.created && lsass.start - h.master.start > LSASS_START_WITHIN_MS;
  const more: RuleId[] = [];
  if (rule !== 'core.lsass.instances') more.push('core.lsass.instances');
  if (late) more.push('core.lsass.start');
  if (more.length > 0) {
    c.alsoRule = more[0];
    c.alsoSubject = lsass;
  }
  if (more.length > 1) c.thirdRule = more[1];
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
      secondLsass(h, lsass.plan, kind, lsass.proc);
      return;
    }
    case 'core.lsass.instances': {
      // A second lsass.exe under the real wininit.
      const wininit = liveOf(h, 'wininit');
      if (wininit === null) return;
      const lsass = h.proc('lsass', wininit, h.system, t, {});
      secondLsass(h, h.planCreate(lsass), kind, lsass);
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
    case 'explorer-shell-restart': {
      // winlogon restarts the shell in its own session (AutoRestartShell).
      let winlogon: Proc | null = null;
      for (const p of h.live) if (p.spec.key === 'winlogon' && p.created && !p.exited && p.logon.session >= 1 && p.role === Role.Other) winlogon = p;
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

