// The process index: placeholders, PID reuse, case-insensitive hosts, eviction of exited
// subtrees and the per-host cap.

import { describe, expect, it } from 'vitest';
import { decodeAll } from '../../test/helpers/engine-run.js';
import { HostLog } from '../../test/helpers/sysmon-xml.js';
import { parsePipeline } from '../pipeline/config.js';
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
});
