// The alert contract (docs/alerts.md). Field names and rule ids are public: change them only
// with a note in the changelog.

export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface ProcessView {
  guid: string;
  pid: number | null;
  image: string;
  commandLine: string;
  user: string;
  logonId: string;
  sessionId: number | null;
  start: string | null;
  end: string | null;
}

export interface AncestorView {
  guid: string;
  pid: number | null;
  image: string;
}

export interface ChildView extends AncestorView {
  start: string | null;
}

export interface Evidence {
  eventId: number;
  recordId: number;
  time: string;
}

export interface Alert {
  id: string;
  rule: string;
  severity: Severity;
  title: string;
  host: string;
  time: string;
  process: ProcessView;
  parent: ProcessView | null;
  ancestry: AncestorView[];
  children: ChildView[];
  evidence: Evidence[];
  attack: string[];
  details: Record<string, unknown>;
  detectedAt: string;
}

/** What a rule says about itself; the alert takes severity, title and ATT&CK ids from here. */
export interface RuleMeta {
  id: string;
  severity: Severity;
  attack: string[];
}
