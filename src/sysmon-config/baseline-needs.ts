// What each core process baseline rule (core.<process>.<check>) needs Sysmon to log, derived from
// the baselines of the pipeline YAML rather than listed by hand: a check's needs follow from what
// the rule reads (src/rules/baseline/process-baseline.ts):
//   path       the process's creation, and one of the same image outside its expected folder
//   parent     the process's creation and its parent's (the tree names the parent from it)
//   user       the process's creation
//   session    the process's creation, and for `expect: parent` the parent's
//   instances  the process's creation and the boot's master smss (instances are counted per
//              boot), and its exits unless it lives as long as the boot (else a dead one counts)
//   lifetime   the process's creation and its exit (EventID 5)
//   children   the creations it starts normally (the allowed children we have probes of) and an
//              unexpected one: does the configuration log what it starts, or only the usual?
//   start      the process's creation and the boot's master smss (the start is boot-relative)
// The probes are shaped as real exports show these processes (../shared/samples/real/:
// explorer.exe from userinit.exe and lsass.exe in privesc_unquoted_svc_sysmon_1_11, services.exe
// and svchost.exe in DE_sysmon-3-rdp-tun and ppl_bypass_ppldump_knowdll_hijack). Where a probe already exists for the smss rules (the smss chain,
// csrss, wininit, winlogon) it is reused, so one configuration line is judged once.

import { CHECKS, type CheckName } from '../rules/baseline/checks.js';
import type { BaselineConfig, BaselinesConfig } from '../rules/baseline/config.js';
import { EVENT_NEEDS, type EventNeed, type IncludeCondition } from './needs.js';

export type BaselineRuleId = `core.${string}`;

export interface BaselineRuleNeeds {
  readonly rule: BaselineRuleId;
  readonly needs: readonly EventNeed[];
}

const SYSTEM_USER = 'NT AUTHORITY\\SYSTEM';
const INTERACTIVE_USER = 'CORP\\alice';
const MS_PRODUCT = 'Microsoft® Windows® Operating System';
const MASTER_SMSS = 'master-smss-create';
const CHILD_SMSS = 'child-smss-create';
/** The scheduled-task svchost that starts the misplaced copies (a common way to run a dropped binary as SYSTEM). */
const TASK_PARENT = {
  ParentProcessGuid: '{747f3d01-00e1-5ea4-0000-00100003a0b2}',
  ParentProcessId: '1288',
  ParentImage: 'C:\\Windows\\System32\\svchost.exe',
  ParentCommandLine: 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule',
};

/** How the normal instance of a process looks where the baseline does not say (command line, description, ids). */
interface Profile {
  readonly description: string;
  readonly commandLine?: string;
  readonly originalFileName?: string;
  readonly pid: string;
  readonly guid: string;
  /** The parent's file name when no baseline parent check names it. */
  readonly parent?: string;
  readonly interactive?: boolean;
  /**
   * Other everyday instances worth a probe of their own, because configurations tune them out
   * by command line while they log the first one (SwiftOnSecurity excludes some 80 svchost
   * command lines): a check sees the process only as far as the configuration logs all of them.
   */
  readonly variants?: readonly { readonly id: string; readonly label: string; readonly commandLine: string; readonly pid: string; readonly guid: string }[];
}

// Command lines and descriptions as the real samples show them (svchost: the Schedule instance,
// the parent TASK_PARENT names; explorer: `C:\Windows\Explorer.EXE`, OriginalFileName EXPLORER.EXE).
const PROFILES: Readonly<Record<string, Profile>> = {
  'services.exe': { description: 'Services and Controller app', pid: '612', guid: '{747f3d01-0008-5ea4-0000-00100000e1d3}' },
  'lsass.exe': { description: 'Local Security Authority Process', pid: '628', guid: '{747f3d01-0009-5ea4-0000-00100000e6f4}' },
  'svchost.exe': {
    description: 'Host Process for Windows Services',
    commandLine: TASK_PARENT.ParentCommandLine,
    pid: TASK_PARENT.ParentProcessId,
    guid: TASK_PARENT.ParentProcessGuid,
    variants: [
      {
        id: 'svchost-wuauserv-create',
        label: 'svchost.exe creation for Windows Update (wuauserv)',
        commandLine: 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s wuauserv',
        pid: '2964',
        guid: '{747f3d01-00e4-5ea4-0000-00100006b1f0}',
      },
    ],
  },
  'userinit.exe': { description: 'Userinit Logon Application', pid: '4536', guid: '{747f3d01-00b0-5ea4-0000-0010001d9c03}', parent: 'winlogon.exe', interactive: true },
  'explorer.exe': {
    description: 'Windows Explorer',
    commandLine: 'C:\\Windows\\Explorer.EXE',
    originalFileName: 'EXPLORER.EXE',
    pid: '4560',
    guid: '{747f3d01-00b1-5ea4-0000-0010009bd301}',
    interactive: true,
  },
};

const lower = (s: string): string => s.toLowerCase();
const fileNameOf = (path: string): string => path.slice(path.lastIndexOf('\\') + 1);
const stemOf = (name: string): string => lower(name).replace(/\.exe$/, '');

/** `%SystemRoot%\x` and `\SystemRoot\x` as Sysmon writes the image: under the system root. */
function expandRoot(path: string, systemRoot: string): string {
  return path.replace(/^%SystemRoot%/i, systemRoot).replace(/^\\SystemRoot(?=\\)/i, systemRoot);
}

/** Builds and caches the needs of one baseline set; needs shared between rules are one object. */
class NeedBuilder {
  private readonly made = new Map<string, EventNeed>();
  private readonly includes = new Map<string, IncludeCondition>();
  private readonly byName = new Map<string, BaselineConfig>();
  /** Creations being built: a parent chain that comes back to one of them (svchost by svchost) stops there. */
  private readonly building = new Set<string>();
  private guidSeq = 0;

  constructor(baselines: BaselinesConfig) {
    for (const b of baselines) for (const n of [...b.match.image, ...b.match.original_file_name]) if (!this.byName.has(lower(n))) this.byName.set(lower(n), b);
  }

  private include(tag: string, field: string, name: string, comment: string): IncludeCondition {
    const key = `${tag}|${field}|${lower(name)}`;
    let c = this.includes.get(key);
    if (c === undefined) this.includes.set(key, (c = { tag, field, condition: 'image', value: name, comment }));
    return c;
  }

  private need(n: EventNeed): EventNeed {
    const known = EVENT_NEEDS.get(n.id) ?? this.made.get(n.id);
    if (known !== undefined) return known;
    this.made.set(n.id, n);
    return n;
  }

  /** The normal creation of a process by file name; undefined for System, which no event creates. */
  creation(name: string): EventNeed | undefined {
    const stem = stemOf(name);
    if (stem === 'system') return undefined;
    if (stem === 'smss') return EVENT_NEEDS.get(CHILD_SMSS);
    const reused = EVENT_NEEDS.get(`${stem}-create`);
    if (reused !== undefined) return reused;
    const cached = this.made.get(`${stem}-create`);
    if (cached !== undefined) return cached;
    if (this.building.has(stem)) return undefined;
    this.building.add(stem);
    try {
      return this.build(name, stem);
    } finally {
      this.building.delete(stem);
    }
  }

  private build(name: string, stem: string): EventNeed {
    const b = this.byName.get(lower(name));
    const profile = PROFILES[lower(name)];
    const systemRoot = b?.system_root ?? 'C:\\Windows';
    const image = expandRoot(b?.path?.expected[0] ?? `%SystemRoot%\\System32\\${name}`, systemRoot);
    const parentNeed = this.parentOf(b, profile);
    const interactive = b?.session?.expect === 'interactive' || (b?.session === undefined && profile?.interactive === true);
    const system = !interactive && (b?.user === undefined || b.user.sids.includes('S-1-5-18') || b.user.names.some((u) => lower(u) === lower(SYSTEM_USER)));
    const user = system ? SYSTEM_USER : b?.user?.names[0] ?? INTERACTIVE_USER;
    const session = b?.session?.expect === 'parent' && parentNeed !== undefined ? parentNeed.probe.TerminalSessionId : interactive ? '1' : '0';
    const guid = profile?.guid ?? `{747f3d01-01${(this.guidSeq++).toString(16).padStart(2, '0')}-5ea4-0000-00100000a000}`;
    const probe: Record<string, string> = {
      RuleName: '-',
      UtcTime: '2024-03-04 07:00:05.000',
      ProcessGuid: guid,
      ProcessId: profile?.pid ?? '900',
      Image: image,
      FileVersion: '10.0.19041.1 (WinBuild.160101.0800)',
      Description: profile?.description ?? name,
      Product: MS_PRODUCT,
      Company: 'Microsoft Corporation',
      OriginalFileName: profile?.originalFileName ?? b?.match.original_file_name[0] ?? name,
      CommandLine: profile?.commandLine ?? image,
      CurrentDirectory: 'C:\\Windows\\system32\\',
      User: user,
      LogonGuid: system ? '{747f3d96-3384-5ea5-0000-0020e7030000}' : '{747f3d96-4a12-5ea5-0000-0020b1f60a00}',
      LogonId: system ? '0x3e7' : '0x1d39b',
      TerminalSessionId: session,
      IntegrityLevel: system ? 'System' : 'Medium',
      Hashes: 'SHA256=2B3C1D8E0F4A5B6C7D8E9F0A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E',
      ...(parentNeed !== undefined ? parentFields(parentNeed.probe) : TASK_PARENT),
      ParentUser: parentNeed?.probe.User ?? SYSTEM_USER,
    };
    return this.need({
      id: `${stem}-create`,
      label: `${name} creation`,
      kind: 'process creation',
      eventId: 1,
      probe,
      include: b !== undefined ? this.imageInclude(b) : this.include('ProcessCreate', 'Image', name, `every ${name} creation (the parent core.* baseline rules judge by)`),
    });
  }

  /** The normal creation and the everyday variants of the process a baseline watches. */
  creations(b: BaselineConfig): EventNeed[] {
    const name = this.nameOf(b);
    const first = this.creation(name);
    if (first === undefined) return [];
    const variants = (PROFILES[lower(name)]?.variants ?? []).map((v) =>
      this.need({
        ...first,
        id: v.id,
        label: v.label,
        probe: { ...first.probe, ProcessGuid: v.guid, ProcessId: v.pid, CommandLine: v.commandLine },
      }),
    );
    return [first, ...variants];
  }

  /** Every creation of the baseline's image, wherever it runs from. */
  private imageInclude(b: BaselineConfig): IncludeCondition {
    const name = this.nameOf(b);
    return this.include('ProcessCreate', 'Image', name, `every ${name} creation, wherever it runs from (core.${b.process} rules)`);
  }

  /** The parent a normal instance has: the session smss for role session-smss, else the first parent name. */
  private parentOf(b: BaselineConfig | undefined, profile: Profile | undefined): EventNeed | undefined {
    if (b?.parent?.role === 'session-smss') return EVENT_NEEDS.get(CHILD_SMSS);
    const name = b?.parent?.names[0] ?? profile?.parent;
    return name === undefined ? undefined : this.creation(name);
  }

  parentCreation(b: BaselineConfig): EventNeed | undefined {
    return b.parent?.role === 'system' ? undefined : this.parentOf(b, PROFILES[lower(this.nameOf(b))]);
  }

  /** A process we can describe: one with a probe of the smss rules, a baseline or a profile. */
  private knows(name: string): boolean {
    return EVENT_NEEDS.has(`${stemOf(name)}-create`) || this.byName.has(lower(name)) || PROFILES[lower(name)] !== undefined;
  }

  nameOf(b: BaselineConfig): string {
    return b.match.image[0] ?? b.match.original_file_name[0];
  }

  /** The process started from outside its expected folders, by a scheduled task. */
  elsewhere(b: BaselineConfig): EventNeed | undefined {
    const normal = this.creation(this.nameOf(b));
    if (normal === undefined) return undefined;
    const name = fileNameOf(normal.probe.Image);
    const image = `C:\\ProgramData\\${name}`;
    return this.need({
      id: `${stemOf(name)}-elsewhere-create`,
      label: `${name} started outside its folder`,
      kind: 'process creation',
      eventId: 1,
      probe: {
        ...normal.probe,
        ProcessGuid: '{747f3d01-00f1-5ea4-0000-00100004c3b2}',
        ProcessId: '6144',
        Image: image,
        CommandLine: image,
        CurrentDirectory: 'C:\\Windows\\system32\\',
        User: SYSTEM_USER,
        LogonId: '0x3e7',
        TerminalSessionId: '0',
        IntegrityLevel: 'System',
        ...TASK_PARENT,
        ParentUser: SYSTEM_USER,
      },
      // Not the normal creation's include: csrss / wininit / winlogon reuse the smss rules' probes,
      // logged by their parent smss, which a misplaced copy does not have.
      include: this.imageInclude(b),
    });
  }

  exit(b: BaselineConfig): EventNeed | undefined {
    const normal = this.creation(this.nameOf(b));
    if (normal === undefined) return undefined;
    const name = this.nameOf(b);
    const p = normal.probe;
    return this.need({
      id: `${stemOf(name)}-exit`,
      label: `${name} exit`,
      kind: 'process exit',
      eventId: 5,
      probe: { RuleName: '-', UtcTime: '2024-03-04 09:12:41.310', ProcessGuid: p.ProcessGuid, ProcessId: p.ProcessId, Image: p.Image, User: p.User },
      include: this.include('ProcessTerminate', 'Image', name, `${name} exits (${exitRules(b).join(', ')})`),
    });
  }

  /** The allowed children we have creation probes of (started by this process), and an unexpected child. */
  children(b: BaselineConfig): EventNeed[] {
    const name = this.nameOf(b);
    const allowed = new Set((b.children?.allowed ?? []).map(lower));
    const normal: EventNeed[] = [];
    const probed = [...allowed].filter((c) => this.knows(c)).map((c) => this.creation(c));
    const candidates = [EVENT_NEEDS.get(MASTER_SMSS)!, ...probed.filter((n): n is EventNeed => n !== undefined)];
    for (const n of candidates) {
      if (allowed.has(lower(fileNameOf(n.probe.Image))) && lower(fileNameOf(n.probe.ParentImage)) === lower(name) && !normal.includes(n)) normal.push(n);
    }
    const parent = this.creation(name);
    const parentFieldsOf = parent !== undefined ? parentFields(parent.probe) : SYSTEM_PARENT;
    const agent = 'C:\\Program Files\\Contoso\\agent.exe';
    const unexpected = this.need({
      id: `${stemOf(name)}-unexpected-child-create`,
      label: `an unexpected program started by ${name}`,
      kind: 'process creation',
      eventId: 1,
      probe: {
        RuleName: '-',
        UtcTime: '2024-03-04 07:03:12.000',
        ProcessGuid: '{747f3d01-0012-5ea4-0000-0010000215a1}',
        ProcessId: '7316',
        Image: agent,
        FileVersion: '4.2.0.17',
        Description: 'Contoso Agent',
        Product: 'Contoso Agent',
        Company: 'Contoso Ltd.',
        OriginalFileName: 'agent.exe',
        CommandLine: `"${agent}" --service`,
        CurrentDirectory: 'C:\\Windows\\system32\\',
        User: parent?.probe.User ?? SYSTEM_USER,
        LogonGuid: parent?.probe.LogonGuid ?? '{747f3d96-3384-5ea5-0000-0020e7030000}',
        LogonId: parent?.probe.LogonId ?? '0x3e7',
        TerminalSessionId: parent?.probe.TerminalSessionId ?? '0',
        IntegrityLevel: parent?.probe.IntegrityLevel ?? 'System',
        Hashes: 'SHA256=0C7D1E6B3A5F49A3E1D0B7C2A9F4E8D6C5B4A3928170F6E5D4C3B2A190807162',
        ...parentFieldsOf,
        ParentUser: parent?.probe.User ?? SYSTEM_USER,
      },
      include: this.include('ProcessCreate', 'ParentImage', name, `everything ${name} starts, usual or not (core.${b.process}.children)`),
    });
    return [...normal, unexpected];
  }

  masterSmss(): EventNeed {
    return EVENT_NEEDS.get(MASTER_SMSS)!;
  }
}

/** System as the master smss's creation names it: PID 4, Image "System", no command line. */
const SYSTEM_PARENT = (() => {
  const m = EVENT_NEEDS.get(MASTER_SMSS)!.probe;
  return { ParentProcessGuid: m.ParentProcessGuid, ParentProcessId: m.ParentProcessId, ParentImage: m.ParentImage, ParentCommandLine: m.ParentCommandLine };
})();

/** A parent's own fields, as its children's Parent* fields. */
function parentFields(p: Readonly<Record<string, string>>): Record<string, string> {
  return { ParentProcessGuid: p.ProcessGuid, ParentProcessId: p.ProcessId, ParentImage: p.Image, ParentCommandLine: p.CommandLine };
}

/** The rules of a baseline that read its exits. */
function exitRules(b: BaselineConfig): string[] {
  const out: string[] = [];
  if (b.lifetime !== undefined) out.push(`core.${b.process}.lifetime`);
  if (b.instances !== undefined && b.lifetime?.kind !== 'boot') out.push(`core.${b.process}.instances`);
  return out;
}

function needsOfCheck(nb: NeedBuilder, b: BaselineConfig, check: CheckName): EventNeed[] {
  const create = nb.creations(b);
  const withCreate = (...more: (EventNeed | undefined)[]): EventNeed[] => [...create, ...more].filter((n): n is EventNeed => n !== undefined);
  switch (check) {
    case 'path':
      return withCreate(nb.elsewhere(b));
    case 'parent':
      return withCreate(nb.parentCreation(b));
    case 'user':
      return withCreate();
    case 'session':
      return withCreate(b.session?.expect === 'parent' ? nb.parentCreation(b) : undefined);
    case 'instances':
      return withCreate(nb.masterSmss(), b.lifetime?.kind === 'boot' ? undefined : nb.exit(b));
    case 'lifetime':
      return withCreate(nb.exit(b));
    case 'children':
      return nb.children(b);
    case 'start':
      return withCreate(nb.masterSmss());
  }
}

/** One row per configured check, in the pipeline's order: core.<process>.<check> and the events it judges from. */
export function baselineRuleNeeds(baselines: BaselinesConfig): BaselineRuleNeeds[] {
  const nb = new NeedBuilder(baselines);
  return baselines.flatMap((b) =>
    CHECKS.filter((c) => b[c] !== undefined).map((c): BaselineRuleNeeds => ({ rule: `core.${b.process}.${c}`, needs: [...new Set(needsOfCheck(nb, b, c))] })),
  );
}
