// The tree printer on hand-made trees, --at parsing, and the forest taken from a real index
// (roots, order, exits, placeholders, a forged parent loop).

import { describe, expect, it } from 'vitest';
import { decodeAll } from '../../test/helpers/engine-run.js';
import { HostLog } from '../../test/helpers/sysmon-xml.js';
import { parsePipeline } from '../pipeline/config.js';
import { Engine } from '../engine/engine.js';
import { countNodes, hostForest, type TreeNode } from './model.js';
import { MAX_INDENT_DEPTH, forestJson, nodeLabel, renderForest, terminalSafe } from './render.js';
import { parseEventTime } from './time.js';

const T = Date.UTC(2024, 2, 4, 7, 0, 0);

function node(pid: number, image: string, children: TreeNode[] = [], over: Partial<TreeNode> = {}): TreeNode {
  return { guid: `{${pid}}`, pid, image, commandLine: `${image} --x`, user: 'NT AUTHORITY\\SYSTEM', sessionId: 0, start: T + pid, end: null, placeholder: false, goneAtReboot: false, inCycle: false, children, ...over };
}

describe('renderForest', () => {
  it('draws branches like tree/pstree, marking exits, reboots and placeholders', () => {
    const forest = [
      node(4, 'System', [
        node(300, 'C:\\Windows\\System32\\smss.exe', [
          node(388, 'C:\\Windows\\System32\\smss.exe', [node(396, 'C:\\Windows\\System32\\csrss.exe'), node(468, 'C:\\Windows\\System32\\wininit.exe', [node(632, 'C:\\Windows\\System32\\services.exe')])], { end: T + 738 }),
          node(460, 'C:\\Windows\\System32\\smss.exe', [node(568, 'C:\\Windows\\System32\\winlogon.exe', [], { sessionId: 1 })], { sessionId: 1, end: T + 900, goneAtReboot: true }),
        ]),
      ], { placeholder: true, start: null, sessionId: null, user: '' }),
      node(9999, '', [], { start: null, sessionId: null, user: '', placeholder: true }),
    ];
    expect(renderForest(forest).split('\n')).toEqual([
      'System (4) [not logged: known only as a parent]',
      '└── smss.exe (300) s0 NT AUTHORITY\\SYSTEM 2024-03-04T07:00:00.300Z',
      '    ├── smss.exe (388) s0 NT AUTHORITY\\SYSTEM 2024-03-04T07:00:00.388Z [exited 2024-03-04T07:00:00.738Z]',
      '    │   ├── csrss.exe (396) s0 NT AUTHORITY\\SYSTEM 2024-03-04T07:00:00.396Z',
      '    │   └── wininit.exe (468) s0 NT AUTHORITY\\SYSTEM 2024-03-04T07:00:00.468Z',
      '    │       └── services.exe (632) s0 NT AUTHORITY\\SYSTEM 2024-03-04T07:00:00.632Z',
      '    └── smss.exe (460) s1 NT AUTHORITY\\SYSTEM 2024-03-04T07:00:00.460Z [gone at reboot 2024-03-04T07:00:00.900Z]',
      '        └── winlogon.exe (568) s1 NT AUTHORITY\\SYSTEM 2024-03-04T07:00:00.568Z',
      '? (9999) [not logged: known only as a parent]',
      '',
    ]);
    expect(renderForest([])).toBe('');
    expect(countNodes(forest)).toEqual({ total: 9, exited: 2 });
  });

  it('shows command lines with --args, and never lets control characters reach the terminal', () => {
    const evil = node(666, 'C:\\Temp\\x\u001b]0;pwned\u0007.exe', [], { commandLine: 'x.exe \u001b[2J\r\nfake line\u202e', user: 'CORP\\\u009bmallory' });
    const line = nodeLabel(evil, { args: true });
    expect(line).toBe('x\\x1b]0;pwned\\x07.exe (666) s0 CORP\\\\x9bmallory 2024-03-04T07:00:00.666Z : x.exe \\x1b[2J\\r\\nfake line\\u202e');
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(terminalSafe('plain C:\\path')).toBe('plain C:\\path');
  });

  it('draws a very deep chain without recursion, its indentation capped so output stays linear', () => {
    let n = node(1, 'a.exe');
    for (let i = 2; i <= 50_000; i++) n = node(i, 'a.exe', [n]);
    const lines = renderForest([n]).split('\n');
    expect(lines).toHaveLength(50_001);
    expect(lines[MAX_INDENT_DEPTH]).toMatch(/^( {4})+└── a\.exe/);
    expect(lines[MAX_INDENT_DEPTH + 1]).toMatch(/^\[depth 65\] └── a\.exe \(49935\)/);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(400);
  });

  it('writes JSON with ISO times and flags', () => {
    const [j] = forestJson([node(300, 'smss.exe', [node(388, 'smss.exe', [], { end: T + 738 })])]);
    expect(j.start).toBe('2024-03-04T07:00:00.300Z');
    expect(j.children[0]).toMatchObject({ pid: 388, exited: true, end: '2024-03-04T07:00:00.738Z', children: [] });
  });
});

describe('parseEventTime', () => {
  it('reads ISO and Sysmon UtcTime forms as UTC unless a zone is given', () => {
    expect(parseEventTime('2024-03-04T07:02:03Z')).toBe(Date.UTC(2024, 2, 4, 7, 2, 3));
    expect(parseEventTime('2024-03-04 07:02:03.462')).toBe(Date.UTC(2024, 2, 4, 7, 2, 3, 462));
    expect(parseEventTime('2024-03-04T07:02:03.4629999')).toBe(Date.UTC(2024, 2, 4, 7, 2, 3, 462));
    expect(parseEventTime('2024-03-04')).toBe(Date.UTC(2024, 2, 4));
    expect(parseEventTime('2024-03-04T09:02+02:00')).toBe(Date.UTC(2024, 2, 4, 7, 2));
    expect(parseEventTime('2024-03-04T02:02:00-0500')).toBe(Date.UTC(2024, 2, 4, 7, 2));
  });

  it('refuses what is not a time, naming the accepted forms', () => {
    for (const bad of ['yesterday', '2024-02-31', '2024-03-04T25:00', '1709535723000', '']) expect(() => parseEventTime(bad), bad).toThrow(/expected an event time like/);
  });
});

describe('hostForest', () => {
  it('takes the roots, start order, exits and a --root subtree from the index', () => {
    const log = new HostLog('WS01', 1);
    const boot = log.boot(T);
    const engine = new Engine(parsePipeline({}));
    engine.process(decodeAll(log.events), []);
    const host = engine.index.hosts.get('ws01')!;
    const forest = hostForest(host)!;
    expect(forest.map((r) => r.pid)).toEqual([4]);
    const master = forest[0].children[0];
    // Exited within index.retention_secs: still in the tree, marked.
    expect(master.children.map((c) => `${c.pid}:${c.end !== null}`)).toEqual(['328:true', '388:true', '460:true']);
    const sub = hostForest(host, boot.wininit.guid.toUpperCase().replace(/[{}]/g, ''))!;
    expect(sub.map((r) => r.pid)).toEqual([468]);
    expect(sub[0].children.map((c) => c.pid)).toEqual([632, 640]);
    expect(hostForest(host, '{nope}')).toBeNull();
  });

  it('shows the members of a forged parent loop as a root instead of losing them', () => {
    const log = new HostLog('LOOP', 2);
    const a = log.proc(10, 'C:\\a.exe', 'a', null);
    const b = log.proc(11, 'C:\\b.exe', 'b', a);
    a.parent = b;
    log.create(T, a);
    log.create(T + 1, b);
    const engine = new Engine(parsePipeline({}));
    engine.process(decodeAll(log.events), []);
    const forest = hostForest(engine.index.hosts.get('loop')!)!;
    expect(countNodes(forest).total).toBe(2);
    expect(forest.some((r) => r.inCycle)).toBe(true);
    expect(renderForest(forest)).toContain('[on a parent loop]');
  });
});
