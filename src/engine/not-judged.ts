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
}

const HOSTS_LISTED = 10;
const SMSS_EXE = 'C:\\Windows\\System32\\smss.exe';

function names(hosts: readonly HostState[]): string[] {
  return hosts.map((h) => h.name).sort().slice(0, HOSTS_LISTED);
}

function listed(items: readonly string[], max = 3): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

function isCoverageRule(id: string): id is CoverageRuleId {
  return (COVERAGE_RULE_IDS as readonly string[]).includes(id);
}

/** One line of the summary: "smss.child-no-exit: 12 child smss not judged: ...". */
export function formatNotJudged(n: NotJudged): string {
  return `${n.rule}: ${n.count} ${n.what}: ${n.why}`;
}

export function notJudged(rules: readonly Rule[], hosts: Iterable<HostState>): NotJudged[] {
  const learned: HostState[] = [];
  const all: HostState[] = [];
  const byConfig = new Map<HostSysmonConfig, HostState[]>();
  for (const h of hosts) {
    all.push(h);
    if (h.sysmon === null) learned.push(h);
    else {
      const list = byConfig.get(h.sysmon);
      if (list === undefined) byConfig.set(h.sysmon, [h]);
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
          why: `no exit of a System32 image was logged in their boot on ${pending.length} host(s), so a child that never exits cannot be told from one whose exit was not logged`,
          hosts: names(pending),
        });
      }
    }
    if (rule.judges !== undefined && learned.length > 0) {
      const bits = rule.judges.seen;
      const blind = learned.filter((h) => (h.seen & bits) !== bits);
      if (blind.length > 0) {
        out.push({ rule: rule.id, count: blind.length, what: `of ${learned.length} host(s) had nothing to judge`, why: rule.judges.missing, hosts: names(blind) });
      }
    }
    for (const [config, list] of byConfig) out.push(...configured(rule, config, list));
    if (rule.notJudgedCounts !== undefined) out.push(...checksNotJudged(rule.notJudgedCounts(all)));
  }
  return out;
}

// Why a baseline check (core.<process>.<check>) can lack evidence, by check.
const CHECK_WHY: Record<string, string> = {
  lifetime: 'no exit was logged in the boot, so a process that lived on cannot be told from one whose exit was not logged',
  instances: 'the boot was not seen or exits were not logged, so the live instances cannot be counted',
  start: 'the boot was not seen, so the start cannot be placed relative to it',
  parent: 'the event does not name the parent',
  user: 'the event does not name the user',
};

/** The baselines' per-check counts as summary lines. */
function checksNotJudged(counts: Record<string, number>): NotJudged[] {
  const out: NotJudged[] = [];
  for (const [rule, count] of Object.entries(counts)) {
    if (count <= 0) continue;
    const check = rule.slice(rule.lastIndexOf('.') + 1);
    out.push({ rule, count, what: 'check(s) not judged', why: CHECK_WHY[check] ?? 'the data did not hold its evidence', hosts: [] });
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
      const why = d.logged
        ? `${config.label} does not log their exits (EventID 5)`
        : `${config.label} drops EventID 5 for ${SMSS_EXE} (${config.where(d.line)})`;
      out.push({ rule: rule.id, count, what: 'child smss not judged', why, hosts: names(pending) });
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
  });
  return out;
}
