// Each check of the process-baseline rule kind on the cases that must fire and the decoys that
// must not, on typed events straight into the engine with the baselines shipped in
// pipelines/replay.yaml (so these tests also pin what ships).

import type { NotJudged } from '../../engine/not-judged.js';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../alerts/alert.js';
import { parse } from 'yaml';
import type { SysmonEvent } from '../../decode/event.js';
import { collectStats } from '../../engine/run-stats.js';
import { Engine } from '../../engine/engine.js';
import { restoreHost, snapshotHost } from '../../index/snapshot.js';
import { DecodeCounters } from '../../decode/counters.js';
import { ConfigError, parsePipeline } from '../../pipeline/config.js';
import { runEvents } from '../../../test/helpers/engine-run.js';
import { HostLog } from '../../../test/helpers/sysmon-xml.js';

const SHIPPED = parse(readFileSync(new URL('../../../pipelines/replay.yaml', import.meta.url), 'utf8')) as { rules: { baselines: unknown[] } };
const T0 = Date.UTC(2024, 2, 4, 7, 0, 0, 0);
const SEC = 1000;
const SYS32 = 'C:\\Windows\\System32\\';
const USER = { user: 'CORP\\alice', logonId: '0x5a3b1', session: 1 };

function withBaselines(extra: Record<string, unknown> = {}): unknown {
  return { rules: { baselines: SHIPPED.rules.baselines, ...extra } };
}

/** The baseline checks' lines of the summary's not-judged list, as rule id -> count. */
function coreNotJudged(list: readonly NotJudged[]): Record<string, number> {
  return Object.fromEntries(list.filter((n) => n.rule.startsWith('core.')).map((n) => [n.rule, n.count]));
}

function run(events: readonly SysmonEvent[], config: unknown = withBaselines()) {
  const r = runEvents(events, config);
  return { ...r, rules: r.alerts.map((a) => `${a.rule} ${a.process.pid ?? ''}`), notJudged: coreNotJudged(collectStats(r.engine, new DecodeCounters(), 0, 0, 1).notJudged) };
}

/** A full boot with exits, a user logon (userinit -> explorer) and a few services. */
function booted(host: string, exits = true) {
  const h = new HostLog(host, host.length);
  const b = h.boot(T0, { exits });
  const svc = h.create(b.t + SEC, h.proc(700, `${SYS32}svchost.exe`, `${SYS32}svchost.exe -k DcomLaunch -p`, b.services));
  const userinit = h.create(b.t + 20 * SEC, h.proc(4536, `${SYS32}userinit.exe`, `${SYS32}userinit.exe`, b.winlogon, USER));
  const explorer = h.create(b.t + 21 * SEC, h.proc(4600, 'C:\\Windows\\explorer.exe', 'C:\\Windows\\Explorer.EXE', userinit, USER));
  if (exits) h.exit(b.t + 25 * SEC, userinit);
  return { h, b, lsass: b.lsass, svc, explorer, t: b.t + 30 * SEC };
}

describe('a normal boot', () => {
  it('raises nothing, with exits logged or not', () => {
    expect(run(booted('N1').h.typed).rules).toEqual([]);
    expect(run(booted('N2', false).h.typed).rules).toEqual([]);
  });

  it('reports the lifetimes it could not judge where the boot logged no exit', () => {
    const r = run(booted('N3', false).h.typed);
    expect(r.notJudged).toMatchObject({ 'core.wininit.lifetime': 1, 'core.services.lifetime': 1, 'core.lsass.lifetime': 1 });
    expect(r.notJudged['core.csrss.instances']).toBe(2); // per-session counts need exits
    expect(run(booted('N4').h.typed).notJudged).toEqual({});
    // A second boot closes the first one's processes without exits: neither boot's lifetimes are judged.
    const twice = booted('N6', false).h;
    twice.boot(T0 + 86_400 * SEC, { exits: false, pids: 400 });
    expect(run(twice.typed).notJudged).toMatchObject({ 'core.lsass.lifetime': 2, 'core.services.lifetime': 2 });
  });

  it('lists every check in the run summary', () => {
    const byRule = collectStats(run(booted('N5').h.typed).engine, new DecodeCounters(), 0, 0, 1).alerts.byRule;
    expect(Object.keys(byRule)).toContain('smss.path');
    expect(Object.keys(byRule)).toContain('core.lsass.instances');
    expect(Object.keys(byRule)).toContain('core.system.children');
    expect(Object.keys(byRule).filter((k) => k.startsWith('core.')).length).toBe(39);
  });
});

describe('path', () => {
  it('fires for an image outside the expected folder, by name or by OriginalFileName', () => {
    const { h, b, t } = booted('P1');
    h.create(t, h.proc(900, 'C:\\Windows\\Temp\\lsass.exe', 'lsass.exe', b.wininit));
    h.create(t + 1, h.proc(901, 'C:\\Users\\Public\\svc.exe', 'svc.exe', b.services, { originalFileName: 'svchost.exe' }));
    expect(run(h.typed).rules).toEqual(['core.lsass.path 900', 'core.lsass.instances 900', 'core.svchost.path 901']);
  });

  it('accepts other spellings of the expected path and SysWOW64 svchost', () => {
    const { h, b, t } = booted('P2');
    h.create(t, h.proc(902, '\\Device\\HarddiskVolume3\\WINDOWS\\system32\\SVCHOST.EXE', 'svchost', b.services));
    h.create(t + 1, h.proc(903, 'c:\\windows\\syswow64\\svchost.exe', 'svchost', b.services));
    expect(run(h.typed).rules).toEqual([]);
  });
});

describe('parent', () => {
  it('fires for lsass, services and svchost under the wrong parent', () => {
    const { h, b, t } = booted('R1');
    const cmd = h.create(t, h.proc(910, `${SYS32}cmd.exe`, 'cmd', b.services));
    h.create(t + 1, h.proc(911, `${SYS32}svchost.exe`, 'svchost', cmd));
    h.create(t + 2, h.proc(912, `${SYS32}services.exe`, 'services', cmd, { session: 0 }));
    const r = run(h.typed);
    expect(r.rules).toEqual(['core.svchost.parent 911', 'core.services.parent 912', 'core.services.instances 912']);
    expect(r.alerts[0].details).toMatchObject({ parentImage: `${SYS32}cmd.exe`, expectedParents: ['services.exe', 'MsMpEng.exe'] });
  });

  it('wants csrss and winlogon from a per-session child smss of their own session', () => {
    const { h, b, t } = booted('R2');
    // From the master itself, and from the child smss of another session.
    h.create(t, h.proc(920, `${SYS32}csrss.exe`, 'csrss', b.master, { session: 5 }));
    const child = h.create(t + SEC, h.proc(921, `${SYS32}smss.exe`, 'smss.exe 000000cc', b.master, { session: 6 }));
    h.create(t + SEC + 10, h.proc(922, `${SYS32}winlogon.exe`, 'winlogon.exe', child, { session: 7 }));
    h.exit(t + SEC + 20, child);
    const r = run(h.typed);
    expect(r.rules).toEqual(['core.csrss.parent 920', 'core.csrss.session 920', 'core.winlogon.parent 922', 'core.winlogon.session 922']);
    expect(r.alerts[0].title).toBe('csrss.exe started by the master smss.exe, not a per-session child');
  });

  it('leaves the session-smss role unjudged where the smss is known only from Parent* fields, and says so', () => {
    const { h, b, t } = booted('R2b');
    // The child smss's creation is not logged (sysmon-modular drops it): csrss names it as parent, in another session.
    const child = h.proc(923, `${SYS32}smss.exe`, 'smss.exe 000000cc', b.master, { session: 6 });
    h.create(t, h.proc(924, `${SYS32}csrss.exe`, 'csrss', child, { session: 7 }));
    h.create(t + 10, h.proc(925, `${SYS32}winlogon.exe`, 'winlogon.exe', h.proc(926, `${SYS32}cmd.exe`, 'cmd', b.services), { session: 7 }));
    const r = run(h.typed);
    // A parent that is no smss.exe still fires by its name.
    expect(r.rules).toEqual(['core.winlogon.parent 925']);
    expect(r.notJudged).toMatchObject({ 'core.csrss.parent': 1, 'core.csrss.session': 1 });
  });

  it('explorer: fires under cmd.exe, not under userinit or winlogon', () => {
    const { h, b, t } = booted('R3');
    const cmd = h.create(t, h.proc(930, `${SYS32}cmd.exe`, 'cmd', b.winlogon, USER));
    h.create(t + 1, h.proc(931, 'C:\\Windows\\explorer.exe', 'explorer', cmd, USER));
    h.create(t + 2, h.proc(932, 'C:\\Windows\\explorer.exe', 'explorer', b.winlogon, USER));
    expect(run(h.typed).rules).toEqual(['core.explorer.parent 931']);
  });

  it('is not judged when the event names no parent', () => {
    const { h, t } = booted('R4');
    h.create(t, h.proc(940, `${SYS32}svchost.exe`, 'svchost', h.proc(596, '?', '', null)));
    const r = run(h.typed);
    expect(r.rules).toEqual([]);
    expect(r.notJudged['core.svchost.parent']).toBe(1);
  });
});

describe('user and session', () => {
  it('fires for services as a user and wininit in session 1; accepts a localised SYSTEM by LogonId', () => {
    const { h, b, t } = booted('U1');
    h.create(t, h.proc(950, `${SYS32}services.exe`, 'services', b.wininit, { user: 'CORP\\alice', logonId: '0x5a3b1' }));
    const h2 = new HostLog('U2', 22, 1000, 'NT-AUTORITÄT\\SYSTEM');
    const b2 = h2.boot(T0, { exits: true });
    const child = h2.create(b2.t + SEC, h2.proc(951, `${SYS32}smss.exe`, 'smss.exe 000000cc', b2.master, { session: 1 }));
    h2.create(b2.t + SEC + 5, h2.proc(952, `${SYS32}wininit.exe`, 'wininit.exe', child, { session: 1 }));
    h2.exit(b2.t + SEC + 10, child);
    expect(run([...h.typed]).rules).toEqual(['core.services.user 950', 'core.services.instances 950']);
    expect(run(h2.typed).rules).toEqual(['core.wininit.session 952', 'core.wininit.instances 952']);
  });

  it('judges a SID written in User and leaves a bare unknown name to the configured names', () => {
    const { h, b, t } = booted('U3');
    h.create(t, h.proc(960, `${SYS32}lsass.exe`, 'lsass', b.wininit, { user: 'S-1-5-18', logonId: '' }));
    h.create(t + 1, h.proc(961, `${SYS32}csrss.exe`, 'csrss', b.master, { user: 'S-1-5-21-1-2-3-1001', logonId: '' }));
    expect(run(h.typed).rules).toEqual(['core.lsass.instances 960', 'core.csrss.parent 961', 'core.csrss.user 961', 'core.csrss.instances 961']);
  });
});

describe('instances', () => {
  it('fires for a second lsass in a boot, not for one in the next boot', () => {
    const { h, b, t } = booted('I1');
    const lsass = h.create(t, h.proc(970, `${SYS32}lsass.exe`, 'lsass', b.wininit));
    h.exit(t + 2 * SEC, lsass);
    const r = run(h.typed);
    expect(r.rules).toEqual(['core.lsass.instances 970', 'core.lsass.lifetime 970']);
    expect((r.alerts[0].details.earlier as { pid: number }[]).map((e) => e.pid)).toEqual([640]);
    const next = new HostLog('I2', 32);
    next.boot(T0, { exits: false, pids: 300 });
    next.boot(T0 + 86_400 * SEC, { exits: false, pids: 400 });
    expect(run(next.typed).rules).toEqual([]);
  });

  it('counts winlogon per session, only what is alive', () => {
    const { h, b, t } = booted('I3');
    h.create(t, h.proc(980, `${SYS32}winlogon.exe`, 'winlogon', b.master, { session: 1 })); // parent fires too
    const child = h.create(t + SEC, h.proc(981, `${SYS32}smss.exe`, 'smss 1', b.master, { session: 2 }));
    const w2 = h.create(t + SEC + 5, h.proc(982, `${SYS32}winlogon.exe`, 'winlogon', child, { session: 2 }));
    h.exit(t + SEC + 8, child);
    h.exit(t + 60 * SEC, w2);
    const again = h.create(t + 70 * SEC, h.proc(983, `${SYS32}smss.exe`, 'smss 2', b.master, { session: 2 }));
    h.create(t + 70 * SEC + 5, h.proc(984, `${SYS32}winlogon.exe`, 'winlogon', again, { session: 2 }));
    h.exit(t + 70 * SEC + 8, again);
    expect(run(h.typed).rules).toEqual(['core.winlogon.parent 980', 'core.winlogon.session 980', 'core.winlogon.instances 980']);
  });

  it('is not judged where the boot was not seen', () => {
    const h = new HostLog('I4', 34);
    const wininit = h.create(T0, h.proc(468, `${SYS32}wininit.exe`, 'wininit', h.proc(388, `${SYS32}smss.exe`, 'smss', null)));
    h.create(T0 + SEC, h.proc(616, `${SYS32}lsass.exe`, 'lsass', wininit));
    h.create(T0 + 2 * SEC, h.proc(617, `${SYS32}lsass.exe`, 'lsass', wininit));
    const r = run(h.typed);
    expect(r.rules).toEqual([]);
    expect(r.notJudged).toMatchObject({ 'core.lsass.instances': 2, 'core.lsass.start': 2 });
  });
});

describe('lifetime', () => {
  it('fires when a boot-long process exits', () => {
    const { h, b, t } = booted('L1');
    h.exit(t, b.services);
    expect(run(h.typed).rules).toEqual(['core.services.lifetime 632']);
  });

  const userinit = { process: 'userinit', match: { image: ['userinit.exe'] }, lifetime: { kind: 'exits-within', secs: 10 } };
  const config = { rules: { baselines: [userinit] } };
  const logon = (exitAfter: number | null, exits = true) => {
    const h = new HostLog('L2', 42);
    const b = h.boot(T0, { exits });
    const u = h.create(b.t, h.proc(4536, `${SYS32}userinit.exe`, 'userinit', b.winlogon, USER));
    if (exitAfter !== null) h.exit(b.t + exitAfter, u);
    h.create(b.t + 60 * SEC, h.proc(5000, `${SYS32}notepad.exe`, 'notepad', b.services));
    return h.typed;
  };
  it('exits-within: fires for a userinit still alive after its deadline, not for one that exited in time', () => {
    expect(run(logon(null), config).rules).toEqual(['core.userinit.lifetime 4536']);
    expect(run(logon(20 * SEC), config).rules).toEqual(['core.userinit.lifetime 4536']);
    expect(run(logon(10 * SEC), config).rules).toEqual([]);
  });
  it('exits-within: not judged where the boot logged no exit', () => {
    const r = run(logon(null, false), config);
    expect(r.rules).toEqual([]);
    expect(r.notJudged).toEqual({ 'core.userinit.lifetime': 1 });
  });
});

describe('children and start', () => {
  it('fires for what lsass, wininit and System start outside their lists', () => {
    const { h, b, lsass, t } = booted('C1');
    h.create(t, h.proc(990, `${SYS32}cmd.exe`, 'cmd', lsass));
    h.create(t + 1, h.proc(991, `${SYS32}WerFault.exe`, 'werfault', lsass));
    h.create(t + 2, h.proc(992, 'C:\\Temp\\x.exe', 'x', b.wininit));
    h.create(t + 3, h.proc(993, 'C:\\Temp\\y.exe', 'y', h.system));
    const r = run(h.typed);
    expect(r.alerts.map((a) => [a.rule, a.process.pid, (a.details.child as { pid: number }).pid])).toEqual([
      ['core.lsass.children', 640, 990],
      ['core.wininit.children', 468, 992],
      ['core.system.children', 4, 993],
    ]);
  });

  it('fires for a services.exe started long after the boot', () => {
    const { h, b } = booted('S1');
    h.exit(T0 + 700 * SEC - 1, b.services);
    h.create(T0 + 700 * SEC, h.proc(995, `${SYS32}services.exe`, 'services', b.wininit));
    expect(run(h.typed).rules).toEqual(['core.services.lifetime 632', 'core.services.start 995']);
  });
});

describe('smss rules are untouched', () => {
  it('give the same alerts with and without the baselines', () => {
    const { h, b, t } = booted('Q1');
    h.create(t, h.proc(996, 'C:\\Temp\\smss.exe', 'smss', b.master, { session: 4 }));
    h.create(t + 1, h.proc(997, `${SYS32}smss.exe`, 'smss', b.services, { session: 5 }));
    const strip = (alerts: ReturnType<typeof runEvents>['alerts']) => alerts.filter((a) => a.rule.startsWith('smss.')).map(({ detectedAt: _d, ...a }) => a);
    const plain = strip(runEvents(h.typed).alerts);
    expect(plain.length).toBeGreaterThan(0);
    expect(strip(runEvents(h.typed, withBaselines()).alerts)).toEqual(plain);
  });
});

describe('configuration', () => {
  const problems = (baselines: unknown): string[] => {
    try {
      parsePipeline({ rules: { baselines } });
    } catch (e) {
      return (e as ConfigError).problems;
    }
    return [];
  };
  it('names the bad key', () => {
    expect(problems([{ process: 'lsass', match: { image: ['lsass.exe'] }, parent: { nams: ['wininit.exe'] } }])).toEqual([
      'rules.baselines.0.parent.nams: unknown key',
      'rules.baselines.0.parent: expected names or a role (or both), got {"nams":["wininit.exe"]}',
    ]);
    expect(problems([{ process: 'lsass', match: { image: ['C:\\lsass.exe'] } }])).toEqual([
      'rules.baselines.0.match.image.0: expected a file name without a folder, like lsass.exe, got "C:\\\\lsass.exe"',
    ]);
    expect(problems([{ process: 'Lsass', match: {}, session: { expect: 'two' }, lifetime: { kind: 'exits-within' }, instances: {} }])).toEqual([
      'rules.baselines.0.process: expected a lower-case name like lsass, got "Lsass"',
      'rules.baselines.0.match: expected image or original_file_name, got {}',
      'rules.baselines.0.session.expect: expected one of zero, interactive, parent, got "two"',
      'rules.baselines.0.instances: expected per_boot or per_session (or both), got {}',
      'rules.baselines.0.lifetime.secs: expected a positive number of seconds, got nothing',
    ]);
  });
  it('refuses two baselines for one process', () => {
    expect(problems([{ process: 'a', match: { image: ['x.exe'] } }, { process: 'b', match: { image: ['X.EXE'] } }])).toEqual([
      'rules.baselines.1.match: image x.exe is already claimed by baseline 0, got {"image":["X.EXE"]}',
    ]);
  });
  it('accepts the shipped baselines in both pipelines', () => {
    const [replay, kafka] = ['replay.yaml', 'kafka.yaml'].map((f) => parsePipeline(parse(readFileSync(new URL(`../../../pipelines/${f}`, import.meta.url), 'utf8'))).rules.baselines);
    expect(replay.map((b) => b.process)).toEqual(['system', 'csrss', 'wininit', 'services', 'lsass', 'svchost', 'winlogon', 'explorer']);
    expect(kafka).toEqual(replay);
  });
});

describe('state', () => {
  /** Two boots of alerts: second lsass, svchost from Temp, lsass child, userinit lingering, services exit. */
  function busy(): SysmonEvent[] {
    const { h, b, lsass, t } = booted('Z1');
    h.create(t, h.proc(1970, `${SYS32}lsass.exe`, 'lsass', b.wininit));
    h.create(t + SEC, h.proc(1971, 'C:\\Windows\\Temp\\svchost.exe', 'svchost', b.services));
    h.create(t + 2 * SEC, h.proc(1972, `${SYS32}cmd.exe`, 'cmd', lsass));
    h.exit(t + 3 * SEC, b.services);
    const b2 = h.boot(T0 + 86_400 * SEC, { exits: true, pids: 500 });
    h.create(b2.t + SEC, h.proc(1980, `${SYS32}lsass.exe`, 'lsass', b2.wininit));
    h.create(b2.t + 2 * SEC, h.proc(1981, `${SYS32}notepad.exe`, 'notepad', b2.services));
    return h.typed;
  }

  it('gives the same alerts in the same order whatever the batch size (property)', () => {
    const events = busy();
    const strip = (r: ReturnType<typeof runEvents>) => r.alerts.map(({ detectedAt: _d, ...a }) => a);
    const reference = strip(runEvents(events, withBaselines(), 100000));
    expect(reference.map((a) => `${a.rule} ${a.process.pid}`)).toEqual([
      'core.lsass.instances 1970',
      'core.svchost.path 1971',
      'core.lsass.children 640',
      'core.services.lifetime 632',
      'core.lsass.instances 1980',
    ]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), (size) => {
        expect(strip(runEvents(events, withBaselines(), size))).toEqual(reference);
      }),
      { numRuns: 20 },
    );
  });

  it('counts instances right after a snapshot restore into a new engine', () => {
    const { h, b, t } = booted('Z2');
    const before = h.typed.length;
    h.create(t, h.proc(1990, `${SYS32}lsass.exe`, 'lsass', b.wininit));
    const config = parsePipeline(withBaselines());
    const first = new Engine(config);
    first.process(h.typed.slice(0, before), []);
    const second = new Engine(config);
    for (const host of first.index.hosts.values()) restoreHost(second.index, snapshotHost(host));
    const alerts: Alert[] = [];
    second.process(h.typed.slice(before), alerts);
    second.finish(alerts);
    expect(alerts.map((a) => `${a.rule} ${a.process.pid}`)).toEqual(['core.lsass.instances 1990']);
  });
});

describe('lifetimes not judged at the end of a run', () => {
  it('counts what a walk of every node counts, across many boots, evictions and a restored host', () => {
    for (const [retention, cap] of [[0, 200_000], [600, 100], [86_400 * 400, 150]]) {
      const h = booted('L1', false).h;
      for (let i = 1; i <= 30; i++) h.boot(T0 + i * 86_400 * SEC, { exits: i % 7 === 0, pids: 400 + 20 * i });
      const config = withBaselines({});
      const index = { retention_secs: retention, max_nodes_per_host: cap };
      const engine = new Engine(parsePipeline({ ...(config as object), index }));
      const restored = new Engine(parsePipeline({ ...(config as object), index }));
      engine.process(h.typed, []);
      engine.finish([]);
      // The restored copies are hosts the rule never saw a creation of: it walks their trees.
      const copies = [...engine.index.hosts.values()].map((host) => restoreHost(restored.index, snapshotHost(host)));
      const rule = engine.rules.find((r) => r.notJudgedCounts !== undefined)!;
      const counts = rule.notJudgedCounts!(engine.index.hosts.values());
      expect(counts, `retention ${retention}, cap ${cap}`).toEqual(rule.notJudgedCounts!(copies));
      if (cap < 200) expect(engine.index.forcedEvictions).toBeGreaterThan(0);
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    }
  });
});

describe('parent role without a parent guid', () => {
  it('judges the name alone when the event gives no ParentProcessGuid', () => {
    const { h, t } = booted('G1');
    const noGuid = { ...h.proc(388, `${SYS32}smss.exe`, 'smss', null), guid: '' };
    h.create(t, h.proc(1995, `${SYS32}winlogon.exe`, 'winlogon', noGuid, { session: 0 }));
    h.create(t + 1, h.proc(1996, `${SYS32}winlogon.exe`, 'winlogon', { ...h.proc(389, `${SYS32}cmd.exe`, 'cmd', null), guid: '' }, { session: 0 }));
    expect(run(h.typed).rules.filter((r) => r.startsWith('core.winlogon.parent'))).toEqual(['core.winlogon.parent 1996']);
  });
});
