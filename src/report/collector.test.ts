// The report collector without a browser: what it keeps of a run (chain processes, alerts,
// counts), that it keeps no more (caps, no churn), and the trees and chains built from it.

import { describe, expect, it } from 'vitest';
import type { Alert } from '../alerts/alert.js';
import { decodeAll, runEngine } from '../../test/helpers/engine-run.js';
import { DecodeCounters } from '../decode/counters.js';
import { HostLog, type Proc } from '../../test/helpers/sysmon-xml.js';
import { parsePipeline } from '../pipeline/config.js';
import { Engine } from '../engine/engine.js';
import { collectStats, type RunStats } from '../engine/run-stats.js';
import { alertTree, indexProcs, walkTree, type TreeNodeView } from './alert-tree.js';
import { sessionChains } from './chain.js';
import { ReportCollector, type CollectorOptions } from './collector.js';

const T0 = Date.UTC(2024, 2, 4, 7, 0, 0);
const SEC = 1000;
const SMSS = 'C:\\Windows\\System32\\smss.exe';

/** What replay does with its onBatch hook: engine first, then the collector, batch by batch. */
function collect(xml: readonly string[], opts: CollectorOptions = {}, batchSize = 7): { collector: ReportCollector; alerts: Alert[] } {
  const engine = new Engine(parsePipeline({}));
  const collector = new ReportCollector(opts);
  const events = decodeAll(xml);
  const all: Alert[] = [];
  for (let i = 0; i < events.length; i += batchSize) {
    const alerts: Alert[] = [];
    const batch = events.slice(i, i + batchSize);
    engine.process(batch, alerts);
    collector.onBatch(batch, alerts);
    all.push(...alerts);
  }
  const tail: Alert[] = [];
  engine.finish(tail);
  collector.onBatch([], tail);
  all.push(...tail);
  return { collector, alerts: all };
}

/** A boot whose session-2 child smss never exits (smss.child-no-exit), with churn under services. */
function lingeringHost(churn = 0): { log: HostLog; lingering: Proc; lingerChild: Proc } {
  const log = new HostLog('PC-LINGER', 1);
  const boot = log.boot(T0);
  for (let i = 0; i < churn; i++) {
    const p = log.create(boot.t + i * 10, log.proc(5000 + i, 'C:\\Windows\\System32\\svchost.exe', 'svchost.exe -k netsvcs', boot.services));
    log.exit(boot.t + i * 10 + 5, p);
  }
  const lingering = log.create(T0 + 120 * SEC, log.proc(9001, SMSS, '\\SystemRoot\\System32\\smss.exe 00000124 000000cc ', boot.master, { session: 2 }));
  const lingerChild = log.create(T0 + 120 * SEC + 50, log.proc(9010, 'C:\\Windows\\System32\\csrss.exe', 'csrss.exe', lingering, { session: 2 }));
  log.exit(T0 + 200 * SEC, log.proc(1, 'C:\\x.exe', '', null)); // time moves past the deadline
  return { log, lingering, lingerChild };
}

function nodes(root: TreeNodeView): TreeNodeView[] {
  const out: TreeNodeView[] = [];
  walkTree(root, (n) => out.push(n));
  return out;
}

describe('ReportCollector', () => {
  it('keeps the alerts and the session-start chain with exits, not the churn under services', () => {
    const { log } = lingeringHost(300);
    const { collector, alerts } = collect(log.events);
    expect(alerts.map((a) => a.rule)).toEqual(['smss.child-no-exit']);
    const data = collector.finish({ now: new Date(0) });
    expect(data.alerts).toEqual(alerts);
    expect(data.run.alertsTotal).toBe(1);
    expect(data.run.alertsByRule['smss.child-no-exit']).toBe(1);
    expect(data.run.alertsByHost).toEqual({ 'PC-LINGER': 1 });
    expect(data.run.unjudged).toBeNull(); // no stats given
    expect(data.hosts).toHaveLength(1);
    const host = data.hosts[0];
    expect(host.sentExits).toBe(true);
    const names = host.procs.map((p) => `${p.image.split('\\').pop()}:${p.pid}`).sort();
    // System (a placeholder from the master's Parent* fields), the chain, wininit's children.
    expect(names).toEqual(
      ['System:4', 'smss.exe:300', 'autochk.exe:328', 'smss.exe:388', 'csrss.exe:396', 'wininit.exe:468', 'smss.exe:460', 'csrss.exe:476', 'winlogon.exe:568', 'services.exe:632', 'lsass.exe:640', 'smss.exe:9001', 'csrss.exe:9010'].sort(),
    );
    const child0 = host.procs.find((p) => p.pid === 388)!;
    expect(child0.end! - child0.start!).toBe(350);
    expect(host.procs.find((p) => p.pid === 4)!.placeholder).toBe(true);
    expect(host.procs.find((p) => p.pid === 9001)!.end).toBeNull();
  });

  it('records what an alert subject starts after the alert, and the exits of recorded processes', () => {
    const { log, lingering } = lingeringHost();
    const late = log.create(T0 + 300 * SEC, log.proc(9050, 'C:\\Windows\\Temp\\implant.exe', 'implant.exe --beacon', lingering, { session: 2 }));
    log.exit(T0 + 301 * SEC, late);
    const { collector } = collect(log.events);
    const rec = collector.finish().hosts[0].procs.find((p) => p.pid === 9050)!;
    expect(rec.commandLine).toBe('implant.exe --beacon');
    expect(rec.end).toBe(T0 + 301 * SEC);
  });

  it('bounds memory: alerts past maxAlerts and the oldest records past maxProcsPerHost are counted, not kept', () => {
    const { log } = lingeringHost();
    const { collector } = collect(log.events, { maxAlerts: 0, maxProcsPerHost: 5 });
    const stats = { hostsWithoutExits: 0, unjudgedDeadlines: 0, lateEvents: 0, decodeErrors: { total: 0, byReason: {} }, alerts: { total: 1, byRule: {} }, eventsByEventId: { '1': 14 }, events: 14, files: 1, bytes: 1, seconds: 0 } as unknown as RunStats;
    const data = collector.finish({ stats });
    expect(data.alerts).toEqual([]);
    expect(data.alertsDropped).toBe(1);
    expect(data.run.alertsTotal).toBe(1);
    expect(data.hosts[0].procs).toHaveLength(5);
    expect(data.hosts[0].procsDropped).toBeGreaterThan(0);
    expect(data.run.unjudged!.map((u) => u.what)).toEqual(['alerts left out of this report', 'process records of the session-start chains']);
  });

  it('says, per rule, what could not be judged and on which hosts, from the run stats', () => {
    const quiet = new HostLog('PC-QUIET', 2);
    const b = quiet.boot(T0, { exits: false });
    quiet.registrySet(b.t + 60 * SEC, b.services, 'HKLM\\Software\\x', '1'); // past the two children's deadlines
    const { collector } = collect(quiet.events);
    const { engine } = runEngine(quiet.events);
    const stats = { ...collectStats(engine, new DecodeCounters(), 1, 100, 0.1), lateEvents: 3, decodeErrors: { total: 4, byReason: { 'bad-xml': 4 } }, eventsByEventId: { '1': 11, '3': 2 } };
    const data = collector.finish({ stats, inputs: ['x.xml'] });
    expect(data.run.eventsByEventId).toEqual({ '1': 11, '3': 2 });
    expect(data.run.decodeErrors).toEqual(stats.decodeErrors);
    const items = data.run.unjudged!;
    const exits = items.find((u) => u.what === 'smss.child-no-exit')!;
    expect(exits.hosts).toEqual(['PC-QUIET']);
    expect(exits.why).toMatch(/^2 child smss not judged on 1 host\(s\): no exit of a System32 image was logged/);
    const [late, errors] = items.slice(-2);
    expect(late.count).toBe(3);
    expect(errors.why).toContain('bad-xml: 4');
    expect(data.hosts[0].sentExits).toBe(false);
  });

  it('lists the core process baseline checks left unjudged', () => {
    const { collector } = collect(new HostLog('PC-Q2', 3).events);
    const stats = { hostsWithoutExits: 0, unjudgedDeadlines: 0, lateEvents: 0, notJudged: [{ rule: 'core.lsass.lifetime', count: 2, what: 'check(s) not judged', why: 'no exit was logged in the boot', hosts: [], hostCount: 0 }, { rule: 'core.svchost.parent', count: 1, what: 'check(s) not judged', why: 'the event does not name the parent', hosts: [], hostCount: 0 }], decodeErrors: { total: 0, byReason: {} }, alerts: { total: 0, byRule: {} }, eventsByEventId: {}, events: 0, files: 1, bytes: 1, seconds: 0 } as unknown as RunStats;
    const items = collector.finish({ stats, inputs: ['x.xml'] }).run.unjudged!;
    expect(items.map((i) => [i.what, i.count])).toEqual([['core.lsass.lifetime', 2], ['core.svchost.parent', 1]]);
    expect(items[0].why).toBe('2 check(s) not judged: no exit was logged in the boot');
  });
});

describe('alertTree', () => {
  it('runs from System through the master to the subject, beside its siblings, above its children', () => {
    const { log } = lingeringHost();
    const { collector } = collect(log.events);
    const data = collector.finish();
    const alert = data.alerts[0];
    const root = alertTree(alert, indexProcs(data.hosts[0].procs));
    expect(root.image).toBe('System');
    expect(root.role).toBe('ancestor');
    const [master] = root.children;
    expect(master.role).toBe('parent');
    expect(master.pid).toBe(300);
    expect(master.children.map((c) => `${c.role}:${c.pid}`)).toEqual(['sibling:328', 'sibling:388', 'sibling:460', 'subject:9001']);
    const subject = master.children.find((c) => c.role === 'subject')!;
    expect(subject.commandLine).toBe('\\SystemRoot\\System32\\smss.exe 00000124 000000cc ');
    expect(subject.children.map((c) => `${c.role}:${c.pid}:${c.sessionId}`)).toEqual(['child:9010:2']);
    const sibling = master.children[1];
    expect(sibling.end! - sibling.start!).toBe(350);
    expect(nodes(root).filter((n) => n.role === 'subject')).toHaveLength(1);
  });

  it('stands alone with no ancestry and survives a cycle in hostile ancestry', () => {
    const { log } = lingeringHost();
    const a = collect(log.events).alerts[0];
    const lone = alertTree({ ...a, ancestry: [], parent: null, children: [] }, indexProcs([]));
    expect(lone.role).toBe('subject');
    expect(lone.children).toEqual([]);
    const loop = alertTree({ ...a, ancestry: [a.ancestry[0], { guid: a.process.guid, pid: 1, image: 'x' }, a.ancestry[0]] }, indexProcs([]));
    expect(nodes(loop).map((n) => n.role)).toEqual(['parent', 'subject', 'child']);
  });
});

describe('sessionChains', () => {
  it('puts each master smss at the head of its own boot, with sessions and their subsystems beneath', () => {
    const log = new HostLog('PC-TWO', 3);
    const first = log.boot(T0);
    log.boot(T0 + 3600 * SEC, { exits: false, pids: 1300 });
    // A csrss whose smss was not logged.
    const ghost = log.proc(777, SMSS, '', null);
    log.create(T0 + 7200 * SEC, log.proc(778, 'C:\\Windows\\System32\\csrss.exe', 'csrss.exe', { ...ghost, image: 'C:\\Windows\\explorer.exe' }));
    void first;
    const { collector } = collect(log.events);
    const boots = sessionChains(collector.finish().hosts[0].procs);
    expect(boots.map((b) => [b.master?.pid ?? null, b.orphan, b.start])).toEqual([
      [300, false, T0],
      [1300, false, T0 + 3600 * SEC],
      [null, true, T0 + 7200 * SEC],
    ]);
    expect(boots[0].rows.map((r) => `${'  '.repeat(r.depth)}${r.kind}:${r.pid}`)).toEqual([
      'system:4',
      '  master:300',
      '    autochk:328',
      '    session:388',
      '      csrss:396',
      '      wininit:468',
      '    session:460',
      '      csrss:476',
      '      winlogon:568',
    ]);
    expect(boots[0].end).toBe(T0 + 2665);
    expect(boots[1].rows.find((r) => r.kind === 'session')!.end).toBeNull();
  });
});
