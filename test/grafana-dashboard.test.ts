// docs/grafana/sysmon-proctree.json queries only metrics the processor exports, and shows every
// metric of its own (PipelineMetrics): the PromQL of each panel and variable is parsed for metric
// names, which are matched against prom-client's registry (histograms as _bucket/_sum/_count).

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PipelineMetrics } from '../src/metrics/pipeline-metrics.js';
import { REPO_ROOT } from './helpers/cli.js';

interface Panel {
  type: string;
  title?: string;
  panels?: Panel[];
  targets?: { expr?: string; datasource?: { type?: string; uid?: string } }[];
  datasource?: { type?: string; uid?: string };
}

interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: string | { query: string } }[] };
}

const dashboard = JSON.parse(readFileSync(resolve(REPO_ROOT, 'docs/grafana/sysmon-proctree.json'), 'utf8')) as Dashboard;

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan', 'atan2']);

/** Metric names a PromQL expression selects (identifiers that are not functions, keywords, labels or variables). */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""') // strings
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // grouping labels
    .replace(/\$\{[^}]*\}|\$\w+/g, ' '); // Grafana variables
  const names: string[] = [];
  for (const m of stripped.matchAll(/(?<![\w.])[A-Za-z_:][\w:]*/g)) {
    const rest = stripped.slice(m.index! + m[0].length);
    if (/^\s*\(/.test(rest)) continue; // a function or aggregation
    if (KEYWORDS.has(m[0].toLowerCase())) continue;
    names.push(m[0]);
  }
  return names;
}

function allPanels(panels: readonly Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

function expressions(): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const p of allPanels(dashboard.panels)) for (const t of p.targets ?? []) if (t.expr !== undefined) out.push({ where: `panel "${p.title}"`, expr: t.expr });
  for (const v of dashboard.templating.list) {
    if (v.type !== 'query' || v.query === undefined) continue;
    const q = typeof v.query === 'string' ? v.query : v.query.query;
    // label_values(metric{matchers}, label): the metric is the selector inside.
    const lv = /^label_values\((.*),\s*\w+\)$/.exec(q.trim());
    out.push({ where: `variable $${v.name}`, expr: lv !== null ? lv[1] : q });
  }
  return out;
}

async function exported(defaultMetrics: boolean): Promise<Set<string>> {
  const metrics = await new PipelineMetrics({ defaultMetrics }).registry.getMetricsAsJSON();
  const names = new Set<string>();
  for (const m of metrics) {
    const type = String(m.type);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
    else if (type === 'summary') for (const s of ['', '_sum', '_count']) names.add(m.name + s);
    else names.add(m.name);
    // OpenMetrics exposition adds _total to counters whose name lacks it.
    if (type === 'counter' && !m.name.endsWith('_total')) names.add(`${m.name}_total`);
  }
  return names;
}

describe('the PromQL parser of this test', () => {
  it('finds metric names and nothing else', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le) (rate(proctree_batch_duration_seconds_bucket{job=~"$job"}[$__rate_interval])))')).toEqual(['proctree_batch_duration_seconds_bucket']);
    expect(metricNames('sum(rate(a_sum{x="y{z}"}[5m])) / sum(rate(a_count[5m])) > 1e3 and on (instance) b')).toEqual(['a_sum', 'a_count', 'b']);
    expect(metricNames('proctree_hosts{job=~"$job"}')).toEqual(['proctree_hosts']);
  });
});

describe('docs/grafana/sysmon-proctree.json', () => {
  it('is a dashboard with a stable uid, Prometheus panels and a datasource variable', () => {
    expect(dashboard.uid).toBe('sysmon-proctree');
    expect(dashboard.templating.list.find((v) => v.name === 'datasource')?.type).toBe('datasource');
    for (const p of allPanels(dashboard.panels).filter((x) => x.type !== 'row')) {
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
    }
  });

  it('queries only metrics the processor exports', async () => {
    const known = await exported(true);
    const exprs = expressions();
    expect(exprs.length).toBeGreaterThan(10);
    for (const { where, expr } of exprs) {
      const names = metricNames(expr);
      expect(names.length, `${where}: ${expr}`).toBeGreaterThan(0);
      for (const n of names) expect(known.has(n), `${where} queries ${n}, which PipelineMetrics does not export`).toBe(true);
    }
  });

  it('shows every metric of the pipeline: events by EventID, decode errors, dead letters, alerts by rule, lag, latency, trees', async () => {
    const queried = new Set(expressions().flatMap((e) => metricNames(e.expr)));
    const own = await new PipelineMetrics({ defaultMetrics: false }).registry.getMetricsAsJSON();
    expect(own.length).toBeGreaterThanOrEqual(9);
    for (const m of own) {
      const forms = String(m.type) === 'histogram' ? ['_bucket', '_sum', '_count'].map((s) => m.name + s) : [m.name];
      expect(forms.some((f) => queried.has(f)), `${m.name} is on no panel`).toBe(true);
    }
    const byLabel = expressions().map((e) => e.expr).join('\n');
    expect(byLabel).toMatch(/sum by \(event_id\) \(rate\(proctree_events_total/);
    expect(byLabel).toMatch(/sum by \(rule\) \(increase\(proctree_alerts_total/);
  });
});
