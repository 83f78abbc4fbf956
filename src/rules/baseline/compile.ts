// Turns the baselines of the pipeline YAML into what the hot path reads: lower-cased sets and
// normalised paths, one RuleMeta per check, and maps from image / OriginalFileName to baseline,
// so that finding a process's baseline is one or two Map lookups.

import type { RuleMeta } from '../../alerts/alert.js';
import type { ProcNode } from '../../index/process-node.js';
import type { ImageFacts } from '../../index/shared-facts.js';
import { normaliseWindowsPath } from '../smss/classify.js';
import { CHECKS, type CheckName } from './checks.js';
import type { BaselineConfig, BaselinesConfig } from './config.js';

/** LogonIds Windows gives its well-known service accounts, by SID: they are not localised, names are. */
const WELL_KNOWN_LOGON_IDS: Record<string, string> = { '0x3e7': 'S-1-5-18', '0x3e5': 'S-1-5-19', '0x3e4': 'S-1-5-20' };

export class CompiledBaseline {
  /** Rule meta of each configured check; null where the baseline does not check it. */
  readonly meta: Record<CheckName, RuleMeta | null>;
  readonly expectedPaths: { full: string[]; noDrive: string[] } | null;
  readonly parentNames: Set<string> | null;
  readonly userSids: Set<string>;
  readonly userNames: Set<string>;
  readonly children: Set<string> | null;
  readonly startWithinMs: number;
  readonly exitsWithinMs: number;

  constructor(readonly cfg: BaselineConfig) {
    const meta = {} as Record<CheckName, RuleMeta | null>;
    for (const c of CHECKS) {
      const check = cfg[c];
      meta[c] = check === undefined ? null : { id: `core.${cfg.process}.${c}`, severity: check.severity ?? cfg.severity, attack: check.attack ?? cfg.attack };
    }
    this.meta = meta;
    if (cfg.path !== undefined) {
      const full = cfg.path.expected.map((p) => normaliseWindowsPath(p, cfg.system_root).path);
      this.expectedPaths = { full, noDrive: full.map((p) => (/^[a-z]:\\/.test(p) ? p.slice(2) : p)) };
    } else this.expectedPaths = null;
    this.parentNames = cfg.parent !== undefined && cfg.parent.names.length > 0 ? lowerSet(cfg.parent.names) : null;
    this.userSids = new Set((cfg.user?.sids ?? []).map((s) => s.toUpperCase()));
    this.userNames = lowerSet(cfg.user?.names ?? []);
    this.children = cfg.children !== undefined ? lowerSet(cfg.children.allowed) : null;
    this.startWithinMs = (cfg.start?.within_boot_secs ?? Infinity) * 1000;
    this.exitsWithinMs = cfg.lifetime?.kind === 'exits-within' ? cfg.lifetime.secs * 1000 : Infinity;
  }

  get process(): string {
    return this.cfg.process;
  }

  /** The image path is one of the expected ones; undefined when the image is not known. */
  pathIsExpected(image: string): boolean | undefined {
    if (image === '' || this.expectedPaths === null) return undefined;
    const n = normaliseWindowsPath(image, this.cfg.system_root);
    return (n.volumeRelative ? this.expectedPaths.noDrive : this.expectedPaths.full).includes(n.path);
  }

  /**
   * The account is one the baseline allows: by LogonId for the well-known service accounts, else
   * by a SID written in User, else by name. undefined when the event says nothing to judge by.
   */
  userIsExpected(logonId: string, user: string): boolean | undefined {
    const sidOfLogon = logonId === '' ? undefined : WELL_KNOWN_LOGON_IDS[logonId];
    if (sidOfLogon !== undefined && this.userSids.has(sidOfLogon)) return true;
    if (user !== '') {
      if (/^S-1-[0-9-]+$/i.test(user)) return this.userSids.has(user.toUpperCase());
      if (this.userNames.has(user.toLowerCase())) return true;
    }
    if (logonId !== '') return false; // a logon session that is none of the allowed accounts
    if (user === '') return undefined;
    // A name only, none of the allowed ones: judged only when names were configured (names are localised).
    return this.userNames.size > 0 ? false : undefined;
  }
}

function lowerSet(names: readonly string[]): Set<string> {
  return new Set(names.map((n) => n.toLowerCase()));
}

/** Baselines by lower-cased image file name and OriginalFileName. */
export class BaselineCatalog {
  readonly all: CompiledBaseline[];
  private readonly byImage = new Map<string, CompiledBaseline>();
  private readonly byOriginal = new Map<string, CompiledBaseline>();
  /** OriginalFileName as written -> lower-cased, so lower-casing happens once per spelling. */
  private readonly lowered = new Map<string, string>();

  constructor(cfg: BaselinesConfig) {
    this.all = cfg.map((b) => new CompiledBaseline(b));
    for (const b of this.all) {
      for (const n of b.cfg.match.image) this.byImage.set(n.toLowerCase(), b);
      for (const n of b.cfg.match.original_file_name) this.byOriginal.set(n.toLowerCase(), b);
    }
  }

  /**
   * The baseline of each image and original file name (the nodes' shared ImageFacts): one lookup
   * by the object instead of up to three by name for every creation, its parent and every node at
   * the end of a replay; null for none. Bounded like the facts themselves.
   */
  private byFacts = new Map<ImageFacts, CompiledBaseline | null>();

  /** The baseline a process is judged by, from its image file name first, then its OriginalFileName. */
  of(n: ProcNode): CompiledBaseline | undefined {
    const facts = n.imageFacts;
    let b = this.byFacts.get(facts);
    if (b === undefined) {
      if (this.byFacts.size >= 200_000) this.byFacts = new Map();
      b = this.byNames(facts.imageName, facts.originalFileName, -1, true) ?? null;
      this.byFacts.set(facts, b);
    }
    if (b === null) return undefined;
    const want = b.cfg.match.pid;
    return want === undefined || want === n.pid ? b : undefined;
  }

  /** As `of`, from a lower-cased image file name, an OriginalFileName as written and a PID (-1 unknown; `anyPid`: not checked). */
  byNames(imageName: string, originalFileName: string, pid: number, anyPid = false): CompiledBaseline | undefined {
    let b = this.byImage.get(imageName);
    if (b === undefined && originalFileName !== '') {
      let lower = this.lowered.get(originalFileName);
      if (lower === undefined) {
        lower = originalFileName.toLowerCase();
        if (this.lowered.size > 10_000) this.lowered.clear();
        this.lowered.set(originalFileName, lower);
      }
      b = this.byOriginal.get(lower);
    }
    if (b === undefined || anyPid) return b;
    const want = b.cfg.match.pid;
    return want === undefined || want === pid ? b : undefined;
  }
}
