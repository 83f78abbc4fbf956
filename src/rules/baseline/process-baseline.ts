// The process-baseline rule kind: every check of every configured baseline, as one rule so that
// an event costs one or two Map lookups however many baselines run. Alerts carry the check's own
// id (core.<process>.<check>). Only EventIDs 1 and 5 are read; a check whose evidence the host
// does not log (no exits, no boot seen, no parent named) counts as not judged instead of guessing.

import { exitsJudged } from '../../index/exits-logged.js';
import type { SysmonEvent } from '../../decode/event.js';
import { evidenceOf } from '../../alerts/build-alert.js';
import type { RuleMeta } from '../../alerts/alert.js';
import type { HostState } from '../../index/host-state.js';
import { guidKey } from '../../index/guid-key.js';
import { ProcNode, imageFileName } from '../../index/process-node.js';
import { isSmssNode, isSystemParent, type Applied } from '../../index/process-index.js';
import type { Timer } from '../../index/timers.js';
import type { Rule, RuleContext } from '../rule.js';
import { claim, creationEvidence, raise } from '../smss/verdict.js';
import { BaselineCatalog, type CompiledBaseline } from './compile.js';
import { CHECKS, baselineRuleIds, type CheckName } from './checks.js';
import type { BaselinesConfig } from './config.js';

// Why a baseline check (core.<process>.<check>) can lack evidence, by check.
const CHECK_WHY: Record<string, string> = {
  lifetime: 'no exit was logged in the boot, so a process that lived on cannot be told from one whose exit was not logged',
  instances: 'the boot was not seen or exits were not logged, so the live instances cannot be counted',
  start: 'the boot was not seen, so the start cannot be placed relative to it',
  parent: 'the event does not name the parent',
  user: 'the event does not name the user',
};

export const BASELINE_RULE_ID = 'process-baseline';

/** Bit of a check in ProcNode.alerted, above the smss rules' bits: one alert per process and check. */
const BIT: Record<CheckName, number> = Object.fromEntries(CHECKS.map((c, i) => [c, 1 << (12 + i)])) as Record<CheckName, number>;

/** Live instances per baseline in a host's current boot, for the instances check. */
class HostInstances {
  readonly live = new Map<CompiledBaseline, ProcNode[]>();
}

/** A baseline whose lifetime check is per boot: its processes may end a replay not judged. */
function livesPerBoot(b: CompiledBaseline | undefined): b is CompiledBaseline {
  return b !== undefined && b.meta.lifetime != null && b.cfg.lifetime!.kind === 'boot';
}

/**
 * A host's processes created with a per-boot lifetime (livesPerBoot), which the summary counts
 * when their exit cannot be judged: the end of a replay reads these few instead of every node of
 * the tree (261k on the mission corpus, a walk that cost as much as its own compilation). Nodes
 * the index evicted are dropped as the list grows.
 */
class BootLived {
  readonly nodes: ProcNode[] = [];
  private pruneAt = 64;

  add(h: HostState, n: ProcNode): void {
    this.nodes.push(n);
    if (this.nodes.length < this.pruneAt) return;
    let k = 0;
    for (const o of this.nodes) if (h.nodes.holds(o)) this.nodes[k++] = o;
    this.nodes.length = k;
    this.pruneAt = Math.max(64, 2 * k);
  }
}

export class ProcessBaselineRule implements Rule {
  readonly id = BASELINE_RULE_ID;
  readonly alertIds: string[];
  private readonly catalog: BaselineCatalog;
  private readonly instances = new WeakMap<HostState, HostInstances>();
  private readonly unjudged = new Map<string, number>();
  private readonly bootLived = new WeakMap<HostState, BootLived>();

  constructor(cfg: BaselinesConfig) {
    this.catalog = new BaselineCatalog(cfg);
    this.alertIds = baselineRuleIds(cfg);
  }

  onEvent(ev: SysmonEvent, a: Applied, ctx: RuleContext): void {
    if (ev.eventId === 1) {
      if (a.duplicate || a.node === null) return;
      const b = this.catalog.of(a.node);
      this.noteCreated(a.host, a.node, b);
      if (b !== undefined) this.created(b, a.node, ev, a, ctx);
      const p = a.parent;
      const pb = p !== null ? this.catalog.of(p) : this.catalog.byNames(imageFileName(ev.parentImage), '', ev.parentProcessId);
      if (pb !== undefined && pb.children !== null) this.child(pb, p, a.node, ev, a.host, ctx);
    } else if (ev.eventId === 5) {
      const n = a.node;
      if (n === null || n.end !== ev.time) return; // not known, or an exit already applied
      const b = this.catalog.of(n);
      const meta = b?.meta.lifetime;
      if (b === undefined || meta == null || b.cfg.lifetime!.kind !== 'boot' || !claim(n, BIT.lifetime)) return;
      raise(ctx, meta, a.host, n, ev.time, `${n.imageName || b.process} exited, but it lives as long as the boot`, [creationEvidence(n), evidenceOf(5, ev.recordId, ev.time)], {
        exitedAt: new Date(ev.time).toISOString(),
      });
    }
  }

  onTimer(t: Timer, host: HostState, ctx: RuleContext): void {
    const n = t.node;
    const b = this.catalog.of(n);
    const meta = b?.meta.lifetime;
    if (b === undefined || meta == null) return;
    if (!exitsJudged(host, n)) {
      this.notJudged(meta);
      return;
    }
    if ((!n.alive && n.end <= t.due) || !claim(n, BIT.lifetime)) return;
    const secs = b.exitsWithinMs / 1000;
    raise(ctx, meta, host, n, t.due, `${n.imageName} did not exit within ${secs} s`, [creationEvidence(n)], {
      exitsWithinSecs: secs,
      exitedAt: Number.isNaN(n.end) ? null : new Date(n.end).toISOString(),
    });
  }

  /** Checks that could not be judged, by rule id; lifetimes of processes whose boot logged no exit included. */
  notJudgedCounts(hosts: Iterable<HostState>): Record<string, number> {
    const out = Object.fromEntries(this.unjudged);
    for (const h of hosts) {
      const lived = this.bootLived.get(h);
      if (lived === undefined) {
        // No creation of this host went through the rule (a host restored from a snapshot that sent none since).
        for (const n of h.nodes.values()) this.countNotJudged(h, n, out);
      } else {
        for (const n of lived.nodes) if (h.nodes.holds(n)) this.countNotJudged(h, n, out);
      }
    }
    return out;
  }

  /** A process of the tree whose lifetime per boot cannot be judged: alive at the end, or closed at a reboot (no exit seen either way). */
  private countNotJudged(h: HostState, n: ProcNode, out: Record<string, number>): void {
    if (n.placeholder || (!n.alive && !n.closedAtReboot) || exitsJudged(h, n)) return;
    const b = this.catalog.of(n);
    if (livesPerBoot(b)) {
      const id = b.meta.lifetime!.id;
      out[id] = (out[id] ?? 0) + 1;
    }
  }

  /**
   * Keeps the host's list of processes with a per-boot lifetime (BootLived) current. The first
   * creation of a host the rule sees starts it from the tree, which holds that process already
   * and whatever a snapshot restored.
   */
  private noteCreated(h: HostState, n: ProcNode, b: CompiledBaseline | undefined): void {
    let lived = this.bootLived.get(h);
    if (lived === undefined) {
      lived = new BootLived();
      this.bootLived.set(h, lived);
      for (const o of h.nodes.values()) if (!o.placeholder && livesPerBoot(this.catalog.of(o))) lived.add(h, o);
      return;
    }
    if (livesPerBoot(b)) lived.add(h, n);
  }

  notJudgedWhy(alertId: string): string | undefined {
    return CHECK_WHY[alertId.slice(alertId.lastIndexOf('.') + 1)];
  }

  private notJudged(meta: RuleMeta): void {
    this.unjudged.set(meta.id, (this.unjudged.get(meta.id) ?? 0) + 1);
  }

  private created(b: CompiledBaseline, n: ProcNode, ev: SysmonEvent, a: Applied, ctx: RuleContext): void {
    const m = b.meta;
    const h = a.host;
    if (m.path !== null && b.pathIsExpected(n.image) === false && claim(n, BIT.path)) {
      raise(ctx, m.path, h, n, ev.time, `${n.imageName} running from an unexpected path: ${n.image}`, [creationEvidence(n)], {
        expectedPaths: b.cfg.path!.expected,
      });
    }
    if (m.parent !== null) this.parent(b, m.parent, n, ev, a, ctx);
    if (m.user !== null) {
      const ok = b.userIsExpected(ev.logonId, ev.user);
      if (ok === undefined) this.notJudged(m.user);
      else if (!ok && claim(n, BIT.user)) {
        raise(ctx, m.user, h, n, ev.time, `${n.imageName} running as ${ev.user || ev.logonId}`, [creationEvidence(n)], {
          user: ev.user,
          logonId: ev.logonId,
          expectedSids: b.cfg.user!.sids,
          expectedNames: b.cfg.user!.names,
        });
      }
    }
    if (m.session !== null) this.session(b, m.session, n, a.parent, ev, h, ctx);
    const bootStart = bootStartOf(h, n.epoch);
    if (m.start !== null) {
      if (Number.isNaN(bootStart)) this.notJudged(m.start);
      else if (n.start - bootStart > b.startWithinMs && claim(n, BIT.start)) {
        raise(ctx, m.start, h, n, ev.time, `${n.imageName} started ${Math.round((n.start - bootStart) / 1000)} s after the boot`, [creationEvidence(n)], {
          bootStart: new Date(bootStart).toISOString(),
          withinBootSecs: b.cfg.start!.within_boot_secs,
        });
      }
    }
    if (m.instances !== null) this.instancesOf(b, m.instances, n, bootStart, ev, h, ctx);
    if (m.lifetime !== null && b.exitsWithinMs !== Infinity) h.timers.push(n.start + b.exitsWithinMs, BASELINE_RULE_ID, n);
  }

  private parent(b: CompiledBaseline, meta: RuleMeta, n: ProcNode, ev: SysmonEvent, a: Applied, ctx: RuleContext): void {
    const p = a.parent;
    const parentImage = p !== null && p.image !== '' ? p.image : ev.parentImage;
    const name = p !== null && p.image !== '' ? p.imageName : imageFileName(ev.parentImage);
    const role = b.cfg.parent!.role;
    const system = isSystemParent(ev);
    if ((name === '' || name === '?' || name === '-') && !system) {
      this.notJudged(meta); // the event does not say who the parent is
      return;
    }
    let why: string | null = null;
    if (b.parentNames !== null && !b.parentNames.has(system ? 'system' : name)) why = `started by ${parentImage || 'System'}`;
    else if (role === 'system' && !system) why = `started by ${parentImage}, not System`;
    else if (role === 'session-smss' && p !== null) {
      // Without a parent guid the tree cannot say which smss it was: the name alone is judged.
      if (!isSmssNode(p)) why = `started by ${parentImage}, not a session smss.exe`;
      else if (p.master) why = 'started by the master smss.exe, not a per-session child';
      else if (p.placeholder) {
        // Known only from the Parent* fields (the configuration drops smss creations): a child
        // smss or the master, and of which session, is not known.
        this.notJudged(meta);
        return;
      } else if (p.sessionId >= 0 && n.sessionId >= 0 && p.sessionId !== n.sessionId) why = `started by the smss.exe of session ${p.sessionId}, not of its own session ${n.sessionId}`;
    }
    if (why === null || !claim(n, BIT.parent)) return;
    raise(ctx, meta, a.host, n, ev.time, `${n.imageName} ${why}`, [creationEvidence(n)], {
      parentImage,
      parentPid: ev.parentProcessId >= 0 ? ev.parentProcessId : null,
      expectedParents: b.cfg.parent!.names,
      expectedRole: role ?? null,
    });
  }

  private session(b: CompiledBaseline, meta: RuleMeta, n: ProcNode, p: ProcNode | null, ev: SysmonEvent, h: HostState, ctx: RuleContext): void {
    const expect = b.cfg.session!.expect;
    const s = n.sessionId;
    const ps = p !== null ? p.sessionId : -1;
    if (s < 0 || (expect === 'parent' && ps < 0)) {
      this.notJudged(meta);
      return;
    }
    const ok = expect === 'zero' ? s === 0 : expect === 'interactive' ? s >= 1 : s === ps;
    if (ok || !claim(n, BIT.session)) return;
    const want = expect === 'zero' ? 'session 0' : expect === 'interactive' ? 'an interactive session' : `its parent's session ${ps}`;
    raise(ctx, meta, h, n, ev.time, `${n.imageName} in session ${s}, expected ${want}`, [creationEvidence(n)], { sessionId: s, expected: expect });
  }

  /**
   * Counts the instances alive in the process's boot (and session). Needs the boot's start seen
   * (else one host name may span boots) and, unless the process lives as long as the boot, exits
   * logged in that boot (else an instance that ended looks alive).
   */
  private instancesOf(b: CompiledBaseline, meta: RuleMeta, n: ProcNode, bootStart: number, ev: SysmonEvent, h: HostState, ctx: RuleContext): void {
    if (Number.isNaN(bootStart) || (b.cfg.lifetime?.kind !== 'boot' && !exitsJudged(h, n))) {
      this.notJudged(meta);
      return;
    }
    const list = this.liveList(h, b, n);
    const { per_boot: perBoot, per_session: perSession } = b.cfg.instances!;
    let inBoot = 0;
    let inSession = 0;
    const earlier: ProcNode[] = [];
    for (let i = list.length - 1; i >= 0; i--) {
      const o = list[i];
      if (!o.alive || o.epoch !== n.epoch || o.evicted) {
        list[i] = list[list.length - 1];
        list.pop();
        continue;
      }
      inBoot++;
      if (o.sessionId === n.sessionId) inSession++;
      earlier.push(o);
    }
    list.push(n);
    const overBoot = perBoot !== undefined && inBoot + 1 > perBoot;
    const overSession = perSession !== undefined && inSession + 1 > perSession;
    if ((!overBoot && !overSession) || !claim(n, BIT.instances)) return;
    const live = overBoot ? inBoot + 1 : inSession + 1;
    const where = overBoot ? 'in this boot' : `in session ${n.sessionId}`;
    raise(ctx, meta, h, n, ev.time, `${live} live ${n.imageName} instances ${where} (max ${overBoot ? perBoot : perSession})`, [creationEvidence(n)], {
      live,
      perBoot: perBoot ?? null,
      perSession: perSession ?? null,
      earlier: earlier
        .filter((o) => overBoot || o.sessionId === n.sessionId)
        .sort((x, y) => x.start - y.start)
        .map((o) => ({ guid: o.guid, pid: o.pid >= 0 ? o.pid : null, start: new Date(o.start).toISOString() })),
    });
  }

  /** The host's live instances of a baseline; seeded from the tree the first time (after a snapshot restore too). */
  private liveList(h: HostState, b: CompiledBaseline, judged: ProcNode): ProcNode[] {
    let s = this.instances.get(h);
    if (s === undefined) {
      s = new HostInstances();
      this.instances.set(h, s);
      for (const o of h.nodes.values()) {
        // The process being judged is in the tree already; the caller adds it.
        const ob = o === judged || o.placeholder || !o.alive ? undefined : this.catalog.of(o);
        if (ob === undefined || ob.meta.instances === null) continue;
        let l = s.live.get(ob);
        if (l === undefined) s.live.set(ob, (l = []));
        l.push(o);
      }
    }
    let l = s.live.get(b);
    if (l === undefined) s.live.set(b, (l = []));
    return l;
  }

  private child(pb: CompiledBaseline, p: ProcNode | null, child: ProcNode, ev: SysmonEvent, h: HostState, ctx: RuleContext): void {
    const meta = pb.meta.children!;
    if (pb.children!.has(child.imageName) || !claim(child, BIT.children)) return;
    let parent = p;
    if (parent === null) {
      // No parent guid in the event: describe the parent from the child's Parent* fields.
      parent = new ProcNode(guidKey(ev.parentProcessGuid));
      parent.pid = ev.parentProcessId;
      parent.setImage(ev.parentImage);
      parent.commandLine = ev.parentCommandLine;
    }
    const parentName = parent.image.slice(parent.image.lastIndexOf('\\') + 1) || pb.process;
    raise(ctx, meta, h, parent, ev.time, `${parentName} started an unexpected process: ${child.image}`, [evidenceOf(1, ev.recordId, ev.time)], {
      child: { guid: child.guid, pid: child.pid >= 0 ? child.pid : null, image: child.image, commandLine: child.commandLine },
      allowedChildren: pb.cfg.children!.allowed,
    });
  }
}

/** Start of the boot epoch's master smss.exe; NaN when that boot's start was not seen. */
function bootStartOf(h: HostState, epoch: number): number {
  for (const m of h.masters) if (m.epoch === epoch && !m.placeholder) return m.start;
  return NaN;
}

/** The baseline rule when any baseline is configured. */
export function buildBaselineRules(cfg: BaselinesConfig): Rule[] {
  return cfg.length === 0 ? [] : [new ProcessBaselineRule(cfg)];
}
