// Each smss rule on the cases that must fire and the decoys that must not, on typed events
// straight into the engine (no XML, no decoder: test/helpers/sysmon-xml.test.ts checks that
// HostLog's typed events are what the decoder makes of its XML).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SysmonEvent } from '../../decode/event.js';
import { runEvents } from '../../../test/helpers/engine-run.js';
import { HostLog } from '../../../test/helpers/sysmon-xml.js';
import { normaliseWindowsPath, SmssPaths } from './classify.js';
import { watchedValuePath } from './subsystems-registry.js';

const T0 = Date.UTC(2024, 5, 1, 8, 0, 0);
const SEC = 1000;
const SMSS = 'C:\\Windows\\System32\\smss.exe';
const rules = (events: SysmonEvent[], cfg: unknown = {}) => runEvents(events, cfg).alerts.map((a) => a.rule);

function booted(name = 'H1', exits = true) {
  const h = new HostLog(name, 1);
  const b = h.boot(T0, { exits });
  return { h, b };
}

describe('smss.path', () => {
  const paths = new SmssPaths('C:\\Windows');
  it.each([
    [SMSS, true],
    ['c:\\windows\\system32\\SMSS.EXE', true],
    ['\\SystemRoot\\System32\\smss.exe', true],
    ['%SystemRoot%\\System32\\smss.exe', true],
    ['\\??\\C:\\Windows\\System32\\smss.exe', true],
    ['\\\\?\\C:\\Windows\\System32\\smss.exe', true],
    ['\\Device\\HarddiskVolume3\\Windows\\System32\\smss.exe', true],
    ['C:\\Windows\\SysWOW64\\smss.exe', false],
    ['D:\\Windows\\System32\\smss.exe', false],
    ['C:\\Windows\\Temp\\smss.exe', false],
    ['\\Device\\HarddiskVolume3\\Temp\\smss.exe', false],
  ])('%s expected: %s', (p, ok) => expect(paths.isExpected(p)).toBe(ok));

  it('follows system_root', () => {
    expect(new SmssPaths('D:\\WINNT').isExpected('D:\\WINNT\\system32\\smss.exe')).toBe(true);
    expect(normaliseWindowsPath('\\SystemRoot\\x', 'D:\\WINNT').path).toBe('d:\\winnt\\x');
  });

  it('fires on a renamed copy known by OriginalFileName, and once on a bad parent seen only as ParentImage', () => {
    const { h, b } = booted();
    h.create(b.t + SEC, h.proc(900, 'C:\\Users\\Public\\svc.exe', 'svc.exe', b.master, { originalFileName: 'smss.exe' }));
    const ghost = h.proc(950, 'C:\\ProgramData\\smss.exe', 'smss.exe', null);
    h.create(b.t + 2 * SEC, h.proc(960, 'C:\\Windows\\System32\\cmd.exe', 'cmd', ghost));
    h.create(b.t + 3 * SEC, h.proc(961, 'C:\\Windows\\System32\\cmd.exe', 'cmd', ghost));
    const alerts = runEvents(h.typed).alerts.filter((a) => a.rule === 'smss.path');
    expect(alerts.map((a) => [a.rule, a.process.pid])).toEqual([
      ['smss.path', 900],
      ['smss.path', 950],
    ]);
  });
});

describe('smss.parent', () => {
  it('accepts System and a master it never saw start; flags a child smss or another program as parent', () => {
    const h = new HostLog('H2', 2);
    const unseenMaster = h.proc(292, SMSS, '\\SystemRoot\\System32\\smss.exe', null);
    const child = h.create(T0, h.proc(400, SMSS, 'smss.exe 000000cc', unseenMaster, { session: 2 }));
    h.exit(T0 + 100, child);
    const grandchild = h.create(T0 + 50, h.proc(410, SMSS, 'smss.exe', child));
    h.exit(T0 + 60, grandchild);
    const cmd = h.create(T0 + SEC, h.proc(500, 'C:\\Windows\\System32\\cmd.exe', 'cmd', null));
    const byCmd = h.create(T0 + 2 * SEC, h.proc(510, SMSS, 'smss.exe', cmd));
    h.exit(T0 + 2 * SEC + 10, byCmd);
    expect(runEvents(h.typed).alerts.map((a) => [a.rule, a.process.pid])).toEqual([
      ['smss.parent', 410],
      ['smss.parent', 510],
    ]);
  });
});

describe('smss.user', () => {
  it('judges SYSTEM by LogonId or SID, never by the localised name', () => {
    const h = new HostLog('H3', 3, 1, 'AUTORITE NT\\Système');
    const b = h.boot(T0, { exits: true });
    const mk = (pid: number, opts: object) => {
      const c = h.create(b.t + pid, h.proc(pid, SMSS, 'smss.exe', b.master, opts));
      h.exit(b.t + pid + 50, c);
    };
    mk(701, { logonId: '0x00000000000003E7', user: 'NT-AUTORITÄT\\SYSTEM' });
    mk(702, { logonId: '0x3e5', user: 'NT AUTHORITY\\LOCAL SERVICE' });
    mk(703, { logonId: '', user: 'S-1-5-18' });
    mk(704, { logonId: '', user: 'S-1-5-21-1-2-3-1001' });
    mk(705, { logonId: '', user: 'NT AUTHORITY\\SYSTEM' }); // no LogonId, a name only: cannot judge
    expect(runEvents(h.typed).alerts.map((a) => [a.rule, a.process.pid])).toEqual([
      ['smss.user', 702],
      ['smss.user', 704],
    ]);
  });
});

describe('smss.child-no-exit', () => {
  const child = (exitAfterMs: number | null, opts: { lateBy?: number; moreAfter?: number; exits?: boolean } = {}) => {
    const { h, b } = booted('H4', opts.exits ?? true);
    const c = h.create(b.t + SEC, h.proc(800, SMSS, 'smss.exe 0000011c', b.master, { session: 2 }));
    if (exitAfterMs !== null && opts.lateBy === undefined) h.exit(b.t + SEC + exitAfterMs, c);
    h.registrySet(b.t + SEC + (opts.moreAfter ?? 60 * SEC), b.services, 'HKLM\\Software\\x', 'DWORD (0x00000001)');
    if (exitAfterMs !== null && opts.lateBy !== undefined) h.exit(b.t + SEC + exitAfterMs, c); // arrives after later events
    return h.typed;
  };

  it('fires when the child has not exited by the deadline; an exit at the deadline is in time', () => {
    expect(rules(child(null))).toEqual(['smss.child-no-exit']);
    expect(rules(child(30 * SEC))).toEqual([]);
    expect(rules(child(30 * SEC + 1))).toEqual(['smss.child-no-exit']);
    expect(rules(child(500))).toEqual([]);
  });

  it('waits for events that arrive late within allowed_lateness_secs', () => {
    // The exit comes after an event 35 s past the start: 5 s behind, inside the 10 s lateness.
    expect(rules(child(400, { lateBy: 1, moreAfter: 35 * SEC }))).toEqual([]);
    expect(rules(child(400, { lateBy: 1, moreAfter: 35 * SEC }), { index: { allowed_lateness_secs: 1 } })).toEqual(['smss.child-no-exit']);
  });

  it('stays unarmed on a host that never logs EventID 5, and says so', () => {
    const { alerts, engine } = runEvents(child(null, { exits: false }).filter((x) => x.eventId !== 5));
    expect(alerts).toEqual([]);
    expect([...engine.index.hosts.values()][0].unjudged).toBeGreaterThan(0);
  });

  it('judges each boot by its own exits: a capture that logged exits does not arm an older one that did not', () => {
    const withExits = new HostLog('H4b', 21);
    withExits.boot(T0 + 400 * 86_400 * SEC, { exits: true });
    const { h, b } = booted('H4b', false);
    h.create(b.t + SEC, h.proc(800, SMSS, 'smss.exe 0000011c', b.master, { session: 2 }));
    h.create(b.t + 90 * SEC, h.proc(801, 'C:\\x.exe', 'x', b.services));
    expect(rules([...withExits.typed, ...h.typed])).toEqual([]);
    // The same lingering child in a boot that logs exits does alert, after the rewind too.
    const armed = booted('H4b', true);
    armed.h.create(armed.b.t + SEC, armed.h.proc(800, SMSS, 'smss.exe 0000011c', armed.b.master, { session: 2 }));
    armed.h.create(armed.b.t + 90 * SEC, armed.h.proc(801, 'C:\\x.exe', 'x', armed.b.services));
    expect(rules([...withExits.typed, ...armed.h.typed])).toEqual(['smss.child-no-exit']);
  });

  it('does not fire at the end of a replay for a deadline the data has not passed', () => {
    expect(rules(child(null, { moreAfter: 10 * SEC }))).toEqual([]);
  });

  it('follows child_exit_secs', () => {
    expect(rules(child(20 * SEC), { rules: { smss: { child_exit_secs: 10 } } })).toEqual(['smss.child-no-exit']);
  });
});

describe('smss.child-no-exit, judging what the host logs', () => {
  /**
   * A boot whose Sysmon logs exits only of programs under C:\Users (what SwiftOnSecurity's and
   * sysmon-modular's configurations do), then an RDP session whose child smss lingers.
   */
  const usersOnly = (name = 'PC-USERS', opts: { systemExit?: boolean } = {}) => {
    const h = new HostLog(name, 31);
    const b = h.boot(T0, { exits: false });
    const app = h.create(b.t + SEC, h.proc(6000, 'C:\\Users\\ann\\AppData\\Local\\app.exe', 'app', b.services, { user: 'CORP\\ann', logonId: '0x1a2b3' }));
    h.exit(b.t + 5 * SEC, app);
    if (opts.systemExit === true) h.exit(b.t + 6 * SEC, h.create(b.t + 2 * SEC, h.proc(6004, 'C:\\Windows\\System32\\cmd.exe', 'cmd /c ver', b.services)));
    const rdp = h.create(b.t + 100 * SEC, h.proc(6100, SMSS, '\\SystemRoot\\System32\\smss.exe 00000140 00000084 ', b.master, { session: 2 }));
    h.create(b.t + 100 * SEC + 50, h.proc(6108, 'C:\\Windows\\System32\\csrss.exe', 'csrss.exe', rdp, { session: 2 }));
    return { h, b, rdp, deadline: rdp === null ? 0 : b.t + 130 * SEC };
  };

  it('raises nothing where exits are logged only for other kinds of image, and counts what it could not judge', () => {
    const { h, b } = usersOnly();
    h.registrySet(b.t + 200 * SEC, b.services, 'HKLM\\Software\\x', '1');
    const { alerts, engine } = runEvents(h.typed);
    expect(alerts).toEqual([]);
    const host = [...engine.index.hosts.values()][0];
    expect(host.exitsArmed).toBe(true); // the host sends exits...
    expect(host.unjudged).toBe(3); // ...but none of a System32 image: both boot children and the RDP child are unjudged
  });

  it('judges where the boot has logged an exit of a System32 image', () => {
    const { h, b } = usersOnly('PC-SYS32', { systemExit: true });
    h.registrySet(b.t + 200 * SEC, b.services, 'HKLM\\Software\\x', '1');
    // The two boot children did not exit either (their exits were not written): all three alert.
    expect(runEvents(h.typed).alerts.map((a) => [a.rule, a.process.pid])).toEqual([
      ['smss.child-no-exit', 388],
      ['smss.child-no-exit', 460],
      ['smss.child-no-exit', 6100],
    ]);
  });

  it.each([
    ['parents a creation', 1],
    ['writes the registry', 13],
    ['opens another process', 10],
    ['exits late', 5],
  ] as const)('raises on a child that %s after its deadline, whatever the exit logging, with that event as evidence', (_what, eventId) => {
    const { h, b, rdp, deadline } = usersOnly('PC-LIVES');
    h.registrySet(deadline + 11 * SEC, b.services, 'HKLM\\Software\\tick', '1'); // the deadline passes, unjudged
    const at = deadline + 15 * SEC;
    if (eventId === 1) h.create(at, h.proc(6200, 'C:\\Windows\\System32\\winlogon.exe', 'winlogon.exe', rdp, { session: 2 }));
    else if (eventId === 13) h.registrySet(at, rdp, 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\DeviceSync', 'C:\\ProgramData\\devsvc.exe');
    else if (eventId === 10) h.access(at, rdp, b.lsass);
    else h.exit(at, rdp);
    h.registrySet(at + 60 * SEC, b.services, 'HKLM\\Software\\x', '1');
    const { alerts, engine } = runEvents(h.typed);
    expect(alerts.map((a) => [a.rule, a.process.pid, a.time, a.evidence.map((e) => e.eventId)])).toEqual([
      ['smss.child-no-exit', 6100, new Date(deadline).toISOString(), [1, eventId]],
    ]);
    expect(alerts[0].evidence[1].time).toBe(new Date(at).toISOString());
    expect([...engine.index.hosts.values()][0].unjudged).toBe(2); // the boot's two children stay unjudged
  });

  it('takes nothing done by the deadline as proof, and an act after it proves the same whenever the deadline is judged', () => {
    const before = usersOnly('PC-EARLY');
    before.h.registrySet(before.deadline, before.rdp, 'HKLM\\SOFTWARE\\x', '1'); // at the deadline: in time
    before.h.registrySet(before.deadline + 60 * SEC, before.b.services, 'HKLM\\Software\\x', '1');
    expect(rules(before.h.typed)).toEqual([]);
    // The act comes before the deadline is judged (the watermark is 10 s behind): raised at once.
    const soon = usersOnly('PC-SOON');
    soon.h.access(soon.deadline + 1, soon.rdp, soon.b.lsass);
    expect(runEvents(soon.h.typed).alerts.map((a) => a.evidence.length)).toEqual([2]);
    // A late exit that comes as the deadline is judged teaches that System32 exits are logged: the deadline judges it.
    const late = usersOnly('PC-LATE');
    late.h.exit(late.deadline + 15 * SEC, late.rdp);
    expect(runEvents(late.h.typed).alerts.map((a) => [a.evidence.length, a.details.exitedAt])).toEqual([[1, new Date(late.deadline + 15 * SEC).toISOString()]]);
  });

  it('where the exit would be logged, leaves the verdict to the deadline: the alert is the one it always was', () => {
    const h = new HostLog('PC-ARMED', 32);
    const b = h.boot(T0, { exits: true });
    const rdp = h.create(b.t + 100 * SEC, h.proc(6100, SMSS, 'smss.exe 00000140 00000084', b.master, { session: 2 }));
    h.access(b.t + 131 * SEC, rdp, b.lsass); // after the deadline, before the watermark passes it
    h.registrySet(b.t + 200 * SEC, b.services, 'HKLM\\Software\\x', '1');
    const alerts = runEvents(h.typed).alerts;
    expect(alerts.map((a) => [a.rule, a.evidence.map((e) => e.eventId)])).toEqual([['smss.child-no-exit', [1]]]);
  });

  it('judges children whose master was never logged against the placeholder their Parent* fields give', () => {
    const h = new HostLog('PC-NOMASTER', 33);
    const b = h.boot(T0, { exits: true });
    const rdp = h.create(b.t + 100 * SEC, h.proc(6100, SMSS, 'smss.exe 00000140 00000084', b.master, { session: 2 }));
    h.registrySet(b.t + 200 * SEC, b.services, 'HKLM\\Software\\x', '1');
    const withoutMaster = h.typed.filter((e) => e.processGuid !== b.master.guid);
    const { alerts, engine } = runEvents(withoutMaster);
    expect(alerts.map((a) => [a.rule, a.process.pid, a.parent?.pid])).toEqual([['smss.child-no-exit', rdp.pid, 300]]);
    const master = [...engine.index.hosts.values()][0].nodes.get(b.master.guid)!;
    expect([master.placeholder, master.master]).toEqual([true, true]);
  });
});

describe('smss.child-no-exit under a Sysmon configuration the pipeline names', () => {
  const lingering = (name: string, exits: boolean) => {
    const h = new HostLog(name, 34);
    const b = h.boot(T0, { exits });
    h.create(b.t + 100 * SEC, h.proc(6100, SMSS, 'smss.exe 00000140 00000084', b.master, { session: 2 }));
    h.registrySet(b.t + 200 * SEC, b.services, 'HKLM\\Software\\x', '1');
    return h.typed;
  };
  const fleet = { sysmon: { configs: [{ hosts: ['PC-ALL*'], config: 'everything' }, { hosts: ['pc-none-*'], config: 'no-exits' }] } };

  it('trusts the configuration over what the host has sent: logged exits arm, dropped ones do not', () => {
    // PC-ALL sent no EventID 5 at all, but its configuration logs exits: a missing exit is a real one.
    expect(rules(lingering('PC-ALL-1', false), fleet)).toEqual(['smss.child-no-exit', 'smss.child-no-exit', 'smss.child-no-exit']);
    // PC-NONE sent System32 exits (a capture of another configuration?), but the pipeline says it logs none.
    const { alerts, engine } = runEvents(lingering('PC-NONE-1', true), fleet);
    expect(alerts).toEqual([]);
    expect([...engine.index.hosts.values()][0].unjudged).toBe(1);
  });

  it('asks the configuration about each child: one that logs smss exits only judges children, and nothing else arms it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proctree-cfg-'));
    const file = join(dir, 'smss-exits.xml');
    writeFileSync(file, '<Sysmon schemaversion="4.90"><EventFiltering><RuleGroup groupRelation="or"><ProcessTerminate onmatch="include"><Image condition="image">smss.exe</Image></ProcessTerminate></RuleGroup></EventFiltering></Sysmon>\n');
    const cfg = { sysmon: { configs: [{ hosts: ['*'], config: file }] } };
    expect(rules(lingering('PC-X', true), cfg)).toEqual(['smss.child-no-exit']);
  });
});

describe('smss.instances and boot epochs', () => {
  it('treats a new master with a silent old boot as a reboot, closing the old processes', () => {
    const h = new HostLog('H5', 5);
    const b1 = h.boot(T0, { exits: false });
    h.boot(T0 + 3600 * SEC, { exits: false }); // same PIDs, no exits logged
    const later = h.proc(3000, 'C:\\Windows\\System32\\notepad.exe', 'notepad', null);
    h.create(T0 + 3800 * SEC, later);
    const { alerts, engine } = runEvents(h.typed);
    expect(alerts).toEqual([]);
    const host = [...engine.index.hosts.values()][0];
    const old = host.nodes.get(b1.master.guid);
    // Closed at the reboot (or already evicted after retention).
    expect(old === undefined || (old.closedAtReboot && old.end === T0 + 3600 * SEC)).toBe(true);
  });

  it('fires when the old boot keeps acting after a second master, unless max_live allows two', () => {
    const h = new HostLog('H6', 6);
    const b1 = h.boot(T0, { exits: false });
    h.create(T0 + 100 * SEC, h.proc(7000, SMSS, 'smss.exe', h.system));
    h.registrySet(T0 + 110 * SEC, b1.services, 'HKLM\\Software\\x', 'DWORD (0x00000001)');
    expect(rules(h.typed)).toEqual(['smss.instances']);
    expect(rules(h.typed, { rules: { smss: { max_live: 2 } } })).toEqual([]);
  });

  it('counts an earlier master known only from its children (its creation not logged)', () => {
    const h = new HostLog('H6b', 16);
    const b1 = h.boot(T0, { exits: false });
    const second = h.create(T0 + 100 * SEC, h.proc(7000, SMSS, 'smss.exe', h.system));
    h.registrySet(T0 + 110 * SEC, b1.services, 'HKLM\\Software\\x', 'DWORD (0x00000001)');
    const alerts = runEvents(h.typed.filter((e) => e.processGuid !== b1.master.guid)).alerts;
    expect(alerts.map((a) => [a.rule, a.process.guid, a.details.earlierMaster])).toEqual([['smss.instances', second.guid, { guid: b1.master.guid, pid: 300, start: null }]]);
  });

  it('ignores old-boot activity after reboot_check_secs', () => {
    const h = new HostLog('H7', 7);
    const b1 = h.boot(T0, { exits: false });
    h.create(T0 + 100 * SEC, h.proc(7000, SMSS, 'smss.exe', h.system));
    h.create(T0 + 300 * SEC, h.proc(1, 'C:\\x.exe', 'x', null));
    h.registrySet(T0 + 400 * SEC, b1.services, 'HKLM\\Software\\x', 'DWORD (0x00000001)');
    expect(rules(h.typed)).toEqual([]);
  });
});

describe('smss.unexpected-child', () => {
  it('allows the session subsystem and autochk from the master only', () => {
    const { h, b } = booted('H8');
    const c = h.create(b.t + SEC, h.proc(820, SMSS, 'smss.exe 0000011c', b.master, { session: 2 }));
    h.create(b.t + SEC + 5, h.proc(821, 'C:\\Windows\\System32\\autochk.exe', 'autochk *', c));
    h.create(b.t + SEC + 6, h.proc(822, 'C:\\Windows\\System32\\rundll32.exe', 'rundll32 evil.dll,Start', c));
    h.exit(b.t + SEC + 100, c);
    const alerts = runEvents(h.typed).alerts;
    expect(alerts.map((a) => [a.rule, a.process.pid, (a.details.child as { pid: number }).pid])).toEqual([
      ['smss.unexpected-child', 820, 821],
      ['smss.unexpected-child', 820, 822],
    ]);
    expect(rules(h.typed, { rules: { smss: { allowed_children: ['smss.exe', 'csrss.exe', 'wininit.exe', 'winlogon.exe', 'rundll32.exe'] } } })).toEqual(['smss.unexpected-child']);
  });
});

describe('smss.subsystems-registry', () => {
  it.each([
    ['HKLM\\System\\CurrentControlSet\\Control\\Session Manager\\Subsystems\\Windows', 'subsystems\\windows'],
    ['\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet002\\Control\\Session Manager\\Subsystems\\Optional', 'subsystems\\optional'],
    ['HKLM\\SYSTEM\\CurrentControlSet\\Control\\SESSION MANAGER\\BootExecute', 'bootexecute'],
    ['HKLM\\System\\CurrentControlSet\\Control\\Session Manager\\Environment\\Path', null],
    ['HKLM\\System\\CurrentControlSet\\Control\\Session Manager\\ExecuteX', null],
    ['HKLM\\Software\\Session Manager\\Subsystems\\Windows', null],
  ])('%s -> %s', (t, want) => expect(watchedValuePath(t)).toBe(want));

  it('fires on writes outside the baseline, deletions and renames; not on CreateKey or baseline values', () => {
    const { h, b } = booted('H9');
    const key = 'HKLM\\System\\CurrentControlSet\\Control\\Session Manager\\Subsystems';
    h.registrySet(b.t + 1, b.services, `${key}\\Optional`, 'Posix');
    h.registrySet(b.t + 2, b.services, `${key}\\Required`, 'Debug Windows');
    h.registryObject(b.t + 3, b.services, 'CreateKey', key);
    h.registryObject(b.t + 4, b.services, 'DeleteValue', `${key}\\Kmode`);
    h.registrySet(b.t + 5, b.services, `${key}\\Kmode`, '\\SystemRoot\\System32\\win32k.sys');
    expect(runEvents(h.typed).alerts.map((a) => [a.rule, a.details.targetObject])).toEqual([
      ['smss.subsystems-registry', `${key}\\Optional`],
      ['smss.subsystems-registry', `${key}\\Kmode`],
    ]);
  });
});

describe('determinism', () => {
  it('gives the same alerts in the same order whatever the batch size (property)', () => {
    const h = new HostLog('D1', 11);
    const b = h.boot(T0, { exits: true });
    for (let i = 0; i < 5; i++) {
      const c = h.create(b.t + i * 100 * SEC, h.proc(900 + i, i % 2 ? 'C:\\Temp\\smss.exe' : SMSS, 'smss.exe', b.master, { session: 2 + i }));
      if (i % 3 === 0) h.exit(b.t + i * 100 * SEC + 40 * SEC, c);
      h.create(b.t + i * 100 * SEC + 5, h.proc(950 + i, 'C:\\Windows\\System32\\cmd.exe', 'cmd', c));
    }
    h.registrySet(b.t + 1000 * SEC, b.services, 'HKLM\\Software\\x', 'DWORD (0x00000001)');
    const strip = (r: ReturnType<typeof runEvents>) => r.alerts.map(({ detectedAt: _d, ...a }) => a);
    const reference = strip(runEvents(h.typed, {}, 100000));
    expect(reference.length).toBeGreaterThan(5);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), (size) => {
        expect(strip(runEvents(h.typed, {}, size))).toEqual(reference);
      }),
      { numRuns: 25 },
    );
  });
});
