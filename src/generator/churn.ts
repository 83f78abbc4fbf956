// Ordinary activity between boots: processes starting children with believable parent/child
// shapes and command lines, DLL loads, file creates, DNS and connections, registry writes,
// process access, exits. Each arrival plans a few events; the next arrival follows an
// exponential gap so each host is a Poisson source.

import { enc } from './bytes.js';
import { CALL_TRACES, CREATE_KEY, DLLS, DNS, FILES, GRANTED_ACCESS, REG_KEYS, REG_SETS, REMOTES, USER_FILES, USER_REG_SETS } from './catalog.js';
import { Kind, makePlan, type HostSim, type Plan } from './host.js';
import { Role, type Logon, type Proc } from './model.js';

/** Which images start which children (by image key), with relative weights. */
const SPAWNS: Record<string, Array<[string, number]>> = {
  svchost: [['wmiprvse', 3], ['taskhostw', 3], ['backgroundtaskhost', 3], ['runtimebroker', 2], ['dllhost', 2], ['gpupdate', 1], ['sihost', 1]],
  searchindexer: [['searchprotocolhost', 3], ['searchfilterhost', 2]],
  msmpeng: [['mpcmdrun', 1]],
  explorer: [['chrome', 4], ['msedge', 2], ['outlook', 1], ['winword', 1], ['notepad', 2], ['cmd', 2], ['powershell', 1]],
  cmd: [['reg', 2], ['powershell', 1], ['cmd', 1]],
  powershell: [['cmd', 1], ['reg', 1]],
  chrome: [['chrome', 1]],
  msedge: [['msedge', 1]],
  services: [['svchost', 1]],
};

const SPAWN_TABLES = new Map<string, { keys: string[]; cum: number[] }>();
for (const [parent, list] of Object.entries(SPAWNS)) {
  let acc = 0;
  SPAWN_TABLES.set(parent, { keys: list.map((x) => x[0]), cum: list.map((x) => (acc += x[1])) });
}

const USER_FACING = new Set(['taskhostw', 'backgroundtaskhost', 'runtimebroker', 'sihost', 'dllhost']);
const CONSOLE = new Set(['cmd', 'powershell']);

/** Expected events per arrival (measured on generated fleets), to turn an events/s target into an arrival rate. */
export const EVENTS_PER_ARRIVAL = 1.7;

export function handleArrival(h: HostSim, p: Plan): void {
  const r = h.rng;
  const t = p.t;
  const next = t + 1 + Math.round(r.exp(h.arrivalMeanMs));
  if (next < h.end) h.plan(makePlan(next, Kind.Arrival, null));
  const n = h.live.length;
  if (n === 0) return;
  const actor = h.live[r.int(n)];
  if (actor.role !== Role.Other) return; // smss and System do nothing ordinary
  const u = r.float();
  if (u < 0.22) spawn(h, actor, t);
  else if (u < 0.45) {
    const [key, details] = actor.logon.id > 0x3e7 && r.chance(0.6) ? userReg(h, r.int(USER_REG_SETS.length)) : REG_SETS[r.int(REG_SETS.length)];
    churn(h, makePlan(t, Kind.RegSet, actor, null, 0, key, details));
  } else if (u < 0.53) churn(h, makePlan(t, Kind.RegObject, actor, null, 0, REG_KEYS[r.int(REG_KEYS.length)], CREATE_KEY));
  else if (u < 0.66) churn(h, makePlan(t, Kind.Load, actor, null, r.int(DLLS.length)));
  else if (u < 0.8) {
    const target = h.live[r.int(n)];
    if (target.role === Role.System) return;
    churn(h, makePlan(t, Kind.Access, actor, target, r.int(CALL_TRACES.length), GRANTED_ACCESS[r.int(GRANTED_ACCESS.length)]));
  } else if (u < 0.9) {
    const file = actor.logon.id > 0x3e7 ? userFile(h, r.int(USER_FILES.length)) : FILES[r.int(FILES.length)];
    churn(h, makePlan(t, Kind.File, actor, null, r.int(86_400_000), file));
  } else {
    churn(h, makePlan(t, Kind.Dns, actor, null, r.int(DNS.length)));
    churn(h, makePlan(t + 20 + r.int(200), Kind.Net, actor, null, r.int(REMOTES.length)));
  }
}

function churn(h: HostSim, p: Plan): void {
  p.delayable = true;
  h.plan(p);
}

function userReg(h: HostSim, i: number): [Uint8Array, Uint8Array] {
  if (h.userRegs === null) h.userRegs = USER_REG_SETS.map(([k, v]) => [enc(`HKU\\${h.userSid}${k}`), enc(v)]);
  return h.userRegs[i];
}

function userFile(h: HostSim, i: number): Uint8Array {
  if (h.userFiles === null) h.userFiles = USER_FILES.map((f) => enc(`C:\\Users\\${h.userName.slice(5)}${f}`));
  return h.userFiles[i];
}

/** actor starts a child (if its image starts children at all) with DLL loads and an exit. */
export function spawn(h: HostSim, actor: Proc, t: number): Proc | null {
  const table = SPAWN_TABLES.get(actor.spec.key);
  if (table === undefined) return null;
  const r = h.rng;
  const x = r.float() * table.cum[table.cum.length - 1];
  let k = 0;
  while (table.cum[k] <= x) k++;
  const key = table.keys[k];
  let logon: Logon = actor.logon;
  if (USER_FACING.has(key) && h.userLogon !== null) logon = h.userLogon;
  else if (key === 'wmiprvse') logon = r.chance(0.5) ? h.networkService : h.system;
  const child = h.proc(key, actor, logon, t, {});
  const spec = child.spec;
  const life = spec.lifetimeSecs === Infinity ? 3_600_000 * (1 + r.int(8)) : 200 + r.exp(spec.lifetimeSecs * 1000);
  const c = h.planCreate(child, life);
  c.delayable = true;
  const loads = 3 + r.int(4);
  let lt = t + 5;
  for (let i = 0; i < loads; i++) {
    lt += 1 + r.int(15);
    churn(h, makePlan(lt, Kind.Load, child, null, spec.dlls[r.int(spec.dlls.length)]));
  }
  if (CONSOLE.has(key)) {
    const con = h.proc('conhost', child, logon, t + 3 + r.int(10), {});
    const cc = h.planCreate(con, life + 5);
    cc.delayable = true;
  }
  return child;
}
