// Which Sysmon configuration each host of a fleet runs, for the commands that judge events
// (replay, run) and the one that writes them (generate): host name patterns -> a configuration,
// first match wins, and what those commands ask of a configuration. One evaluator
// (SysmonConfigFilter) answers them all, as it answers `proctree coverage`.

import { basename } from 'node:path';
import { coverageOf, type CoverageReport } from './coverage.js';
import { SysmonConfigFilter, type Decision } from './filter.js';
import type { ResolvedSysmonConfig } from './registry.js';

/** A process as an exit-logging question needs it (the index's ProcNode has these fields). */
export interface ExitingProcess {
  readonly guid: string;
  readonly pid: number;
  readonly image: string;
  readonly user: string;
}

/** One configuration, compiled once and shared by every host that runs it. */
export class HostSysmonConfig {
  readonly filter: SysmonConfigFilter;
  /** What messages call it: the name (`swiftonsecurity`) or the file's base name. */
  readonly label: string;
  private coverageReport: CoverageReport | undefined;

  constructor(readonly resolved: ResolvedSysmonConfig) {
    this.filter = new SysmonConfigFilter(resolved.config);
    this.label = resolved.name ?? basename(resolved.source);
  }

  /** Per rule, which of the events it needs this configuration logs (computed on first use). */
  get coverage(): CoverageReport {
    return (this.coverageReport ??= coverageOf(this.resolved.config, this.resolved.text));
  }

  /** Whether Sysmon, running this configuration, logs the exit (EventID 5) of `p`, and the line that decides. */
  exitDecision(p: ExitingProcess): Decision {
    return this.filter.decide(5, {
      ProcessGuid: p.guid,
      ProcessId: p.pid >= 0 ? String(p.pid) : undefined,
      Image: p.image,
      User: p.user === '' ? undefined : p.user,
    });
  }

  /** "line 393 of sysmonconfig-export.xml" or, for a built-in configuration, its name. */
  where(line: number | undefined): string {
    const file = this.resolved.file === undefined ? `built-in ${this.label}` : basename(this.resolved.file);
    return line === undefined ? file : `${file} line ${line}`;
  }
}

/** `WKS-*` -> a case-insensitive matcher of whole host names; `*` any text, `?` one character. */
export function hostPattern(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'is');
}

export interface FleetSysmonEntry {
  readonly hosts: readonly string[];
  readonly config: ResolvedSysmonConfig;
}

/** Host patterns -> configurations, in order: the first entry with a matching pattern wins. */
export class FleetSysmonConfigs {
  private readonly entries: { patterns: RegExp[]; config: HostSysmonConfig }[];

  constructor(entries: readonly FleetSysmonEntry[]) {
    const compiled = new Map<ResolvedSysmonConfig, HostSysmonConfig>();
    this.entries = entries.map((e) => {
      let c = compiled.get(e.config);
      if (c === undefined) compiled.set(e.config, (c = new HostSysmonConfig(e.config)));
      return { patterns: e.hosts.map(hostPattern), config: c };
    });
  }

  get empty(): boolean {
    return this.entries.length === 0;
  }

  /** The configuration the host runs; null when no pattern names it (the engine learns what it logs). */
  forHost(name: string): HostSysmonConfig | null {
    for (const e of this.entries) for (const p of e.patterns) if (p.test(name)) return e.config;
    return null;
  }
}
