// A sticky partition assigner for kafkajs (its `partitionAssigners` consumer option). kafkajs'
// only built-in assigner deals partitions round-robin over the members sorted by member id, so a
// member joining or leaving moves most partitions (8-10 of 12 with 3-4 members, docs/scaling.md),
// and every moved partition is fenced, restored from the state topic and re-read from its
// committed offset. Here each member tells, with its join, the partitions it owns, and the group
// leader keeps every member's partitions up to its fair share: only the share that must move
// moves (a fourth member joining 12 partitions takes 3; a member leaving hands its own on).
//
// Any assignment is correct for the processor (a partition's new owner fences the old one and
// restores its state); stickiness only saves those moves. A member whose claim conflicts with
// another's (it missed a rebalance) loses the partition to the first claimer in member-id order.
// Members still on the round-robin assigner (a rolling upgrade) make the group use that one:
// the consumer offers both, this one first.

import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

/** The protocol name members agree on; not the Java client's `sticky`, whose member data differs. */
export const STICKY_ASSIGNER = 'sysmon-proctree-sticky';

/** Partitions per topic, as kafkajs' assignments are. */
export type TopicPartitions = Record<string, number[]>;

export interface StickyMember {
  memberId: string;
  /** Topics the member subscribes to. */
  topics: string[];
  /** What the member owned when it joined (its last assignment); empty for a new member. */
  owned: TopicPartitions;
}

/**
 * Every partition of `partitions` to exactly one member subscribed to its topic, per topic as even
 * as can be (member counts differ by at most one), and otherwise as the members owned them.
 */
export function stickyAssignment(members: StickyMember[], partitions: TopicPartitions): Map<string, TopicPartitions> {
  const out = new Map<string, TopicPartitions>(members.map((m) => [m.memberId, {}]));
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  for (const [topic, all] of Object.entries(partitions)) {
    const subscribed = sorted.filter((m) => m.topics.includes(topic));
    if (subscribed.length === 0) continue;
    const exists = new Set(all);
    // Each member's claims on this topic, first claimer (in member-id order) wins a conflict.
    const claimed = new Set<number>();
    const claims = new Map<string, number[]>();
    for (const m of subscribed) {
      const mine = [...new Set(m.owned[topic] ?? [])].filter((p) => exists.has(p) && !claimed.has(p)).sort((a, b) => a - b);
      for (const p of mine) claimed.add(p);
      claims.set(m.memberId, mine);
    }
    // Fair shares: floor(n/m) each, one more for n mod m of them; those extra shares go to the
    // members that owned the most, so that as few partitions as possible move.
    const base = Math.floor(all.length / subscribed.length);
    let extra = all.length % subscribed.length;
    const byClaims = [...subscribed].sort((a, b) => claims.get(b.memberId)!.length - claims.get(a.memberId)!.length);
    const quota = new Map<string, number>();
    for (const m of byClaims) {
      const wantsExtra = extra > 0 && claims.get(m.memberId)!.length > base;
      quota.set(m.memberId, base + (wantsExtra ? 1 : 0));
      if (wantsExtra) extra--;
    }
    // Extra shares nobody's claims fill go to the first members in id order.
    for (const m of subscribed) {
      if (extra === 0) break;
      if (quota.get(m.memberId) === base) {
        quota.set(m.memberId, base + 1);
        extra--;
      }
    }
    const kept = new Map<string, number[]>();
    const free: number[] = [];
    for (const m of subscribed) {
      const mine = claims.get(m.memberId)!;
      const q = quota.get(m.memberId)!;
      kept.set(m.memberId, mine.slice(0, q));
      free.push(...mine.slice(q));
    }
    for (const p of [...all].sort((a, b) => a - b)) if (!claimed.has(p)) free.push(p);
    free.sort((a, b) => a - b);
    for (const m of subscribed) {
      const mine = kept.get(m.memberId)!;
      while (mine.length < quota.get(m.memberId)!) mine.push(free.shift()!);
      if (mine.length > 0) out.get(m.memberId)![topic] = mine.sort((a, b) => a - b);
    }
  }
  return out;
}

/** What a member sends with its join: its subscription, and what it owns as JSON user data. */
function encodeOwned(owned: TopicPartitions): Buffer {
  return Buffer.from(JSON.stringify(owned));
}

function decodeOwned(userData: Buffer | null | undefined): TopicPartitions {
  if (userData == null || userData.length === 0) return {};
  try {
    const parsed = JSON.parse(userData.toString('utf8')) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const owned: TopicPartitions = {};
    for (const [topic, ps] of Object.entries(parsed as Record<string, unknown>)) {
      if (Array.isArray(ps)) owned[topic] = ps.filter((p): p is number => Number.isInteger(p));
    }
    return owned;
  } catch {
    return {}; // a member that sent something else owns nothing we can keep
  }
}

/**
 * The assigner for one consumer: `owned()` says what that consumer owns now (its last
 * assignment), sent with each join; as the group's leader it assigns with stickyAssignment().
 */
export function stickyAssigner(owned: () => TopicPartitions): PartitionAssigner {
  return ({ cluster }) => ({
    name: STICKY_ASSIGNER,
    version: 0,
    async assign({ members, topics }) {
      const partitions: TopicPartitions = {};
      for (const topic of topics) partitions[topic] = cluster.findTopicPartitionMetadata(topic).map((m) => m.partitionId);
      const group = members.map(({ memberId, memberMetadata }): StickyMember => {
        const meta = AssignerProtocol.MemberMetadata.decode(memberMetadata);
        return { memberId, topics: meta?.topics ?? [], owned: decodeOwned(meta?.userData) };
      });
      return [...stickyAssignment(group, partitions)].map(([memberId, assignment]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      return { name: STICKY_ASSIGNER, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: encodeOwned(owned()) }) };
    },
  });
}
