// What each smss rule needs Sysmon to log, as data: one probe event per need (a realistic Sysmon
// field set, in the shapes real exports show: ../shared/samples/real/DE_sysmon-3-rdp-tun.evtx and
// the bundled samples/*.xml) and the include condition that makes a configuration log it.
// `proctree coverage` runs the probes through a configuration's filter; later engine work reads
// RULE_NEEDS to know which rules a configuration leaves blind.
//
// The probes are the events the rules judge: the normal session-start chain (master and child
// smss, their children, the child's exit), one smss.exe outside System32 and one unexpected child
// of smss (the anomalies smss.path and smss.unexpected-child exist for, which a configuration can
// drop while it logs the normal chain), and the writes smss.subsystems-registry watches (EventID
// 13 SetValue and 12 DeleteValue for every watched Session Manager value).

import { SMSS_RULE_IDS } from '../rules/smss/ids.js';
import type { Condition } from './model.js';

// The rules a configuration is checked against: every smss rule, named once in the rule set.
export const COVERAGE_RULE_IDS = SMSS_RULE_IDS;
export type CoverageRuleId = (typeof COVERAGE_RULE_IDS)[number];

/** A condition that, inside an onmatch="include" element of `tag`, makes Sysmon log the need. */
export interface IncludeCondition {
  readonly tag: string;
  readonly field: string;
  readonly condition: Condition;
  readonly value: string;
  /** Why this condition (printed as an XML comment in the snippet). */
  readonly comment: string;
}

export interface EventNeed {
  readonly id: string;
  /** What the event is, for people: "master smss creation". */
  readonly label: string;
  /** Groups needs in the table: "process creation", "process exit", "registry write". */
  readonly kind: string;
  readonly eventId: number;
  /** A realistic Sysmon event of this kind, with Sysmon's field names. */
  readonly probe: Readonly<Record<string, string>>;
  readonly include: IncludeCondition;
}

const SYSTEM = 'NT AUTHORITY\\SYSTEM';
const UTC = '2024-03-04 07:00:00.000';
const MS_PRODUCT = 'Microsoft® Windows® Operating System';
const SMSS = 'C:\\Windows\\System32\\smss.exe';
const MASTER_CMD = '\\SystemRoot\\System32\\smss.exe';
// A child smss gets two hexadecimal arguments (session id and a handle); Sysmon keeps the
// trailing space Windows writes.
const CHILD_CMD = '\\SystemRoot\\System32\\smss.exe 000000c4 00000084 ';
const CSRSS_CMD =
  '%%SystemRoot%%\\system32\\csrss.exe ObjectDirectory=\\Windows SharedSection=1024,20480,768 Windows=On SubSystemType=Windows ' +
  'ServerDll=basesrv,1 ServerDll=winsrv:UserServerDllInitialization,3 ServerDll=sxssrv,4 ProfileControl=Off MaxRequestThreads=16';

const MASTER_GUID = '{747f3d01-0003-5ea4-0000-001000005ccd}';
const CHILD_GUID = '{747f3d01-0005-5ea4-0000-001000009aab}';

interface Creation {
  guid: string;
  pid: string;
  image: string;
  description: string;
  originalFileName: string;
  commandLine: string;
  session: string;
  parentGuid: string;
  parentPid: string;
  parentImage: string;
  parentCommandLine: string;
  user?: string;
  logonId?: string;
  integrity?: string;
  product?: string;
  company?: string;
}

function creation(c: Creation): Record<string, string> {
  const system = c.user === undefined;
  return {
    RuleName: '-',
    UtcTime: UTC,
    ProcessGuid: c.guid,
    ProcessId: c.pid,
    Image: c.image,
    FileVersion: '10.0.19041.1 (WinBuild.160101.0800)',
    Description: c.description,
    Product: c.product ?? MS_PRODUCT,
    Company: c.company ?? 'Microsoft Corporation',
    OriginalFileName: c.originalFileName,
    CommandLine: c.commandLine,
    CurrentDirectory: 'C:\\Windows\\system32\\',
    User: c.user ?? SYSTEM,
    LogonGuid: system ? '{747f3d96-3384-5ea5-0000-0020e7030000}' : '{747f3d96-4a12-5ea5-0000-0020b1f60a00}',
    LogonId: c.logonId ?? '0x3e7',
    TerminalSessionId: c.session,
    IntegrityLevel: c.integrity ?? 'System',
    Hashes: 'SHA256=5F48638E3397204C2C63D7B76D025D62302D0E45FC5055C0A692B0BBC7E6B337',
    ParentProcessGuid: c.parentGuid,
    ParentProcessId: c.parentPid,
    ParentImage: c.parentImage,
    ParentCommandLine: c.parentCommandLine,
    ParentUser: c.user ?? SYSTEM,
  };
}

const SMSS_CREATION: IncludeCondition = {
  tag: 'ProcessCreate',
  field: 'Image',
  condition: 'image',
  value: 'smss.exe',
  comment: 'every smss.exe creation, wherever it runs from (smss.path, smss.parent, smss.user, smss.child-no-exit, smss.instances)',
};
const SMSS_CHILDREN: IncludeCondition = {
  tag: 'ProcessCreate',
  field: 'ParentImage',
  condition: 'image',
  value: 'smss.exe',
  comment: 'everything smss.exe starts: csrss, wininit, winlogon and anything unexpected (smss.unexpected-child)',
};
const SMSS_EXIT: IncludeCondition = {
  tag: 'ProcessTerminate',
  field: 'Image',
  condition: 'image',
  value: 'smss.exe',
  comment: 'smss.exe exits: a child smss exits within seconds of its session start (smss.child-no-exit)',
};

function child(
  id: string,
  label: string,
  image: string,
  description: string,
  commandLine: string,
  session: string,
  pid: string,
  guid: string,
  extra: Readonly<Record<string, string>> = {},
): EventNeed {
  const name = image.slice(image.lastIndexOf('\\') + 1);
  return {
    id,
    label,
    kind: 'process creation',
    eventId: 1,
    probe: {
      ...creation({
        guid,
        pid,
        image,
        description,
        originalFileName: name,
        commandLine,
        session,
        parentGuid: CHILD_GUID,
        parentPid: '388',
        parentImage: SMSS,
        parentCommandLine: CHILD_CMD,
      }),
      ...extra,
    },
    include: SMSS_CHILDREN,
  };
}

const PROCESS_NEEDS: readonly EventNeed[] = [
  {
    id: 'master-smss-create',
    label: 'master smss creation',
    kind: 'process creation',
    eventId: 1,
    probe: creation({
      guid: MASTER_GUID,
      pid: '300',
      image: SMSS,
      description: 'Windows Session Manager',
      originalFileName: 'smss.exe',
      commandLine: MASTER_CMD,
      session: '0',
      parentGuid: '{747f3d01-0002-5ea4-0000-001000003dde}',
      parentPid: '4',
      parentImage: 'System',
      parentCommandLine: '',
    }),
    include: SMSS_CREATION,
  },
  {
    id: 'child-smss-create',
    label: 'child smss creation',
    kind: 'process creation',
    eventId: 1,
    probe: creation({
      guid: CHILD_GUID,
      pid: '388',
      image: SMSS,
      description: 'Windows Session Manager',
      originalFileName: 'smss.exe',
      commandLine: CHILD_CMD,
      session: '0',
      parentGuid: MASTER_GUID,
      parentPid: '300',
      parentImage: SMSS,
      parentCommandLine: MASTER_CMD,
    }),
    include: SMSS_CREATION,
  },
  {
    id: 'smss-elsewhere-create',
    label: 'smss.exe started outside System32',
    kind: 'process creation',
    eventId: 1,
    probe: creation({
      guid: '{747f3d01-00f0-5ea4-0000-00100004c2a1}',
      pid: '6120',
      image: 'C:\\ProgramData\\smss.exe',
      description: 'Windows Session Manager',
      originalFileName: 'smss.exe',
      commandLine: 'C:\\ProgramData\\smss.exe',
      session: '0',
      // Started by a scheduled task: a common way to run a dropped binary as SYSTEM.
      parentGuid: '{747f3d01-00e1-5ea4-0000-00100003a0b2}',
      parentPid: '1288',
      parentImage: 'C:\\Windows\\System32\\svchost.exe',
      parentCommandLine: 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule',
    }),
    include: SMSS_CREATION,
  },
  child('csrss-create', 'csrss.exe creation by a child smss', 'C:\\Windows\\System32\\csrss.exe', 'Client Server Runtime Process', CSRSS_CMD, '0', '396', '{747f3d01-0006-5ea4-0000-00100000b99a}'),
  child('wininit-create', 'wininit.exe creation by a child smss', 'C:\\Windows\\System32\\wininit.exe', 'Windows Start-Up Application', 'wininit.exe', '0', '468', '{747f3d01-0007-5ea4-0000-00100000d889}'),
  child('winlogon-create', 'winlogon.exe creation by a child smss', 'C:\\Windows\\System32\\winlogon.exe', 'Windows Logon Application', 'winlogon.exe', '1', '568', '{747f3d01-000a-5ea4-0000-001000013556}'),
  // A third-party program nothing in a configuration would name: does the configuration log
  // what smss starts in general, or only the usual children?
  child(
    'smss-unexpected-child-create',
    'an unexpected program started by smss',
    'C:\\Program Files\\Contoso\\agent.exe',
    'Contoso Agent',
    '"C:\\Program Files\\Contoso\\agent.exe" --service',
    '0',
    '712',
    '{747f3d01-0011-5ea4-0000-0010000214f0}',
    { Product: 'Contoso Agent', Company: 'Contoso Ltd.', FileVersion: '4.2.0.17', Hashes: 'SHA256=0C7D1E6B3A5F49A3E1D0B7C2A9F4E8D6C5B4A3928170F6E5D4C3B2A190807162' },
  ),
  {
    id: 'child-smss-exit',
    label: 'child smss exit',
    kind: 'process exit',
    eventId: 5,
    probe: { RuleName: '-', UtcTime: '2024-03-04 07:00:02.450', ProcessGuid: CHILD_GUID, ProcessId: '388', Image: SMSS, User: SYSTEM },
    include: SMSS_EXIT,
  },
];

/** The Session Manager values smss.subsystems-registry watches, relative to `Session Manager\`, with a value an attacker might write. */
export const WATCHED_SESSION_MANAGER_VALUES: readonly { readonly value: string; readonly details: string }[] = [
  {
    value: 'Subsystems\\Windows',
    details:
      '%%SystemRoot%%\\system32\\csrss.exe ObjectDirectory=\\Windows SharedSection=1024,20480,768 Windows=On SubSystemType=Windows ServerDll=basesrv,1 ServerDll=winsrv:UserServerDllInitialization,3 ServerDll=sxssrv,4 ServerDll=C:\\ProgramData\\svc.dll,5 ProfileControl=Off MaxRequestThreads=16',
  },
  { value: 'Subsystems\\Required', details: 'Binary Data' },
  { value: 'Subsystems\\Optional', details: 'Binary Data' },
  { value: 'Subsystems\\Kmode', details: '\\SystemRoot\\System32\\win32k.sys' },
  { value: 'Subsystems\\Debug', details: 'C:\\ProgramData\\dbg.exe' },
  { value: 'BootExecute', details: 'Binary Data' },
  { value: 'SetupExecute', details: 'Binary Data' },
  { value: 'Execute', details: 'Binary Data' },
  { value: 'S0InitialCommand', details: 'C:\\ProgramData\\init.exe' },
];

/** How Sysmon writes the key (HKEY_LOCAL_MACHINE -> HKLM, ControlSet00N -> CurrentControlSet). */
export const SESSION_MANAGER_KEY = 'HKLM\\System\\CurrentControlSet\\Control\\Session Manager';

function registryNeeds(): EventNeed[] {
  const out: EventNeed[] = [];
  for (const { value, details } of WATCHED_SESSION_MANAGER_VALUES) {
    const include: IncludeCondition = value.startsWith('Subsystems\\')
      ? {
          tag: 'RegistryEvent',
          field: 'TargetObject',
          condition: 'contains',
          value: '\\Control\\Session Manager\\Subsystems\\',
          comment: 'writes under Session Manager\\Subsystems (smss.subsystems-registry); "contains" also covers ControlSet00N and \\REGISTRY\\MACHINE spellings',
        }
      : {
          tag: 'RegistryEvent',
          field: 'TargetObject',
          condition: 'end with',
          value: `\\Control\\Session Manager\\${value}`,
          comment: `writes to Session Manager\\${value} (smss.subsystems-registry)`,
        };
    const common = {
      RuleName: '-',
      UtcTime: '2024-03-04 08:01:43.000',
      ProcessGuid: '{747f3d01-00f3-5ea4-0000-0010000a1c42}',
      ProcessId: '5108',
      Image: 'C:\\Windows\\system32\\reg.exe',
      TargetObject: `${SESSION_MANAGER_KEY}\\${value}`,
    };
    out.push({
      id: `reg-set:${value}`,
      label: `SetValue Session Manager\\${value}`,
      kind: 'registry write',
      eventId: 13,
      probe: { ...common, EventType: 'SetValue', Details: details, User: 'CORP\\admin' },
      include,
    });
    out.push({
      id: `reg-delete:${value}`,
      label: `DeleteValue Session Manager\\${value}`,
      kind: 'registry write',
      eventId: 12,
      probe: { ...common, EventType: 'DeleteValue', User: 'CORP\\admin' },
      include,
    });
  }
  return out;
}

export const EVENT_NEEDS: ReadonlyMap<string, EventNeed> = new Map([...PROCESS_NEEDS, ...registryNeeds()].map((n) => [n.id, n]));

const REGISTRY_NEED_IDS = [...EVENT_NEEDS.keys()].filter((id) => id.startsWith('reg-'));

/** The events each rule judges from. A rule whose needs a configuration drops cannot see what it watches. */
export const RULE_NEEDS: Readonly<Record<CoverageRuleId, readonly string[]>> = {
  'smss.path': ['master-smss-create', 'child-smss-create', 'smss-elsewhere-create'],
  'smss.parent': ['master-smss-create', 'child-smss-create'],
  'smss.user': ['master-smss-create', 'child-smss-create'],
  'smss.child-no-exit': ['child-smss-create', 'child-smss-exit'],
  'smss.instances': ['master-smss-create'],
  'smss.unexpected-child': ['csrss-create', 'wininit-create', 'winlogon-create', 'smss-unexpected-child-create'],
  'smss.subsystems-registry': REGISTRY_NEED_IDS,
};

export function needsOf(rule: CoverageRuleId): EventNeed[] {
  return RULE_NEEDS[rule].map((id) => EVENT_NEEDS.get(id)!);
}
