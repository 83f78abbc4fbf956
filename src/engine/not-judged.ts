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
}

const HOSTS_LISTED = 10;
const SMSS_EXE = 'C:\\Windows\\System32\\smss.exe';
const NO_EXIT_LOGGED = 'no exit of a System32 image was logged in their boot, so a child that never exits cannot be told from one whose exit was not logged';

/** The endings of a configured 'child smss not judged' entry's why, after the configuration's label. */
const NO_EXITS = ' does not log their exits (EventID 5)';
const DROPS_EXITS = ' drops EventID 5 for ';

/** The label of the configuration a configured 'child smss not judged' entry names, or null. */
function childConfigLabel(n: NotJudged): string | null {
  if (n.what !== 'child smss not judged' || n.why === NO_EXIT_LOGGED) return null;
  if (n.why.endsWith(NO_EXITS)) return n.why.slice(0, -NO_EXITS.length);
  const at = n.why.indexOf(DROPS_EXITS);
  return at === -1 ? null : n.why.slice(0, at);
}

/**
 * One engine lists smss.child-no-exit's coverage line for a configuration's hosts only where
 * none of them left a child smss unjudged (configured: the child line says more). A worker sees
 * only its hosts: drop the coverage lines of a configuration that another worker's child line names.
 */
function withoutCoveredChildren(entries: NotJudged[]): NotJudged[] {
  const labels = new Set<string>();
  for (const n of entries) {
    const label = n.rule === 'smss.child-no-exit' ? childConfigLabel(n) : null;
    if (label !== null) labels.add(label);
  }
  if (labels.size === 0) return entries;
  return entries.filter((n) => {
    if (n.rule !== 'smss.child-no-exit' || slotOf(n) !== 3) return true;
    for (const label of labels) if (n.why.startsWith(`${label} drops `)) return false;
    return true;
  });
}

/**
 * Where an entry stands among its rule's entries as notJudged lists them: the hosts judged by
 * what they showed (a child smss, then nothing to judge), those judged by their configuration,
 * then the baselines' checks. It orders entries no shard lists together.
 */
function slotOf(n: NotJudged): number {
  switch (n.what) {
    case 'child smss not judged':
      return n.why === NO_EXIT_LOGGED ? 0 : 2;
    case 'host(s) had nothing to judge':
      return 1;
    case 'check(s) not judged':
      return 4;
    default:
      return 3;
  }
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
  const before = (a: NotJudged, b: NotJudged): boolean => rankOf(a) < rankOf(b) || (rankOf(a) === rankOf(b) && slotOf(a) < slotOf(b));
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
  return withoutCoveredChildren(ordered.sort((a, b) => rankOf(a) - rankOf(b)));
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
    for (const [config, list] of byConfig) out.push(...configured(rule, config, list));
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

/** What a host's configuration keeps `rule` from judging, by the configuration's coverage. */
function configured(rule: Rule, config: HostSysmonConfig, hosts: readonly HostState[]): NotJudged[] {
  if (!isCoverageRule(rule.id)) return [];
  const out: NotJudged[] = [];
  if (rule.id === 'smss.child-no-exit') {
    const pending = hosts.filter((h) => h.unjudged > 0);
    const count = pending.reduce((n, h) => n + h.unjudged, 0);
    if (count > 0) {
      const d = config.exitDecision({ guid: '', pid: -1, image: SMSS_EXE, user: '' });
      const why = d.logged ? `${config.label}${NO_EXITS}` : `${config.label}${DROPS_EXITS}${SMSS_EXE} (${config.where(d.line)})`;
      out.push({ rule: rule.id, count, what: 'child smss not judged', why, hosts: names(pending), hostCount: pending.length });
      return out;
    }
  }
  const cov = config.coverage.rules.find((r) => r.rule === rule.id);
  if (cov === undefined || cov.status === 'logs') return out;
  const dropped = cov.needs.filter((n) => !n.logged);
  const lines = [...new Set(dropped.map((n) => n.line).filter((l): l is number => l !== undefined))].sort((a, b) => a - b);
  const where = lines.length === 0 ? config.where(undefined) : `${config.where(undefined)} line${lines.length > 1 ? 's' : ''} ${lines.join(', ')}`;
  out.push({
    rule: rule.id,
    count: hosts.length,
    what: cov.status === 'drops' ? 'host(s) not judged' : 'host(s) judged in part',
    why: `${config.label} drops ${listed(dropped.map((n) => n.need.label))} (${where})`,
    hosts: names(hosts),
    hostCount: hosts.length,
  });
  return out;
}
