// The typed Sysmon event every source produces and every later stage reads.
// One class with every field always present keeps V8's hidden class monomorphic on the hot path;
// absent fields are '' (strings) or -1 (numbers).

import { guidOfWords } from './guid-text.js';

/**
 * Sysmon EventIDs the index and rules read (process creation and termination; process access,
 * for the process that opens another: it acts; registry key or value created or deleted, value
 * set, renamed); every other EventID is counted and skipped.
 */
export function isWantedEventId(id: number): boolean {
  return id === 1 || id === 5 || id === 10 || id === 12 || id === 13 || id === 14;
}

export const SYSMON_PROVIDER = 'Microsoft-Windows-Sysmon';
export const SYSMON_CHANNEL = 'Microsoft-Windows-Sysmon/Operational';

/** SysmonEvent.guidWords: p0-p3 hold processGuid's words, q0-q3 parentProcessGuid's. */
export const GUID_WORDS = { process: 1, parent: 2 } as const;

/**
 * Strings may be slices of the input chunk: whatever outlives the batch (the index) copies them
 * with ownString. Repeated ones (host, image, user) are interned by the decoders.
 */
export class SysmonEvent {
  eventId = 0;
  /** Computer as written in the event. */
  host = '';
  /** Lower-cased, interned host name: host names change case within one fleet. */
  hostKey = '';
  /** EventRecordID; 0 when the layout has none (Sentinel rows). */
  recordId = 0;
  /** Event time (UtcTime) in ms since the Unix epoch. */
  time = 0;

  /**
   * processGuid's text; '' with the GUID_WORDS.process bit set means not made yet: the byte
   * scanner gives a creation's canonical GUIDs as words only (most are never read as text), and
   * the getter renders them on first read, the same characters the decoder would have made.
   */
  processGuidText = '';
  processId = -1;
  image = '';
  originalFileName = '';
  commandLine = '';
  user = '';
  /** LogonId normalised to lower-case hex without padding ('0x3e7'); '' when absent. */
  logonId = '';
  terminalSessionId = -1;

  /** parentProcessGuid's text, as processGuidText (GUID_WORDS.parent, q0-q3). */
  parentProcessGuidText = '';
  parentProcessId = -1;
  parentImage = '';
  parentCommandLine = '';
  parentUser = '';

  /**
   * Which GUIDs the decoder also gave as words (GUID_WORDS bits): the 128 bits of processGuid in
   * p0-p3 and of parentProcessGuid in q0-q3, as the index keys its nodes (decode/guid-words.ts),
   * read from the bytes. Other sources leave them to the index to read from the text.
   */
  guidWords = 0;
  p0 = 0;
  p1 = 0;
  p2 = 0;
  p3 = 0;
  q0 = 0;
  q1 = 0;
  q2 = 0;
  q3 = 0;

  /** Registry events: EventType (SetValue, CreateKey, DeleteValue, RenameKey...), TargetObject, Details, NewName. */
  eventType = '';
  targetObject = '';
  details = '';
  newName = '';

  /** The acting process; for EventID 10 (process access) the source: SourceProcessGUID, SourceProcessId, SourceImage. */
  get processGuid(): string {
    if (this.processGuidText !== '' || (this.guidWords & GUID_WORDS.process) === 0) return this.processGuidText;
    return (this.processGuidText = guidOfWords(this.p0, this.p1, this.p2, this.p3));
  }

  set processGuid(g: string) {
    this.processGuidText = g;
  }

  get parentProcessGuid(): string {
    if (this.parentProcessGuidText !== '' || (this.guidWords & GUID_WORDS.parent) === 0) return this.parentProcessGuidText;
    return (this.parentProcessGuidText = guidOfWords(this.q0, this.q1, this.q2, this.q3));
  }

  set parentProcessGuid(g: string) {
    this.parentProcessGuidText = g;
  }

  /** processGuid !== '' without making its text. */
  hasProcessGuid(): boolean {
    return this.processGuidText !== '' || (this.guidWords & GUID_WORDS.process) !== 0;
  }

  /** parentProcessGuid !== '' without making its text. */
  hasParentProcessGuid(): boolean {
    return this.parentProcessGuidText !== '' || (this.guidWords & GUID_WORDS.parent) !== 0;
  }
}

/** Sysmon EventData names the decoders copy into a SysmonEvent; all other Data elements are ignored. */
export type SysmonFieldName =
  | 'UtcTime'
  | 'ProcessGuid'
  | 'ProcessId'
  | 'Image'
  | 'OriginalFileName'
  | 'CommandLine'
  | 'User'
  | 'LogonId'
  | 'TerminalSessionId'
  | 'ParentProcessGuid'
  | 'ParentProcessId'
  | 'ParentImage'
  | 'ParentCommandLine'
  | 'ParentUser'
  | 'EventType'
  | 'TargetObject'
  | 'Details'
  | 'NewName'
  | 'SourceProcessGUID'
  | 'SourceProcessId'
  | 'SourceImage';
