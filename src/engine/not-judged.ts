// What the rules could not judge, and why, per rule: the part of the run summary (and of
// --stats and the HTML report) that makes a rule's silence trustworthy. A host whose Sysmon
// configuration the pipeline names (sysmon.configs, replay --sysmon-config) is judged by that
// configuration's coverage; any other host by what it has shown it logs.

import type { HostState } from '../index/host-state.js';
import type { HostSysmonConfig } from '../sysmon-config/fleet.js';
import { COVERAGE_RULE_IDS, type CoverageRuleId } from '../sysmon-config/needs.js';
import type { Rule } from '../rules/rule.js';

export interface NotJudged {
  rule: string;
  count: number;
  /** What was counted and what became of it: "child smss not judged", "host(s) judged in part". */
  what: string;
  why: string;
  /** Up to HOSTS_LISTED of the hosts concerned, sorted. */
  hosts: string[];
  /** How many hosts are concerned (0: not counted per host). */
  hostCount: number;
  /** With a count of hosts: out of how many hosts the rule looked at. */
  outOf?: number;
  /** For hosts judged by a named Sysmon configuration: its label. */
  config?: string;
}

const HOSTS_LISTED = 10;
const SMSS_EXE = 'C:\\Windows\\System32\\smss.exe';
const NO_EXIT_LOGGED = 'no exit of a System32 image was logged in their boot, so a child that never exits cannot be told from one whose exit was not logged';
const NO_EXITS = ' does not log their exits (EventID 5)';
const DROPS_EXITS = ' drops EventID 5 for ';

/**
 * Where an entry stands among its rule's entries as notJudged lists them: the hosts judged by
 * what they showed (a child smss, then nothing to judge), those judged by their configuration
 * (configurations by label, each its child line then its coverage line), then the baselines'
 * checks. It orders entries no shard lists together.
 */
function slotOf(n: NotJudged): number {
  switch (n.what) {
    case 'child smss not judged':
      return n.config === undefined ? 0 : 2;
    case 'host(s) had nothing to judge':
      return 1;
    case 'check(s) not judged':
      return 4;
    default:
      return 3;
  }
}

/** Whether a comes before b within one rule's entries (see slotOf). */
function slotBefore(a: NotJudged, b: NotJudged): boolean {
  const sa = slotOf(a);
  const sb = slotOf(b);
  if (a.config !== undefined && b.config !== undefined && a.config !== b.config) return a.config < b.config;
  return sa < sb;
}

function names(hosts: readonly HostState[]): string[] {
  return hosts.map((h) => h.name).sort().slice(0, HOSTS_LISTED);
}

function listed(items: readonly string[], max = 3): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

function isCoverageRule(id: string): id is CoverageRuleId {
  return (COVERAGE_RULE_IDS as readonly string[]).includes(id);
}

/** "12 child smss not judged on 3 host(s): ..." (a line of the summary without its rule). */
export function describeNotJudged(n: NotJudged): string {
  const of = n.outOf === undefined ? '' : ` of ${n.outOf}`;
  const on = n.hostCount > 0 && n.hostCount !== n.count ? ` on ${n.hostCount} host(s)` : '';
  return `${n.count}${of} ${n.what}${on}: ${n.why}`;
}

/** One line of the summary: "smss.child-no-exit: 12 child smss not judged on 3 host(s): ...". */
export function formatNotJudged(n: NotJudged): string {
  return `${n.rule}: ${describeNotJudged(n)}`;
}

/**
 * The lists of several engines that judged disjoint hosts (a replay sharded over threads) as the
 * one list a single engine would give: same entries in the same order, counts and hosts added up.
 * Each engine lists its entries in the order one engine would (a rule's entries in a fixed
 * sequence), leaving out those it has nothing for, so the merged order keeps every part's order
 * and places the entries no part lists together by rule, then by their slot in that sequence
 * (slotOf), then as first met; the rules are then put back in the engine's order.
 */
export function mergeNotJudged(parts: readonly (readonly NotJudged[])[], ruleOrder: readonly string[]): NotJudged[] {
  const byKey = new Map<string, NotJudged>();
  /** For each entry, the entries some part lists right before it. */
  const after = new Map<string, Set<string>>();
  for (const part of parts) {
    let prev: string | null = null;
    for (const n of part) {
      const key = `${n.rule}\0${n.what}\0${n.why}`;
      let preds = after.get(key);
      if (preds === undefined) after.set(key, (preds = new Set()));
      if (prev !== null) preds.add(prev);
      prev = key;
      const m = byKey.get(key);
      if (m === undefined) {
        byKey.set(key, { ...n, hosts: [...n.hosts] });
        continue;
      }
      m.count += n.count;
      m.hostCount += n.hostCount;
      if (n.outOf !== undefined) m.outOf = (m.outOf ?? 0) + n.outOf;
      m.hosts = [...m.hosts, ...n.hosts].sort().slice(0, HOSTS_LISTED);
    }
  }
  const rank = new Map(ruleOrder.map((r, i) => [r, i]));
  const rankOf = (n: NotJudged): number => rank.get(n.rule) ?? ruleOrder.length;
  const before = (a: NotJudged, b: NotJudged): boolean => rankOf(a) < rankOf(b) || (rankOf(a) === rankOf(b) && slotBefore(a, b));
  // Kahn's order over "listed right before" (a handful of entries: quadratic is fine).
  const left = [...byKey.keys()];
  const placed = new Set<string>();
  const ordered: NotJudged[] = [];
  while (left.length > 0) {
    let pick = -1;
    for (let i = 0; i < left.length; i++) {
      const ready = [...after.get(left[i])!].every((p) => placed.has(p));
      if (ready && (pick === -1 || before(byKey.get(left[i])!, byKey.get(left[pick])!))) pick = i;
    }
    if (pick === -1) pick = 0; // parts that disagree (cannot happen with one rule set): first met first
    const [key] = left.splice(pick, 1);
    placed.add(key);
    ordered.push(byKey.get(key)!);
  }
  // A rule one part lacks may have landed after the others': put the rules back in the engine's order (stable within a rule).
  return ordered.sort((a, b) => rankOf(a) - rankOf(b));
}

export function notJudged(rules: readonly Rule[], hosts: Iterable<HostState>): NotJudged[] {
  const learned: HostState[] = [];
  const all: HostState[] = [];
  const byConfig = new Map<HostSysmonConfig, HostState[]>();
  for (const h of hosts) {
    all.push(h);
    if (h.sysmon === null) learned.push(h);
    else {
      // The engine gives hosts HostSysmonConfig instances (FleetSysmonConfigs); the index knows them by the question it asks.
      const config = h.sysmon as HostSysmonConfig;
      const list = byConfig.get(config);
      if (list === undefined) byConfig.set(config, [h]);
      else list.push(h);
    }
  }
  // By label, not by which configuration's host came first: the order is then the same for any split of the hosts.
  const configs = [...byConfig].sort(([a], [b]) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  const out: NotJudged[] = [];
  for (const rule of rules) {
    if (rule.id === 'smss.child-no-exit') {
      const pending = learned.filter((h) => h.unjudged > 0);
      const count = pending.reduce((n, h) => n + h.unjudged, 0);
      if (count > 0) {
        out.push({
          rule: rule.id,
          count,
          what: 'child smss not judged',
          why: NO_EXIT_LOGGED,
          hosts: names(pending),
          hostCount: pending.length,
        });
      }
    }
    if (rule.judges !== undefined && learned.length > 0) {
      const bits = rule.judges.seen;
      const blind = learned.filter((h) => (h.seen & bits) !== bits);
      if (blind.length > 0) {
        out.push({ rule: rule.id, count: blind.length, outOf: learned.length, what: 'host(s) had nothing to judge', why: rule.judges.missing, hosts: names(blind), hostCount: blind.length });
      }
    }
    for (const [config, list] of configs) out.push(...configured(rule, config, list));
    if (rule.notJudgedCounts !== undefined) out.push(...checksNotJudged(rule, rule.notJudgedCounts(all)));
  }
  return out;
}

/** The baselines' per-check counts as summary lines, in the order the rule names its checks (not the order events met them). */
function checksNotJudged(rule: Rule, counts: Record<string, number>): NotJudged[] {
  const out: NotJudged[] = [];
  const order = rule.alertIds ?? [];
  const rank = new Map(order.map((id, i) => [id, i]));
  const entries = Object.entries(counts).sort(([a], [b]) => (rank.get(a) ?? order.length) - (rank.get(b) ?? order.length));
  for (const [id, count] of entries) {
    if (count <= 0) continue;
    out.push({ rule: id, count, what: 'check(s) not judged', why: rule.notJudgedWhy?.(id) ?? 'the data did not hold its evidence', hosts: [], hostCount: 0 });
  }
  return out;
}

/**
 * What a host's configuration keeps `rule` from judging, by the configuration's coverage. Each
 * host is in one line, decided by the host alone, so that engines judging disjoint hosts (a
 * sharded replay) give lines that add up: for smss.child-no-exit, hosts that left a child smss
 * unjudged are named with what the configuration does to its exit; the others get the
 * configuration's coverage line.
 */
function configured(rule: Rule, config: HostSysmonConfig, hosts: readonly HostState[]): NotJudged[] {
  if (!isCoverageRule(rule.id)) return [];
  const out: NotJudged[] = [];
  let rest = hosts;
  if (rule.id === 'smss.child-no-exit') {
    const pending = hosts.filter((h) => h.unjudged > 0);
    if (pending.length > 0) {
      const count = pending.reduce((n, h) => n + h.unjudged, 0);
      const d = config.exitDecision({ guid: '', pid: -1, image: SMSS_EXE, user: '' });
      const why = d.logged ? `${config.label}${NO_EXITS}` : `${config.label}${DROPS_EXITS}${SMSS_EXE} (${config.where(d.line)})`;
      out.push({ rule: rule.id, count, what: 'child smss not judged', why, hosts: names(pending), hostCount: pending.length, config: config.label });
      rest = hosts.filter((h) => h.unjudged === 0);
      if (rest.length === 0) return out;
    }
  }
  const cov = config.coverage.rules.find((r) => r.rule === rule.id);
  if (cov === undefined || cov.status === 'logs') return out;
  const dropped = cov.needs.filter((n) => !n.logged);
  const lines = [...new Set(dropped.map((n) => n.line).filter((l): l is number => l !== undefined))].sort((a, b) => a - b);
  const where = lines.length === 0 ? config.where(undefined) : `${config.where(undefined)} line${lines.length > 1 ? 's' : ''} ${lines.join(', ')}`;
  out.push({
    rule: rule.id,
    count: rest.length,
    what: cov.status === 'drops' ? 'host(s) not judged' : 'host(s) judged in part',
    why: `${config.label} drops ${listed(dropped.map((n) => n.need.label))} (${where})`,
    hosts: names(rest),
    hostCount: rest.length,
    config: config.label,
  });
  return out;
}
