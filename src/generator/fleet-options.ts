// What a generated fleet looks like: the options of `proctree generate` and their defaults, apart
// from the simulation so that the command line can show them without loading it.

import { DEFAULT_THRESHOLDS, type LabelThresholds } from './labels.js';
import type { ConfigShare } from './sysmon-filter.js';

export interface FleetOptions {
  seed: number;
  hosts: number;
  /** Event time of the stream's start, ms since the epoch. */
  start: number;
  durationSecs: number;
  /** Average events per second per host in event time (boots add a burst on top). */
  hostEventsPerSec: number;
  /** Share of hosts with one injected anomaly (0..1). */
  anomalyFraction: number;
  /** Share of hosts with one decoy (0..1). */
  decoyFraction: number;
  /** Share of hosts whose Sysmon configuration logs no EventID 5 (0..1). */
  noExitFraction: number;
  /** Share of events (ordinary churn only) written up to a few seconds late (0..1). */
  lateFraction: number;
  thresholds: LabelThresholds;
  /** Also inject anomalies and decoys of the core process baselines (labels core.<process>.<check>). */
  coreAnomalies?: boolean;
  /**
   * The Sysmon configurations hosts run, with their shares of the fleet (generate
   * --sysmon-config); every event goes through its host's, and labels say what it let a processor
   * see. Empty: exits as noExitFraction says, everything else logged.
   */
  sysmonConfigs: readonly ConfigShare[];
}

export const DEFAULT_FLEET: FleetOptions = Object.freeze({
  seed: 1,
  hosts: 100,
  start: Date.UTC(2024, 0, 1),
  durationSecs: 3600,
  hostEventsPerSec: 2,
  anomalyFraction: 0.05,
  decoyFraction: 0.05,
  noExitFraction: 0.2,
  lateFraction: 0.001,
  thresholds: DEFAULT_THRESHOLDS,
  sysmonConfigs: [],
});
