// The Sysmon event filter tags (the element names under <EventFiltering>), the EventIDs each one
// filters, what Sysmon does with an EventID whose tag the configuration never mentions, and the
// field names each tag's conditions may use.
//
// Sources (public, read for this module):
// - Sysinternals' Sysmon page, "Event filtering entries" (MicrosoftDocs sysinternals
//   `sysmon.md`): the tag of each EventID; 4, 16 and 255 cannot be filtered.
// - Sysinternals/SysmonCommon `manifest.xml` (schema 4.81, the newest manifest in that repo):
//   each event's `ruledefault`, i.e. what Sysmon does when no element of the configuration
//   applies to it, and each event's fields. `ruledefault="include"`: ProcessCreate (1),
//   ProcessTerminate (5). `ruledefault="exclude"`: FileCreate (11), RegistryEvent (12-14),
//   FileCreateStreamHash (15), PipeEvent (17-18), WmiEvent (19-21), DnsQuery (22).
//   `SysmonCommon/rules.c` FilterEventRules: "Return type default on no rule".
// - The same manifest gives no `ruledefault` for 2, 3, 6, 7, 8, 9, 10, 23-26. Sysmon's page says
//   NetworkConnect (3) and ImageLoad (7) are "disabled by default", and ProcessAccess (10) and
//   pipes need a configuration (`-k`, `-g` take a value); we take "not logged" for all of them
//   except FileCreateTime (2) and DriverLoad (6), which the schema 4.2 manifest (Sysmon 8) marks
//   `ruledefault="include"` and which Sysmon's page lists among what it logs. Those two are marked
//   `uncertain`: no rule of this project reads them.

export interface SysmonEventTag {
  /** Element name under <EventFiltering>, as Sysmon spells it (case matters to Sysmon). */
  readonly tag: string;
  readonly eventIds: readonly number[];
  /** Logged when the configuration has no element of this tag at all. */
  readonly loggedByDefault: boolean;
  /** True where the default above is our reading rather than a documented value. */
  readonly uncertainDefault?: boolean;
  /** Field names a condition may name (Sysmon's spelling); undefined: not checked. */
  readonly fields?: readonly string[];
}

const PROC = ['RuleName', 'UtcTime', 'ProcessGuid', 'ProcessId', 'Image'];

export const SYSMON_EVENT_TAGS: readonly SysmonEventTag[] = [
  {
    tag: 'ProcessCreate',
    eventIds: [1],
    loggedByDefault: true,
    fields: [
      ...PROC,
      'FileVersion', 'Description', 'Product', 'Company', 'OriginalFileName', 'CommandLine', 'CurrentDirectory',
      'User', 'LogonGuid', 'LogonId', 'TerminalSessionId', 'IntegrityLevel', 'Hashes', 'ParentProcessGuid',
      'ParentProcessId', 'ParentImage', 'ParentCommandLine', 'ParentUser',
    ],
  },
  {
    tag: 'FileCreateTime',
    eventIds: [2],
    loggedByDefault: true,
    uncertainDefault: true,
    fields: [...PROC, 'TargetFilename', 'CreationUtcTime', 'PreviousCreationUtcTime', 'User'],
  },
  {
    tag: 'NetworkConnect',
    eventIds: [3],
    loggedByDefault: false,
    fields: [
      ...PROC,
      'User', 'Protocol', 'Initiated', 'SourceIsIpv6', 'SourceIp', 'SourceHostname', 'SourcePort', 'SourcePortName',
      'DestinationIsIpv6', 'DestinationIp', 'DestinationHostname', 'DestinationPort', 'DestinationPortName',
    ],
  },
  { tag: 'ProcessTerminate', eventIds: [5], loggedByDefault: true, fields: [...PROC, 'User'] },
  {
    tag: 'DriverLoad',
    eventIds: [6],
    loggedByDefault: true,
    uncertainDefault: true,
    fields: ['RuleName', 'UtcTime', 'ImageLoaded', 'Hashes', 'Signed', 'Signature', 'SignatureStatus'],
  },
  {
    tag: 'ImageLoad',
    eventIds: [7],
    loggedByDefault: false,
    fields: [
      ...PROC,
      'ImageLoaded', 'FileVersion', 'Description', 'Product', 'Company', 'OriginalFileName', 'Hashes', 'Signed',
      'Signature', 'SignatureStatus', 'User',
    ],
  },
  {
    tag: 'CreateRemoteThread',
    eventIds: [8],
    loggedByDefault: false,
    fields: [
      'RuleName', 'UtcTime', 'SourceProcessGuid', 'SourceProcessId', 'SourceImage', 'TargetProcessGuid',
      'TargetProcessId', 'TargetImage', 'NewThreadId', 'StartAddress', 'StartModule', 'StartFunction', 'SourceUser',
      'TargetUser',
    ],
  },
  { tag: 'RawAccessRead', eventIds: [9], loggedByDefault: false, fields: [...PROC, 'Device', 'User'] },
  {
    tag: 'ProcessAccess',
    eventIds: [10],
    loggedByDefault: false,
    fields: [
      'RuleName', 'UtcTime', 'SourceProcessGUID', 'SourceProcessId', 'SourceThreadId', 'SourceImage',
      'TargetProcessGUID', 'TargetProcessId', 'TargetImage', 'GrantedAccess', 'CallTrace', 'SourceUser', 'TargetUser',
    ],
  },
  { tag: 'FileCreate', eventIds: [11], loggedByDefault: false, fields: [...PROC, 'TargetFilename', 'CreationUtcTime', 'User'] },
  {
    // One tag for three EventIDs: 12 (CreateKey / DeleteKey / DeleteValue ...), 13 (SetValue),
    // 14 (RenameKey). Sysmon applies every RegistryEvent element to all three.
    tag: 'RegistryEvent',
    eventIds: [12, 13, 14],
    loggedByDefault: false,
    fields: ['RuleName', 'EventType', 'UtcTime', 'ProcessGuid', 'ProcessId', 'Image', 'TargetObject', 'Details', 'NewName', 'User'],
  },
  {
    tag: 'FileCreateStreamHash',
    eventIds: [15],
    loggedByDefault: false,
    fields: [...PROC, 'TargetFilename', 'CreationUtcTime', 'Hash', 'Contents', 'User'],
  },
  { tag: 'PipeEvent', eventIds: [17, 18], loggedByDefault: false, fields: ['RuleName', 'EventType', 'UtcTime', 'ProcessGuid', 'ProcessId', 'PipeName', 'Image', 'User'] },
  {
    tag: 'WmiEvent',
    eventIds: [19, 20, 21],
    loggedByDefault: false,
    fields: ['RuleName', 'EventType', 'UtcTime', 'Operation', 'User', 'EventNamespace', 'Name', 'Query', 'Type', 'Destination', 'Consumer', 'Filter'],
  },
  { tag: 'DnsQuery', eventIds: [22], loggedByDefault: false, fields: [...PROC.slice(0, 4), 'QueryName', 'QueryStatus', 'QueryResults', 'Image', 'User'] },
  {
    tag: 'FileDelete',
    eventIds: [23],
    loggedByDefault: false,
    fields: [...PROC.slice(0, 4), 'User', 'Image', 'TargetFilename', 'Hashes', 'IsExecutable', 'Archived'],
  },
  { tag: 'ClipboardChange', eventIds: [24], loggedByDefault: false, fields: [...PROC, 'Session', 'ClientInfo', 'Hashes', 'Archived', 'User'] },
  { tag: 'ProcessTampering', eventIds: [25], loggedByDefault: false, fields: [...PROC, 'Type', 'User'] },
  {
    tag: 'FileDeleteDetected',
    eventIds: [26],
    loggedByDefault: false,
    fields: [...PROC.slice(0, 4), 'User', 'Image', 'TargetFilename', 'Hashes', 'IsExecutable'],
  },
  // Newer than the manifest we read: fields are not checked.
  { tag: 'FileBlockExecutable', eventIds: [27], loggedByDefault: false },
  { tag: 'FileBlockShredding', eventIds: [28], loggedByDefault: false },
  { tag: 'FileExecutableDetected', eventIds: [29], loggedByDefault: false },
];

/**
 * Fields of a multi-EventID tag that one of its EventIDs does not have (the manifest's field
 * lists per event): a condition on them never matches that EventID.
 */
export const FIELDS_ABSENT_FROM: ReadonlyMap<number, readonly string[]> = new Map([
  [12, ['Details', 'NewName']],
  [13, ['NewName']],
  [14, ['Details']],
  [19, ['Type', 'Destination', 'Consumer', 'Filter']],
  [20, ['EventNamespace', 'Query', 'Consumer', 'Filter']],
  [21, ['EventNamespace', 'Name', 'Query', 'Type', 'Destination']],
]);

/** EventIDs Sysmon writes whatever the configuration says (service state, config change, error). */
export const UNFILTERABLE_EVENT_IDS: ReadonlySet<number> = new Set([4, 16, 255]);

const BY_TAG = new Map(SYSMON_EVENT_TAGS.map((t) => [t.tag, t]));
const BY_TAG_LOWER = new Map(SYSMON_EVENT_TAGS.map((t) => [t.tag.toLowerCase(), t]));
const BY_ID = new Map<number, SysmonEventTag>();
for (const t of SYSMON_EVENT_TAGS) for (const id of t.eventIds) BY_ID.set(id, t);

export function eventTag(tag: string): SysmonEventTag | undefined {
  return BY_TAG.get(tag);
}

/** The tag spelled with another case, for an error message that says what was meant. */
export function eventTagIgnoringCase(tag: string): SysmonEventTag | undefined {
  return BY_TAG_LOWER.get(tag.toLowerCase());
}

export function eventTagForId(eventId: number): SysmonEventTag | undefined {
  return BY_ID.get(eventId);
}

/** The field's canonical spelling for this tag, matched without case; undefined when unknown. */
export function canonicalField(tag: SysmonEventTag, field: string): string | undefined {
  if (tag.fields === undefined) return undefined;
  const lower = field.toLowerCase();
  return tag.fields.find((f) => f.toLowerCase() === lower);
}
