// What the index and the rules ask of the Sysmon configuration a host is known to run. The
// configuration itself (sysmon-config/fleet.ts, HostSysmonConfig) lives above the rules, since its
// coverage reads their needs; the index names only the question it asks, so it imports nothing above it.

export interface ExitQuestion {
  readonly guid: string;
  readonly pid: number;
  readonly image: string;
  readonly user: string;
}

export interface HostLogging {
  /** Whether Sysmon, running the configuration, logs the exit (EventID 5) of `p`. */
  exitDecision(p: ExitQuestion): { readonly logged: boolean };
}
