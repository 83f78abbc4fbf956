// `proctree tree` on the bundled samples, as a user runs it: the tree of a host, --at, --root,
// --json, short host names, and the errors for an unknown host or a bad time.

import { describe, expect, it } from 'vitest';
import type { JsonNode } from '../src/tree/render.js';
import { runCli } from './helpers/cli.js';

const FLEET = 'samples/normal-boot-fleet.xml';

function find(nodes: readonly JsonNode[], pid: number): JsonNode | undefined {
  for (const n of nodes) {
    if (n.pid === pid) return n;
    const hit = find(n.children, pid);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

describe('proctree tree', () => {
  it('prints a host of the normal fleet as a tree, exited processes marked', () => {
    const r = runCli(['tree', FLEET, '--host', 'WS01.corp.example']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^WS01\.corp\.example at 2024-03-04T08:02:03\.000Z \(end of input\): 14 process\(es\), 3 exited, from 21 event\(s\)$/);
    expect(lines[1]).toBe('System (4) NT AUTHORITY\\SYSTEM [not logged: known only as a parent]');
    expect(lines[2]).toBe('└── smss.exe (300) s0 NT AUTHORITY\\SYSTEM 2024-03-04T07:00:00.000Z');
    expect(lines).toContain('    ├── smss.exe (388) s0 NT AUTHORITY\\SYSTEM 2024-03-04T07:00:02.100Z [exited 2024-03-04T07:00:02.450Z]');
    expect(lines).toContain('    │       └── explorer.exe (4120) s1 CORP\\alice 2024-03-04T07:00:23.000Z');
    expect(lines.filter((l) => l.includes('[exited'))).toHaveLength(3);
  });

  it('finds a host by any case or by its short name, and lists known hosts for an unknown one', () => {
    const short = runCli(['tree', FLEET, '--host', 'ws01']);
    expect(short.status).toBe(0);
    expect(short.stdout.split('\n')[0]).toMatch(/^WS01\.corp\.example at /);
    expect(runCli(['tree', FLEET, '--host', 'dc01']).status).toBe(0);
    const unknown = runCli(['tree', FLEET, '--host', 'nope']);
    expect(unknown.status).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr.trim()).toMatch(/^proctree: no host "nope" in the input; hosts: .*WS01\.corp\.example/);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('cuts the tree at --at: a child smss started later is not there yet', () => {
    const before = runCli(['tree', 'samples/', '--host', 'PC-LINGER', '--at', '2024-03-04T07:02:00Z']);
    expect(before.status).toBe(0);
    expect(before.stdout).not.toContain('(9001)');
    expect(before.stdout.split('\n')[0]).toMatch(/^PC-LINGER at 2024-03-04T07:02:00\.000Z: /);
    const after = runCli(['tree', 'samples/', '--host', 'PC-LINGER', '--at', '2024-03-04 07:02:10', '--args']);
    expect(after.stdout).toContain('└── smss.exe (9001) s2 NT AUTHORITY\\SYSTEM 2024-03-04T07:02:03.000Z : \\SystemRoot\\System32\\smss.exe 00000124 000000cc');
    const early = runCli(['tree', 'samples/', '--host', 'PC-LINGER', '--at', '2020-01-01']);
    expect(early.status).toBe(1);
    expect(early.stderr).toContain('has no event at or before 2020-01-01T00:00:00.000Z');
  });

  it('refuses a bad --at with the forms it takes (usage error)', () => {
    const r = runCli(['tree', FLEET, '--host', 'WS01', '--at', 'yesterday']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('expected an event time like 2024-03-04T07:02:03Z');
    expect(runCli(['tree', FLEET]).status).toBe(2); // --host is required
  });

  it('writes JSON for scripts and prints one subtree with --root', () => {
    const r = runCli(['tree', 'samples/', '--host', 'PC-LINGER', '--json']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { host: string; at: string; processes: number; exited: number; roots: JsonNode[] };
    expect(out.host).toBe('PC-LINGER');
    expect(out.roots.map((n) => n.pid)).toEqual([4]);
    const lingering = find(out.roots, 9001)!;
    expect(lingering).toMatchObject({ image: 'C:\\Windows\\System32\\smss.exe', sessionId: 2, exited: false, end: null });
    expect(lingering.children.map((c) => c.pid)).toEqual([9010]);
    expect(find(out.roots, 388)).toMatchObject({ exited: true, end: '2024-03-04T07:00:02.450Z' });

    const sub = runCli(['tree', 'samples/', '--host', 'PC-LINGER', '--root', lingering.guid.replace(/[{}]/g, '').toUpperCase()]);
    expect(sub.status).toBe(0);
    expect(sub.stdout.trimEnd().split('\n').slice(1)).toEqual([
      'smss.exe (9001) s2 NT AUTHORITY\\SYSTEM 2024-03-04T07:02:03.000Z',
      '└── csrss.exe (9010) s2 NT AUTHORITY\\SYSTEM 2024-03-04T07:02:03.050Z',
    ]);
    const none = runCli(['tree', 'samples/', '--host', 'PC-LINGER', '--root', '{nope}']);
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('no process {nope} in the tree of PC-LINGER');
  });

  it('explains itself in --help', () => {
    const r = runCli(['tree', '--help']);
    expect(r.status).toBe(0);
    for (const s of ['--host', '--at', '--root', '--json', '--args', '[exited TIME]', 'Exit codes']) expect(r.stdout).toContain(s);
    expect(runCli(['--help']).stdout).toContain('tree');
  });
});
