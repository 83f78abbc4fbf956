import fc from 'fast-check';
import { AssignerProtocol } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { STICKY_ASSIGNER, stickyAssigner, stickyAssignment, type StickyMember, type TopicPartitions } from './sticky-assigner.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Members of one topic `in` with what they own. */
const on = (owned: Record<string, number[]>): StickyMember[] =>
  Object.entries(owned).map(([memberId, ps]) => ({ memberId, topics: ['in'], owned: { in: ps } }));

const of = (a: Map<string, TopicPartitions>) => Object.fromEntries([...a].map(([m, t]) => [m, t.in ?? []]));

/** Partitions that changed owner from `before` to `after`. */
function moved(before: Record<string, number[]>, after: Record<string, number[]>): number {
  let n = 0;
  for (const [m, ps] of Object.entries(after)) for (const p of ps) if (!(before[m] ?? []).includes(p)) n++;
  return n;
}

describe('sticky assignment', () => {
  it('deals a new group even shares', () => {
    expect(of(stickyAssignment(on({ a: [], b: [], c: [] }), { in: range(12) }))).toEqual({ a: [0, 1, 2, 3], b: [4, 5, 6, 7], c: [8, 9, 10, 11] });
  });

  it('moves only the joiner\'s share when a member joins, and only the leaver\'s when one leaves', () => {
    const three = { a: [0, 3, 6, 9], b: [1, 4, 7, 10], c: [2, 5, 8, 11] };
    const four = of(stickyAssignment(on({ ...three, d: [] }), { in: range(12) }));
    expect(Object.values(four).map((ps) => ps.length)).toEqual([3, 3, 3, 3]);
    expect(moved(three, four)).toBe(3);
    for (const m of ['a', 'b', 'c'] as const) expect(three[m]).toEqual(expect.arrayContaining(four[m]));

    const { b: _gone, ...left } = four;
    const after = of(stickyAssignment(on(left), { in: range(12) }));
    expect(Object.values(after).map((ps) => ps.length)).toEqual([4, 4, 4]);
    expect(moved(left, after)).toBe(3);
    expect(after.a).toEqual(expect.arrayContaining(four.a));
  });

  it('gives the extra shares of an uneven split to the members that owned the most', () => {
    // 6 partitions over 4 members: two get 2, two get 1; a and c owned 3 each.
    const after = of(stickyAssignment(on({ a: [0, 1, 2], b: [], c: [3, 4, 5], d: [] }), { in: range(6) }));
    expect(after).toEqual({ a: [0, 1], b: [2], c: [3, 4], d: [5] });
  });

  it('lets the first claimer keep a partition two members claim, and ignores what no longer exists', () => {
    const after = of(stickyAssignment(on({ a: [0, 1, 7], b: [1, 2] }), { in: range(4) }));
    expect(after).toEqual({ a: [0, 1], b: [2, 3] });
  });

  it('gives a topic\'s partitions only to its subscribers', () => {
    const members: StickyMember[] = [
      { memberId: 'a', topics: ['in', 'other'], owned: { other: [0] } },
      { memberId: 'b', topics: ['in'], owned: {} },
    ];
    const got = stickyAssignment(members, { in: range(2), other: range(2) });
    expect(got.get('a')).toEqual({ in: [0], other: [0, 1] });
    expect(got.get('b')).toEqual({ in: [1] });
  });

  it('always gives every partition to exactly one member, evenly, keeping claims up to the fair share', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 12 }), { minLength: 1, maxLength: 7 }),
        (n, claims) => {
          const members = claims.map((ps, i): StickyMember => ({ memberId: `m${i}`, topics: ['in'], owned: { in: ps } }));
          const got = of(stickyAssignment(members, { in: range(n) }));
          const all = Object.values(got).flat().sort((x, y) => x - y);
          expect(all).toEqual(range(n));
          const sizes = Object.values(got).map((ps) => ps.length);
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
          // A member whose valid claims fit the smaller share keeps them all (first claimer wins a conflict).
          const base = Math.floor(n / members.length);
          const taken = new Set<number>();
          for (const m of members) {
            const valid = [...new Set(m.owned.in)].filter((p) => p < n && !taken.has(p));
            for (const p of valid) taken.add(p);
            if (valid.length <= base) expect(got[m.memberId]).toEqual(expect.arrayContaining(valid));
          }
        },
      ),
    );
  });
});

describe('the kafkajs assigner', () => {
  it('sends what the member owns with its join, and the leader keeps it with that member', async () => {
    const cluster = { findTopicPartitionMetadata: () => range(4).map((partitionId) => ({ partitionId })) };
    const make = (owned: TopicPartitions) => stickyAssigner(() => owned)({ cluster } as never);
    const a = make({ in: [2, 3] });
    const b = make({});
    expect(a.name).toBe(STICKY_ASSIGNER);
    const members = [
      { memberId: 'a', memberMetadata: a.protocol({ topics: ['in'] }).metadata },
      { memberId: 'b', memberMetadata: b.protocol({ topics: ['in'] }).metadata },
    ];
    const assigned = await a.assign({ members, topics: ['in'] });
    const byMember = Object.fromEntries(assigned.map((x) => [x.memberId, AssignerProtocol.MemberAssignment.decode(x.memberAssignment)!.assignment]));
    expect(byMember).toEqual({ a: { in: [2, 3] }, b: { in: [0, 1] } });
  });
});
