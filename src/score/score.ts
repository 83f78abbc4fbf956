// Detection scoring: labels (what a correct processor must raise) against alerts (what it
// raised). A label and an alert match on host (case-insensitive), rule, subject process guid
// (case-insensitive) and time; each alert matches at most one label.

export interface Detection {
  host: string;
  rule: string;
  processGuid: string;
  /** ISO 8601 with ms. */
  time: string;
  /** Labels only: the host's Sysmon configuration (generate --sysmon-config). */
  sysmonConfig?: string;
  /** Labels only: the configuration dropped the evidence; counted apart, neither expected nor missed. */
  invisible?: boolean;
}

export interface RuleScore {
  rule: string;
  expected: number;
  raised: number;
  truePositives: number;
  falsePositives: number;
  misses: number;
  /** truePositives / raised; 1 when nothing was raised. */
  precision: number;
  /** truePositives / expected; 1 when nothing was expected. */
  recall: number;
  /** Anomalies the hosts' Sysmon configurations made invisible: not expected of a processor, not misses. */
  invisible: number;
}

export interface ScoreReport {
  rules: RuleScore[];
  total: RuleScore;
  /** Per Sysmon configuration (labels from generate --sysmon-config), the same table; empty without. */
  byConfig: { config: string; rules: RuleScore[]; total: RuleScore }[];
  /** Up to `examples` of each, for the report. */
  missed: Detection[];
  unexpected: Detection[];
}

function key(d: Detection): string {
  return `${d.host.toLowerCase()}\u0000${d.rule}\u0000${d.processGuid.toLowerCase()}\u0000${normaliseTime(d.time)}`;
}

/** '2024-01-01T00:00:00Z' and '...00.000Z' are the same instant: compare in ms. */
function normaliseTime(t: string): string {
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? t : String(ms);
}

function ruleScore(rule: string, expected: number, raised: number, tp: number, invisible = 0): RuleScore {
  return {
    rule,
    expected,
    raised,
    truePositives: tp,
    falsePositives: raised - tp,
    misses: expected - tp,
    precision: raised === 0 ? 1 : tp / raised,
    recall: expected === 0 ? 1 : tp / expected,
    invisible,
  };
}

/**
 * Score alerts against labels. `rules` lists rules to report even when neither side has any.
 * Invisible labels (the configuration dropped the evidence) are counted apart. With labels that
 * carry a Sysmon configuration, the report has a table per configuration too: alerts go to their
 * host's configuration, by `hostConfigs` (the labels file's host lines) or the host's labels.
 */
export function score(
  labels: readonly Detection[],
  alerts: readonly Detection[],
  rules: readonly string[] = [],
  examples = 20,
  hostConfigs: ReadonlyMap<string, string> = new Map(),
): ScoreReport {
  const configOf = new Map<string, string>();
  for (const [h, c] of hostConfigs) configOf.set(h.toLowerCase(), c);
  for (const l of labels) if (l.sysmonConfig !== undefined && !configOf.has(l.host.toLowerCase())) configOf.set(l.host.toLowerCase(), l.sysmonConfig);
  const { rules: perRule, total, missed, unexpected } = tally(labels, alerts, rules, examples);
  const configs = [...new Set(configOf.values())].sort();
  const byConfig = configs.map((config) => {
    const on = (d: Detection): boolean => configOf.get(d.host.toLowerCase()) === config;
    const t = tally(labels.filter(on), alerts.filter(on), rules, 0);
    return { config, rules: t.rules, total: t.total };
  });
  return { rules: perRule, total, byConfig, missed, unexpected };
}

function tally(labels: readonly Detection[], alerts: readonly Detection[], rules: readonly string[], examples: number): Omit<ScoreReport, 'byConfig'> {
  const open = new Map<string, Detection[]>();
  const invisible = new Map<string, number>();
  for (const l of labels) {
    if (l.invisible === true) {
      invisible.set(l.rule, (invisible.get(l.rule) ?? 0) + 1);
      continue;
    }
    const k = key(l);
    const list = open.get(k);
    if (list === undefined) open.set(k, [l]);
    else list.push(l);
  }
  const expected = new Map<string, number>();
  const raised = new Map<string, number>();
  const tp = new Map<string, number>();
  const bump = (m: Map<string, number>, r: string): void => {
    m.set(r, (m.get(r) ?? 0) + 1);
  };
  for (const r of rules) expected.set(r, 0);
  for (const l of labels) if (l.invisible !== true) bump(expected, l.rule);
  const unexpected: Detection[] = [];
  for (const a of alerts) {
    bump(raised, a.rule);
    const list = open.get(key(a));
    if (list !== undefined && list.length > 0) {
      list.pop();
      bump(tp, a.rule);
    } else if (unexpected.length < examples) unexpected.push(a);
  }
  const missed: Detection[] = [];
  for (const list of open.values()) for (const l of list) if (missed.length < examples) missed.push(l);
  const names = [...new Set([...expected.keys(), ...raised.keys(), ...invisible.keys()])].sort();
  const perRule = names.map((r) => ruleScore(r, expected.get(r) ?? 0, raised.get(r) ?? 0, tp.get(r) ?? 0, invisible.get(r) ?? 0));
  const sum = (f: (s: RuleScore) => number): number => perRule.reduce((n, s) => n + f(s), 0);
  const total = ruleScore('total', sum((s) => s.expected), sum((s) => s.raised), sum((s) => s.truePositives), sum((s) => s.invisible));
  return { rules: perRule, total, missed, unexpected };
}

/** Rules whose precision or recall is below the given minimums (per configuration too: "smss.path @ swiftonsecurity"). */
export function belowThresholds(report: ScoreReport, minPrecision: number, minRecall: number): RuleScore[] {
  const rows = [...report.rules, report.total];
  for (const c of report.byConfig) for (const r of [...c.rules, c.total]) rows.push({ ...r, rule: `${r.rule} @ ${c.config}` });
  return rows.filter((s) => s.precision < minPrecision || s.recall < minRecall);
}

function table(rules: readonly RuleScore[], total: RuleScore, withInvisible: boolean): string {
  const head = ['rule', 'expected', 'raised', 'tp', 'fp', 'missed', 'precision', 'recall', ...(withInvisible ? ['invisible'] : [])];
  const rows = [...rules, total].map((s) =>
    [s.rule, s.expected, s.raised, s.truePositives, s.falsePositives, s.misses, s.precision.toFixed(3), s.recall.toFixed(3), ...(withInvisible ? [s.invisible] : [])].map(String),
  );
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

/**
 * A fixed-width table, one row per rule and a total row; with Sysmon configurations in the labels,
 * an `invisible` column (anomalies the configurations hid, not counted as misses) and one table
 * per configuration after it.
 */
export function formatReport(report: ScoreReport): string {
  const withInvisible = report.byConfig.length > 0 || report.total.invisible > 0;
  const parts = [table(report.rules, report.total, withInvisible)];
  for (const c of report.byConfig) parts.push(`\nSysmon configuration ${c.config}:\n${table(c.rules, c.total, true)}`);
  return parts.join('\n');
}
