import { isDeepStrictEqual } from 'node:util';
import type { HostSysmonConfig } from '../sysmon-config/fleet.js';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../alerts/alert.js';
import { parsePipeline } from '../pipeline/config.js';
import { Engine } from '../engine/engine.js';
import { decodeAll } from '../../test/helpers/engine-run.js';
import { anomalyScenario, sysmonXml } from '../../test/helpers/scenario.js';
import type { SysmonEvent } from '../decode/event.js';
import { HostLog } from '../../test/helpers/sysmon-xml.js';
import { HostState } from './host-state.js';
import type { ProcNode } from './process-node.js';
import { HOST_SNAPSHOT_VERSION, SnapshotError, restoreHost, snapshotHost, type HostSnapshot } from './snapshot.js';

// odd-03 runs a Sysmon configuration the pipeline names, so that a restored host gets it back.
const config = parsePipeline({ sysmon: { configs: [{ hosts: ['odd-03*'], config: 'no-exits' }] } });
const SEC = 1000;

/**
 * Hosts in the states the anomaly scenario does not reach: exited processes evicted after the
 * retention, an event later than the allowed lateness, a clock jumping back past time_jump_secs,
 * a deadline that could not be judged on a host that never logs exits, a PID reused by a new
 * process while its holder's exit was not logged, and a host under a named Sysmon configuration.
 */
function oddHosts(): SysmonEvent[] {
  const t0 = Date.UTC(2024, 5, 1, 8, 0, 0);
  const a = new HostLog('odd-01.corp.example', 91);
  const b = a.boot(t0);
  for (let i = 0; i < 40; i++) a.exit(b.t + 2 * SEC + i, a.create(b.t + SEC + i, a.proc(2000 + i, 'C:\\Windows\\System32\\cmd.exe', 'cmd /c x', b.services)));
  a.registrySet(b.t + 700 * SEC, b.services, 'HKLM\\Software\\x', '1');
  a.registrySet(b.t + 650 * SEC, b.services, 'HKLM\\Software\\late', '1');
  a.registrySet(b.t - 2 * 3600 * SEC, b.services, 'HKLM\\Software\\rewound', '1');
  const n = new HostLog('odd-02.corp.example', 92);
  const nb = n.boot(t0, { exits: false });
  n.create(nb.t + SEC, n.proc(800, 'C:\\Windows\\System32\\smss.exe', 'smss.exe 0000011c', nb.master, { session: 2 }));
  n.registrySet(nb.t + 60 * SEC, nb.services, 'HKLM\\Software\\x', '1');
  const c = new HostLog('odd-03.corp.example', 93);
  const cb = c.boot(t0, { exits: false });
  c.create(cb.t + SEC, c.proc(1200, 'C:\\Windows\\System32\\cmd.exe', 'cmd /c a', cb.services));
  c.create(cb.t + 2 * SEC, c.proc(1200, 'C:\\Windows\\System32\\cmd.exe', 'cmd /c b', cb.services)); // the first one's PID: it has ended
  return [...a.typed, ...n.typed, ...c.typed];
}

const events = () => [...decodeAll([...anomalyScenario().byHost.values()].flat().map(sysmonXml)), ...oddHosts()];

function ids(alerts: Alert[]): string[] {
  return alerts.map((a) => `${a.rule} ${a.id}`);
}

/** A node with its links as GUIDs; children as a set (none is none). */
function plainNode(n: ProcNode): Record<string, unknown> {
  // `up` holds the parent node, or its key while unlinked: compared as the two GUIDs instead.
  const { firstChild: _first, nextSibling: _next, prevSibling: _prev, up: _link, ...fields } = n as unknown as Record<string, unknown>;
  const children = n.children;
  return { ...fields, parent: n.parent?.guid ?? null, parentGuid: n.parentGuid, children: children?.length ? children.map((c) => c.guid).sort() : null };
}

/**
 * A host as plain data for deep comparison: nodes with their links as GUIDs, the timer heap as
 * its timers in firing order (its layout and sequence numbers are bookkeeping a restore
 * renumbers), the evict queue without the entries already evicted.
 */
function comparable(h: HostState): Record<string, unknown> {
  const r = h.rebootCheck;
  return {
    ...h,
    nodes: [...h.nodes.values()].map(plainNode),
    timers: h.timers.list().map(({ due, rule, node }) => ({ due, rule, node: plainNode(node) })),
    evictQueue: h.evictQueue.slice(h.evictHead).map(plainNode),
    evictHead: 0,
    masters: h.masters.map(plainNode),
    rebootCheck: r === null ? null : { master: plainNode(r.master), oldMaster: r.oldMaster === null ? null : plainNode(r.oldMaster), since: r.since },
    pids: h.pids.entries().map(([pid, n]) => [pid, n.guid]),
    // The configuration comes from the pipeline by host name: the same one, compiled by each engine.
    sysmon: h.sysmon === null ? null : (h.sysmon as HostSysmonConfig).resolved.source,
  };
}

describe('host snapshots', () => {
  it('round-trip a host through JSON: the restored HostState equals the original in every field', () => {
    const all = events();
    const fresh = comparable(new HostState('k', 'n'));
    const exercised = new Set<string>();
    for (let cut = 1; cut <= all.length; cut += 7) {
      const engine = new Engine(config);
      engine.process(all.slice(0, cut), []);
      for (const h of engine.index.hosts.values()) {
        const restored = restoreHost(new Engine(config).index, JSON.parse(JSON.stringify(snapshotHost(h))) as HostSnapshot);
        expect(comparable(restored), `${h.key} at event ${cut}`).toEqual(comparable(h));
        const fields = { ...h } as Record<string, unknown>;
        for (const k of Object.keys(fields)) if (!isDeepStrictEqual(fields[k], fresh[k])) exercised.add(k);
      }
    }
    // Each field held something besides its initial value somewhere above, so a field the
    // snapshot forgot could not pass for restored by being at its default on both sides.
    expect(Object.keys(fresh).filter((k) => !exercised.has(k))).toEqual([]);
  });

  it('stopping anywhere, snapshotting through JSON and restoring gives the alerts of an uninterrupted run', () => {
    const all = events();
    const reference = new Engine(config);
    const expected: Alert[] = [];
    reference.process(all, expected);
    reference.finish(expected);

    for (let cut = 1; cut < all.length; cut += 13) {
      const first = new Engine(config);
      const got: Alert[] = [];
      first.process(all.slice(0, cut), got);
      const saved = [...first.index.hosts.values()].map((h) => JSON.stringify(snapshotHost(h)));

      const second = new Engine(config);
      for (const s of saved) restoreHost(second.index, JSON.parse(s) as HostSnapshot);
      second.process(all.slice(cut), got);
      second.finish(got);
      expect(ids(got), `cut at event ${cut}`).toEqual(ids(expected));
      // The restored trees are the same trees.
      for (const h of reference.index.hosts.values()) {
        expect(JSON.stringify(snapshotHost(second.index.hosts.get(h.key)!)), `${h.key} at cut ${cut}`).toBe(JSON.stringify(snapshotHost(h)));
      }
    }
  });

  it('keeps pending timers, so a deadline set before the snapshot fires after it', () => {
    const { byHost } = anomalyScenario({ pendingChildDeadline: true });
    const engine = new Engine(config);
    const got: Alert[] = [];
    engine.process(decodeAll(byHost.get('child-01.corp.example')!.map(sysmonXml)), got);
    expect(got).toEqual([]);
    const snap = snapshotHost(engine.index.hosts.get('child-01.corp.example')!);
    expect(snap.timers.map((t) => t.rule)).toContain('smss.child-no-exit');

    const restored = new Engine(config);
    const h = restoreHost(restored.index, JSON.parse(JSON.stringify(snap)) as HostSnapshot);
    restored.advanceHost(h, h.maxTime + 60_000, got);
    expect(got.map((a) => a.rule)).toEqual(['smss.child-no-exit']);
  });

  it('refuses snapshots of another version, saying what to do', () => {
    const engine = new Engine(config);
    engine.process(events().slice(0, 5), []);
    const snap = { ...snapshotHost([...engine.index.hosts.values()][0]), v: HOST_SNAPSHOT_VERSION + 1 };
    expect(() => restoreHost(new Engine(config).index, snap)).toThrow(SnapshotError);
    expect(() => restoreHost(new Engine(config).index, snap)).toThrow(/empty state topic/);
  });
});
