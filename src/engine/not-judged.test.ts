// A replay sharded over threads merges each engine's "not judged" list: the merged list must be
// the one a single engine gives, whichever shard happened to lack an entry.

import { describe, expect, it } from 'vitest';
import { mergeNotJudged, type NotJudged } from './not-judged.js';

const entry = (rule: string, what: string, count: number, hosts: string[]): NotJudged => ({ rule, count, what, why: `why ${what}`, hosts, hostCount: hosts.length });

const RULES = ['smss.child-no-exit', 'smss.instances'];

describe('mergeNotJudged', () => {
  it("keeps a rule's entries in the order one engine lists them, when the first shard lacks the first entry", () => {
    const child = (h: string): NotJudged => entry('smss.child-no-exit', 'child smss not judged', 2, [h]);
    const nothing = (h: string): NotJudged => entry('smss.child-no-exit', 'host(s) had nothing to judge', 1, [h]);
    const merged = mergeNotJudged([[nothing('b')], [child('a'), nothing('c')]], RULES);
    expect(merged.map((n) => n.what)).toEqual(['child smss not judged', 'host(s) had nothing to judge']);
    expect(merged[1]).toMatchObject({ count: 2, hosts: ['b', 'c'], hostCount: 2 });
  });

  it('orders the entries no shard lists together as one engine does', () => {
    const why = 'no exit of a System32 image was logged in their boot, so a child that never exits cannot be told from one whose exit was not logged';
    const child = { ...entry('smss.child-no-exit', 'child smss not judged', 2, ['a']), why };
    const nothing = entry('smss.child-no-exit', 'host(s) had nothing to judge', 1, ['b']);
    expect(mergeNotJudged([[nothing], [child]], RULES).map((n) => n.what)).toEqual(['child smss not judged', 'host(s) had nothing to judge']);
  });

  it("keeps a configuration's child line and its coverage line (each host is in one of them), configurations by label, whichever shard lists them", () => {
    const child = (config: string, h: string): NotJudged => ({ ...entry('smss.child-no-exit', 'child smss not judged', 2, [h]), why: `${config} does not log their exits (EventID 5)`, config });
    const coverage = (config: string, h: string): NotJudged => ({ ...entry('smss.child-no-exit', 'host(s) not judged', 1, [h]), why: `${config} drops child smss exit (${config} line 9)`, config });
    // Each shard lists a subsequence of what one engine lists.
    const one = [child('a.xml', 'h1'), coverage('a.xml', 'h2'), child('b.xml', 'h3'), coverage('b.xml', 'h4')];
    for (const parts of [[[one[1], one[3]], [one[0], one[2]]], [[one[3]], [one[1], one[2]], [one[0]]], [[one[2], one[3]], [one[0], one[1]]]]) {
      expect(mergeNotJudged(parts, RULES)).toEqual(one);
    }
  });

  it('puts rules back in the engine order and adds counts up', () => {
    const a = entry('smss.instances', 'host(s) had nothing to judge', 1, ['x']);
    const b = entry('smss.child-no-exit', 'child smss not judged', 3, ['y']);
    const merged = mergeNotJudged([[a], [b, { ...a, hosts: ['w'] }]], RULES);
    expect(merged.map((n) => n.rule)).toEqual(['smss.child-no-exit', 'smss.instances']);
    expect(merged[1]).toMatchObject({ count: 2, hosts: ['w', 'x'] });
  });
});
