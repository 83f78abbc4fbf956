// Coverage reports for people (a table, why, and the fix) and for scripts (JSON).

import type { CoverageReport, NeedCoverage, RuleCoverage } from './coverage.js';
import { EVENT_NEEDS } from './needs.js';
import type { Fix } from './remedy.js';

const MISSING_WIDTH = 56;

/** "master smss creation; writes to Subsystems\Windows, BootExecute (EventID 12 only)". */
export function summariseNeeds(needs: readonly NeedCoverage[]): string {
  const parts: string[] = [];
  const reg = new Map<string, number[]>();
  for (const n of needs) {
    if (n.need.kind === 'registry write') {
      const value = n.need.id.slice(n.need.id.indexOf(':') + 1);
      reg.set(value, [...(reg.get(value) ?? []), n.need.eventId]);
    } else parts.push(n.need.label);
  }
  if (reg.size > 0) {
    const values = [...reg].map(([value, ids]) => (ids.length >= 2 ? value : `${value} (EventID ${ids[0]} only)`));
    parts.push(`writes to ${values.join(', ')}`);
  }
  return parts.join('; ');
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '' || out.length === 0) out.push(line);
  return out;
}

function decidingLines(rc: RuleCoverage): string {
  const shown = rc.status === 'logs' ? rc.needs : rc.needs.filter((n) => !n.logged);
  const lines = [...new Set(shown.map((n) => n.line).filter((l): l is number => l !== undefined))].sort((a, b) => a - b);
  return lines.length > 0 ? lines.join(', ') : 'default';
}

/** Need labels by id: the smss needs, and the baseline needs the report carries. */
function labelsOf(report: CoverageReport): (id: string) => string {
  const labels = new Map<string, string>();
  for (const rc of report.rules) for (const n of rc.needs) labels.set(n.need.id, n.need.label);
  return (id) => labels.get(id) ?? EVENT_NEEDS.get(id)?.label ?? id;
}

function fixText(fix: Fix, indent: string, label: (id: string) => string): string[] {
  const out: string[] = [];
  let step = 1;
  for (const r of fix.remove) {
    const where = r.line === r.endLine ? `line ${r.line}` : `lines ${r.line}-${r.endLine}`;
    out.push(`${indent}${step++}. Delete ${where}${r.shared ? ' (it shares the line with other elements: edit it by hand)' : ''}: ${r.what}`);
    if (r.text !== undefined) for (const l of r.text.split('\n')) out.push(`${indent}     ${l}`);
    out.push(`${indent}   An exclude rule wins over every include, so this line has to go; it drops: ${r.needs.map(label).join(', ')}.`);
  }
  if (fix.snippet.length > 0) {
    out.push(`${indent}${step}. Add inside <EventFiltering>:`);
    for (const l of fix.snippet) out.push(`${indent}     ${l}`);
  }
  if (!fix.complete) out.push(`${indent}(Even with these changes some events stay dropped; see the JSON output.)`);
  return out;
}

/** "smss rules", or "smss and core process rules" when the report has baseline rows. */
function rulesNamed(report: CoverageReport): string {
  return report.rules.some((r) => r.rule.startsWith('core.')) ? 'smss and core process rules' : 'smss rules';
}

/** The terminal report: table, why each missing event is dropped, and the fix. */
export function formatCoverageText(report: CoverageReport, file: string): string {
  const out: string[] = [];
  out.push(`Sysmon configuration ${file} (schema ${report.config.schemaVersion})`);
  out.push('');
  const header = ['rule', 'status', 'sees', 'missing', 'deciding lines'];
  const rows = report.rules.map((rc) => {
    const missing = rc.needs.filter((n) => !n.logged);
    return [rc.rule, rc.status, `${rc.needs.length - missing.length}/${rc.needs.length}`, missing.length > 0 ? summariseNeeds(missing) : '-', decidingLines(rc)];
  });
  const w0 = Math.max(header[0].length, ...rows.map((r) => r[0].length));
  const w1 = Math.max(header[1].length, ...rows.map((r) => r[1].length));
  const w2 = Math.max(header[2].length, ...rows.map((r) => r[2].length));
  const line = (a: string, b: string, c: string, d: string, e: string): string => `${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c.padEnd(w2)}  ${d.padEnd(MISSING_WIDTH)}  ${e}`.trimEnd();
  out.push(line(header[0], header[1], header[2], header[3], header[4]));
  for (const r of rows) {
    const wrapped = wrap(r[3], MISSING_WIDTH);
    out.push(line(r[0], r[1], r[2], wrapped[0], r[4]));
    for (const more of wrapped.slice(1)) out.push(line('', '', '', more, ''));
  }

  const missing = new Map<string, { n: NeedCoverage; rules: string[] }>();
  for (const rc of report.rules) {
    for (const n of rc.needs) {
      if (n.logged) continue;
      const m = missing.get(n.need.id) ?? { n, rules: [] };
      m.rules.push(rc.rule);
      missing.set(n.need.id, m);
    }
  }
  if (missing.size === 0) {
    out.push('');
    out.push(`This configuration logs every event the ${rulesNamed(report)} need.`);
  } else {
    out.push('');
    out.push('Why they are missing:');
    // Needs dropped for the same reason are listed together.
    const byReason = new Map<string, { needs: NeedCoverage[]; rules: Set<string> }>();
    for (const { n, rules } of missing.values()) {
      const g = byReason.get(n.reason) ?? { needs: [], rules: new Set<string>() };
      g.needs.push(n);
      for (const r of rules) g.rules.add(r);
      byReason.set(n.reason, g);
    }
    for (const [reason, g] of byReason) {
      out.push(`  - ${summariseNeeds(g.needs)} (${[...g.rules].join(', ')}):`);
      out.push(`    ${reason}`);
    }
    if (report.fix !== undefined) {
      out.push('');
      out.push(`To log everything the ${rulesNamed(report)} need:`);
      out.push(...fixText(report.fix, '  ', labelsOf(report)));
      out.push('');
      out.push('`proctree coverage --json` gives the same change for each rule alone.');
    }
  }
  if (report.config.warnings.length > 0) {
    out.push('');
    for (const w of report.config.warnings) out.push(`note: ${file}:${w.line}: ${w.message}`);
  }
  return out.join('\n') + '\n';
}

function fixJson(fix: Fix | undefined): unknown {
  if (fix === undefined) return null;
  return {
    remove: fix.remove.map((r) => ({ line: r.line, endLine: r.endLine, what: r.what, text: r.text ?? null, needs: r.needs, shared: r.shared })),
    add: fix.add.map((a) => ({ tag: a.condition.tag, field: a.condition.field, condition: a.condition.condition, value: a.condition.value, needs: a.needs })),
    snippet: fix.snippet.join('\n'),
    complete: fix.complete,
  };
}

/** The report as plain data, stable for scripts and golden files. */
export function coverageJson(report: CoverageReport, file: string): unknown {
  return {
    config: { file, schemaVersion: report.config.schemaVersion },
    rules: report.rules.map((rc) => ({
      rule: rc.rule,
      status: rc.status,
      sees: rc.needs.filter((n) => n.logged).length,
      needs: rc.needs.length,
      missing: rc.needs.filter((n) => !n.logged).map((n) => n.need.id),
      events: rc.needs.map((n) => ({
        need: n.need.id,
        label: n.need.label,
        eventId: n.need.eventId,
        logged: n.logged,
        line: n.line ?? null,
        decidedBy: n.by,
        reason: n.reason,
      })),
      fix: fixJson(rc.fix),
    })),
    fix: fixJson(report.fix),
    warnings: report.config.warnings,
  };
}
