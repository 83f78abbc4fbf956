// The same alert with Elastic Common Schema field names (docs/alerts.md), so Elastic,
// OpenSearch or Splunk ingest it without a mapping.

import type { Alert, ProcessView, Severity } from './alert.js';

const SEVERITY_SCORE: Record<Severity, number> = { low: 21, medium: 47, high: 73, critical: 99 };

function fileName(image: string): string {
  return image.slice(Math.max(image.lastIndexOf('\\'), image.lastIndexOf('/')) + 1);
}

function ecsProcess(p: ProcessView): Record<string, unknown> {
  return {
    entity_id: p.guid,
    pid: p.pid,
    executable: p.image,
    name: fileName(p.image),
    command_line: p.commandLine,
    user: { name: p.user },
    start: p.start,
    end: p.end,
  };
}

export function toEcs(a: Alert): Record<string, unknown> {
  return {
    '@timestamp': a.time,
    event: {
      id: a.id,
      kind: 'alert',
      category: [a.rule === 'smss.subsystems-registry' ? 'registry' : 'process'],
      type: ['info'],
      module: 'sysmon-proctree',
      severity: SEVERITY_SCORE[a.severity],
      severity_name: a.severity,
      created: a.detectedAt,
    },
    rule: { id: a.rule, name: a.title, ruleset: 'smss' },
    message: a.title,
    host: { name: a.host },
    process: { ...ecsProcess(a.process), parent: a.parent === null ? undefined : ecsProcess(a.parent) },
    threat: { framework: 'MITRE ATT&CK', technique: { id: a.attack } },
    sysmon_proctree: { ancestry: a.ancestry, children: a.children, evidence: a.evidence, details: a.details },
  };
}
