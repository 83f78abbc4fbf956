// Detection scoring: labels (what a correct processor must raise) against alerts (what it
// raised). A label and an alert match on host (case-insensitive), rule, subject process guid
// (case-insensitive) and time; each alert matches at most one label.

export interface Detection {
  host: string;
  rule: string;
  processGuid: string;
  /** ISO 8601 with ms. */
  time: string;
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
}

export interface ScoreReport {
  rules: RuleScore[];
  total: RuleScore;
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

function ruleScore(rule: string, expected: number, raised: number, tp: number): RuleScore {
  return {
    rule,
    expected,
    raised,
    truePositives: tp,
    falsePositives: raised - tp,
    misses: expected - tp,
    precision: raised === 0 ? 1 : tp / raised,
    recall: expected === 0 ? 1 : tp / expected,
  };
}

/** Score alerts against labels. `rules` lists rules to report even when neither side has any. */
export function score(labels: readonly Detection[], alerts: readonly Detection[], rules: readonly string[] = [], examples = 20): ScoreReport {
  const open = new Map<string, Detection[]>();
  for (const l of labels) {
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
  for (const l of labels) bump(expected, l.rule);
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
  const names = [...new Set([...expected.keys(), ...raised.keys()])].sort();
  const perRule = names.map((r) => ruleScore(r, expected.get(r) ?? 0, raised.get(r) ?? 0, tp.get(r) ?? 0));
  const sum = (f: (s: RuleScore) => number): number => perRule.reduce((n, s) => n + f(s), 0);
  const total = ruleScore('total', sum((s) => s.expected), sum((s) => s.raised), sum((s) => s.truePositives));
  return { rules: perRule, total, missed, unexpected };
}

/** Rules whose precision or recall is below the given minimums. */
export function belowThresholds(report: ScoreReport, minPrecision: number, minRecall: number): RuleScore[] {
  return [...report.rules, report.total].filter((s) => s.precision < minPrecision || s.recall < minRecall);
}

/** A fixed-width table, one row per rule and a total row. */
export function formatReport(report: ScoreReport): string {
  const head = ['rule', 'expected', 'raised', 'tp', 'fp', 'missed', 'precision', 'recall'];
  const rows = [...report.rules, report.total].map((s) => [s.rule, s.expected, s.raised, s.truePositives, s.falsePositives, s.misses, s.precision.toFixed(3), s.recall.toFixed(3)].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}
