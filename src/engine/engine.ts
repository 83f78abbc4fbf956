// The engine stage, index -> rules, for batches of typed events: the part of the pipeline every
// source shares (file replay, Kafka). Synchronous and deterministic: the same events in the same
// order give the same alerts in the same order.

import type { Alert } from '../alerts/alert.js';
import type { SysmonEvent } from '../decode/event.js';
import type { HostState } from '../index/host-state.js';
import { ProcessIndex, REBOOT_TIMER } from '../index/process-index.js';
import { buildSmssRules } from '../rules/registry.js';
import type { Rule, RuleContext } from '../rules/rule.js';
import type { IndexConfig } from '../index/config.js';
import type { SmssRulesConfig } from '../rules/smss/config.js';
import type { BaselinesConfig } from '../rules/baseline/config.js';
import { buildBaselineRules } from '../rules/baseline/process-baseline.js';
import type { SysmonPipelineConfig } from '../sysmon-config/config.js';
import { FleetSysmonConfigs } from '../sysmon-config/fleet.js';

/** What the engine reads of the pipeline YAML: the index's and the rules' parts, and which Sysmon configuration each host runs. */
export interface EngineConfig {
  readonly index: IndexConfig;
  readonly rules: { readonly smss: SmssRulesConfig; readonly baselines?: BaselinesConfig };
  readonly sysmon?: SysmonPipelineConfig;
}

export class Engine {
  readonly index: ProcessIndex;
  readonly rules: Rule[];
  private readonly timerRules = new Map<string, Rule>();
  private out: Alert[] = [];
  private readonly ctx: RuleContext;
  readonly alertsByRule = new Map<string, number>();
  events = 0;

  constructor(readonly config: EngineConfig) {
    const sysmon = new FleetSysmonConfigs(config.sysmon?.configs ?? []);
    this.index = new ProcessIndex(config.index, config.rules.smss.reboot_check_secs, sysmon.empty ? undefined : (host) => sysmon.forHost(host));
    this.rules = [...buildSmssRules(config.rules.smss), ...buildBaselineRules(config.rules.baselines ?? [])];
    for (const r of this.rules) if (r.onTimer !== undefined) this.timerRules.set(r.id, r);
    this.ctx = {
      emit: (alert: Alert) => {
        this.out.push(alert);
        this.alertsByRule.set(alert.rule, (this.alertsByRule.get(alert.rule) ?? 0) + 1);
      },
    };
  }

  /** Apply a batch; alerts are appended to `out`. */
  process(events: readonly SysmonEvent[], out: Alert[]): void {
    this.out = out;
    const rules = this.rules;
    for (let i = 0; i < events.length; i++) {
      const ev = events[i];
      const a = this.index.apply(ev);
      for (let r = 0; r < rules.length; r++) rules[r].onEvent(ev, a, this.ctx);
      if (a.host.timers.peekDue() <= a.host.watermark) this.fireDue(a.host);
    }
    this.events += events.length;
  }

  /** End of a replay: each host's watermark moves to its latest event, so deadlines the data passed fire. */
  finish(out: Alert[]): void {
    this.out = out;
    for (const h of this.index.hosts.values()) {
      if (h.maxTimeEver > h.watermark) h.watermark = h.maxTimeEver;
      this.fireDue(h);
    }
  }

  /** Live streaming only: a quiet host's watermark may move to `eventTimeMs` (from the idle timeout). */
  advanceHost(h: HostState, eventTimeMs: number, out: Alert[]): void {
    this.out = out;
    if (eventTimeMs > h.watermark) h.watermark = eventTimeMs;
    this.fireDue(h);
  }

  private fireDue(h: HostState): void {
    while (h.timers.peekDue() <= h.watermark) {
      const t = h.timers.pop()!;
      if (t.rule === REBOOT_TIMER) this.index.closeEpoch(h, t.node);
      else this.timerRules.get(t.rule)?.onTimer!(t, h, this.ctx);
    }
  }

  get alertCount(): number {
    let n = 0;
    for (const v of this.alertsByRule.values()) n += v;
    return n;
  }
}
