// The process index: placeholders, PID reuse, case-insensitive hosts, eviction of exited
// subtrees and the per-host cap; boots whose master was never logged, and what a host shows it
// logs (exits per kind of image, the kinds of evidence the rules need).

import { describe, expect, it } from 'vitest';
import { decodeAll, runEvents } from '../../test/helpers/engine-run.js';
import { HostLog } from '../../test/helpers/sysmon-xml.js';
import { parsePipeline } from '../pipeline/config.js';
import { SEEN } from './host-state.js';
import { IMAGE_CLASS, imageClass } from './process-node.js';
import { ProcessIndex } from './process-index.js';

const T0 = Date.UTC(2024, 0, 1);
const SEC = 1000;

function index(cfg: object = {}) {
  const c = parsePipeline({ index: cfg });
  return new ProcessIndex(c.index, c.rules.smss.reboot_check_secs);
}

function applyAll(ix: ProcessIndex, xml: string[]): void {
  for (const e of decodeAll(xml)) ix.apply(e);
}

describe('ProcessIndex', () => {
  it('creates a placeholder for a parent seen later and fills it when it arrives', () => {
    const h = new HostLog('A', 1);
    const parent = h.proc(100, 'C:\\p.exe', 'p', null);
    const child = h.proc(200, 'C:\\c.exe', 'c', parent);
    const early = new HostLog('A', 1);
    early.create(T0 + SEC, child);
    const ix = index();
    applyAll(ix, early.events);
    const host = ix.hosts.get('a')!;
    const p = host.nodes.get(parent.guid)!;
    expect(p.placeholder).toBe(true);
    expect(p.image).toBe('C:\\p.exe');
    const late = new HostLog('A', 1);
    late.create(T0, parent);
    applyAll(ix, late.events);
    expect(p.placeholder).toBe(false);
    expect(p.start).toBe(T0);
    expect(p.children!.map((c) => c.pid)).toEqual([200]);
  });

  it('keeps processes apart by guid when PIDs are reused, and treats host names case-insensitively', () => {
    const h = new HostLog('WS1', 2);
    const a = h.create(T0, h.proc(500, 'C:\\a.exe', 'a', null));
    h.exit(T0 + SEC, a);
    const h2 = new HostLog('ws1', 12); // another GUID series, same PID
    h2.create(T0 + 2 * SEC, h2.proc(500, 'C:\\b.exe', 'b', null));
    const ix = index();
    applyAll(ix, [...h.events, ...h2.events]);
    expect(ix.hosts.size).toBe(1);
    const nodes = [...ix.hosts.get('ws1')!.nodes.values()].filter((n) => n.pid === 500);
    expect(nodes.map((n) => [n.image, n.alive])).toEqual([
      ['C:\\a.exe', false],
      ['C:\\b.exe', true],
    ]);
  });

  it('evicts exited subtrees after retention, children before parents, and keeps live descendants anchored', () => {
    const h = new HostLog('E', 3);
    const root = h.create(T0, h.proc(10, 'C:\\root.exe', 'r', null));
    const mid = h.create(T0 + 1, h.proc(11, 'C:\\mid.exe', 'm', root));
    const leaf = h.create(T0 + 2, h.proc(12, 'C:\\leaf.exe', 'l', mid));
    h.exit(T0 + 10, mid);
    h.exit(T0 + 11, root);
    h.create(T0 + 100 * SEC, h.proc(99, 'C:\\tick.exe', 't', null));
    const ix = index({ retention_secs: 60 });
    applyAll(ix, h.events);
    const host = ix.hosts.get('e')!;
    expect(host.nodes.has(mid.guid)).toBe(true); // a live leaf keeps its exited ancestors
    const h2 = new HostLog('E', 3);
    h2.exit(T0 + 101 * SEC, leaf);
    h2.create(T0 + 200 * SEC, h2.proc(98, 'C:\\tick.exe', 't', null));
    applyAll(ix, h2.events);
    expect(host.nodes.has(leaf.guid)).toBe(false);
    expect(host.nodes.has(mid.guid)).toBe(false);
    expect(host.nodes.has(root.guid)).toBe(false);
    expect(ix.evictions).toBe(3);
  });

  it('holds memory to max_nodes_per_host when no exits are logged', () => {
    const h = new HostLog('CAP', 4);
    const b = h.boot(T0, { exits: false });
    for (let i = 0; i < 1000; i++) h.create(b.t + i, h.proc(2000 + i, 'C:\\w.exe', 'w', b.services));
    const ix = index({ max_nodes_per_host: 200 });
    applyAll(ix, h.events);
    const host = ix.hosts.get('cap')!;
    expect(host.nodes.size).toBeLessThanOrEqual(200);
    expect(host.nodes.has(b.master.guid)).toBe(true); // the live master survives the cap
    expect(ix.forcedEvictions).toBeGreaterThan(800);
  });

  it('joins GUIDs whatever their case (renderers disagree)', () => {
    const h = new HostLog('G', 5);
    const parent = h.create(T0, h.proc(100, 'C:\\p.exe', 'p', null));
    const upper = { ...h.proc(200, 'C:\\c.exe', 'c', { ...parent, guid: parent.guid.toUpperCase() }) };
    h.create(T0 + 1, upper);
    const ix = index();
    applyAll(ix, h.events);
    const p = ix.hosts.get('g')!.nodes.get(parent.guid)!;
    expect(p.children!.map((c) => c.pid)).toEqual([200]);
  });

  it('rewinds a host whose events jump back by more than time_jump_secs, instead of counting them late', () => {
    const newer = new HostLog('R', 6);
    newer.create(T0 + 365 * 86_400 * SEC, newer.proc(1, 'C:\\a.exe', 'a', null));
    const older = new HostLog('R', 16);
    older.create(T0, older.proc(2, 'C:\\b.exe', 'b', null));
    older.create(T0 + SEC, older.proc(3, 'C:\\c.exe', 'c', null));
    const ix = index();
    applyAll(ix, [...newer.events, ...older.events]);
    const host = ix.hosts.get('r')!;
    expect(host.rewinds).toBe(1);
    expect(host.lateEvents).toBe(0);
    expect(host.maxTime).toBe(T0 + SEC);
    expect(host.maxTimeEver).toBe(T0 + 365 * 86_400 * SEC);
  });

  it('closes a live process whose PID a creation of the same boot reuses (Windows never reuses a live PID)', () => {
    const h = new HostLog('P', 7);
    const b = h.boot(T0, { exits: false });
    const first = h.create(b.t + SEC, h.proc(1200, 'C:\\Windows\\System32\\cmd.exe', 'cmd /c a', b.services));
    const second = h.create(b.t + 5 * SEC, h.proc(1200, 'C:\\Windows\\System32\\cmd.exe', 'cmd /c b', b.services));
    const ix = index();
    for (const e of h.typed) ix.apply(e);
    const host = ix.hosts.get('p')!;
    const [a, c] = [host.nodes.get(first.guid)!, host.nodes.get(second.guid)!];
    expect([a.alive, a.end, c.alive]).toEqual([false, b.t + 5 * SEC, true]);
    expect(host.pids.get(1200)).toBe(c);
    expect(ix.pidReuses).toBe(1);
  });

  it('closes the placeholder a child names as parent once another process takes its PID; and, late, an older creation ends where the newer began', () => {
    const h = new HostLog('Q', 8);
    const ghost = h.proc(1300, 'C:\\Windows\\System32\\svchost.exe', 'svchost -k x', null);
    h.create(T0, h.proc(1310, 'C:\\Windows\\System32\\taskhostw.exe', 't', ghost));
    const later = h.create(T0 + 10 * SEC, h.proc(1300, 'C:\\w.exe', 'w', null));
    const early = h.proc(1400, 'C:\\x.exe', 'x', null);
    h.create(T0 + 20 * SEC, h.proc(1400, 'C:\\y.exe', 'y', null));
    h.create(T0 + 19 * SEC, early); // written late: it held PID 1400 before
    const ix = index();
    for (const e of h.typed) ix.apply(e);
    const host = ix.hosts.get('q')!;
    expect([host.nodes.get(ghost.guid)!.placeholder, host.nodes.get(ghost.guid)!.end]).toEqual([true, T0 + 10 * SEC]);
    expect(host.pids.get(1300)!.guid).toBe(later.guid);
    expect([host.nodes.get(early.guid)!.alive, host.nodes.get(early.guid)!.end]).toEqual([false, T0 + 20 * SEC]);
    expect(host.pids.get(1400)!.image).toBe('C:\\y.exe');
  });

  it('keeps a host without EventID 5 the size of what is alive: reused PIDs close their holders, which then leave after retention', () => {
    const h = new HostLog('NOEXIT', 9);
    const b = h.boot(T0, { exits: false });
    // 5000 short jobs on 25 PIDs over 5000 s: Windows hands the PIDs of ended processes out again.
    for (let i = 0; i < 5000; i++) h.create(b.t + i * SEC, h.proc(3000 + 4 * (i % 25), 'C:\\Windows\\System32\\cmd.exe', `cmd /c ${i}`, b.services));
    const ix = index({ retention_secs: 60 });
    for (const e of h.typed) ix.apply(e);
    const host = ix.hosts.get('noexit')!;
    expect(host.liveCount).toBeLessThanOrEqual(25 + 12);
    expect(host.nodes.size).toBeLessThan(25 + 12 + 100); // live, boot, and what retention still holds
    expect(ix.forcedEvictions).toBe(0);
  });

  it('does not close a process of another boot that held the same PID: that is the reboot check\'s to judge', () => {
    const h = new HostLog('BOOTS', 10);
    const b1 = h.boot(T0, { exits: false });
    h.boot(T0 + 3600 * SEC, { exits: false }); // same boot PIDs
    const ix = index();
    for (const e of h.typed) ix.apply(e);
    const host = ix.hosts.get('boots')!;
    const old = host.nodes.get(b1.services.guid)!;
    expect(old.alive).toBe(true); // still open: the reboot check has not reached its deadline
    expect(host.rebootCheck).not.toBeNull();
  });

  it('recognises boots whose master creation was not logged: the first child smss names its master, a new one starts a new boot', () => {
    // What SwiftOnSecurity's configuration lets through: no master smss, no autochk.
    const drop = (log: HostLog) => log.typed.filter((e) => !(e.image.endsWith('smss.exe') && e.parentProcessId === 4) && !e.image.endsWith('autochk.exe'));
    const h = new HostLog('SWIFT', 11);
    const b1 = h.boot(T0, { exits: false });
    h.create(b1.t + 60 * SEC, h.proc(5000, 'C:\\Windows\\System32\\notepad.exe', 'notepad', b1.services));
    const b2 = h.boot(T0 + 3600 * SEC, { exits: false }); // a reboot, same PIDs
    h.create(b2.t + 300 * SEC, h.proc(5004, 'C:\\Windows\\System32\\notepad.exe', 'notepad', b2.services));
    // The engine, for the reboot check's timer.
    const events = drop(h);
    const boot1 = events.filter((e) => e.time < T0 + 3600 * SEC);
    expect(runEvents(boot1).engine.index.hosts.get('swift')!.epoch).toBe(0); // the first boot's master adopted, no new epoch
    const { alerts, engine } = runEvents(events);
    expect(alerts).toEqual([]);
    const host = engine.index.hosts.get('swift')!;
    const m1 = host.nodes.get(b1.master.guid)!;
    expect([m1.placeholder, m1.master]).toEqual([true, true]);
    expect(host.epoch).toBe(1);
    expect(host.masters.map((m) => m.guid)).toEqual([b2.master.guid]);
    // The old boot went silent: closed at the new boot's first child smss.
    expect([m1.alive, m1.closedAtReboot, m1.end]).toEqual([false, true, T0 + 3600 * SEC + 2100]);
    expect(host.nodes.get(b1.services.guid)?.alive ?? false).toBe(false);
    expect(host.seen & SEEN.masterCreation).toBe(0);
    expect(host.seen & SEEN.childSmssCreation).toBe(SEEN.childSmssCreation);
  });

  it('learns exits per boot and per kind of image, and what kinds of evidence a host logs', () => {
    const h = new HostLog('KINDS', 12);
    const b = h.boot(T0, { exits: false });
    const user = h.create(b.t + SEC, h.proc(6000, 'C:\\Users\\ann\\AppData\\Local\\app.exe', 'app', b.services));
    h.exit(b.t + 2 * SEC, user);
    const ix = index();
    for (const e of h.typed) ix.apply(e);
    const host = ix.hosts.get('kinds')!;
    expect(host.exitClasses.get(host.epoch)).toBe(IMAGE_CLASS.users);
    expect(host.seen).toBe(SEEN.smssCreation | SEEN.masterCreation | SEEN.childSmssCreation | SEEN.creationBySmss);
    expect([
      'C:\\Windows\\System32\\smss.exe',
      '\\SystemRoot\\System32\\smss.exe',
      '\\Device\\HarddiskVolume2\\Windows\\System32\\smss.exe',
      'D:\\WINNT\\system32\\smss.exe',
      'C:\\Windows\\explorer.exe',
      'C:\\Users\\a\\x.exe',
      'C:\\Program Files (x86)\\x\\y.exe',
      'C:\\ProgramData\\x.exe',
      'C:\\Temp\\x.exe',
      '',
    ].map(imageClass)).toEqual([1, 1, 1, 1, 2, 4, 16, 8, 32, 32]);
  });
});
