import { describe, expect, it } from 'vitest';
import type { Alert } from '../alerts/alert.js';
import { parsePipeline } from '../pipeline/config.js';
import { Engine } from '../engine/engine.js';
import { decodeAll } from '../../test/helpers/engine-run.js';
import { anomalyScenario, sysmonXml } from '../../test/helpers/scenario.js';
import { HostState } from './host-state.js';
import { HOST_SNAPSHOT_VERSION, SnapshotError, restoreHost, snapshotHost, type HostSnapshot } from './snapshot.js';

const config = parsePipeline({});
const events = () => decodeAll([...anomalyScenario().byHost.values()].flat().map(sysmonXml));

function ids(alerts: Alert[]): string[] {
  return alerts.map((a) => `${a.rule} ${a.id}`);
}

describe('host snapshots', () => {
  it('cover every field of HostState (a new field must be added to the snapshot)', () => {
    expect(Object.keys(new HostState('k', 'n')).sort()).toEqual(
      [
        'key', 'name', 'nodes', 'timers', 'evictQueue', 'evictHead', 'maxTime', 'maxTimeEver', 'rewinds', 'watermark', 'exitsArmed', 'exitEpochs',
        'epoch', 'masters', 'rebootCheck', 'liveCount', 'lateEvents', 'unjudged',
      ].sort(),
    );
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
