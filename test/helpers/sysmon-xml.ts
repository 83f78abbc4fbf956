// Builds Sysmon event XML for tests and the bundled samples: the full field set of each
// EventID, in the canonical shape Windows renders, with entity escaping. HostLog also gives
// the same events typed (no XML, no decoder), for tests of the index and rules alone.

import { SysmonEvent, isWantedEventId } from '../../src/decode/event.js';
import { fillGuidWords } from '../../src/decode/guid-words.js';

export interface Proc {
  guid: string;
  pid: number;
  image: string;
  commandLine: string;
  user: string;
  logonId: string;
  session: number;
  parent: Proc | null;
  originalFileName?: string;
}

const PROVIDER_GUID = '{5770385f-c22a-43e0-bf4c-06f5698ffbd9}';

export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export function utcTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

function data(fields: [string, string][]): string {
  return fields.map(([k, v]) => (v === '' ? `<Data Name='${k}'/>` : `<Data Name='${k}'>${xmlEscape(v)}</Data>`)).join('');
}

export function eventXml(eventId: number, host: string, recordId: number, timeMs: number, fields: [string, string][], opts: { version?: number; task?: number } = {}): string {
  return (
    `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon' Guid='${PROVIDER_GUID}'/>` +
    `<EventID>${eventId}</EventID><Version>${opts.version ?? 5}</Version><Level>4</Level><Task>${opts.task ?? eventId}</Task><Opcode>0</Opcode>` +
    `<Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='${new Date(timeMs + 3).toISOString().replace('Z', '0000Z')}'/>` +
    `<EventRecordID>${recordId}</EventRecordID><Correlation/><Execution ProcessID='2752' ThreadID='3576'/>` +
    `<Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>${xmlEscape(host)}</Computer><Security UserID='S-1-5-18'/></System>` +
    `<EventData>${data(fields)}</EventData></Event>`
  );
}

/**
 * The typed event a decoder gives for these fields, built directly: what the index and rules
 * see, so that their tests need no XML. null for EventIDs no rule reads (as the decoder).
 */
export function typedEvent(eventId: number, host: string, recordId: number, timeMs: number, fields: [string, string][]): SysmonEvent | null {
  if (!isWantedEventId(eventId)) return null;
  const f = new Map(fields);
  const str = (name: string): string => f.get(name) ?? '';
  const int = (name: string): number => (f.has(name) ? Number(f.get(name)) : -1);
  const e = new SysmonEvent();
  e.eventId = eventId;
  e.host = host;
  e.hostKey = host.toLowerCase();
  e.recordId = recordId;
  e.time = timeMs;
  if (eventId === 10) {
    // A process access: the source acts.
    e.processGuid = str('SourceProcessGUID').toLowerCase();
    e.processId = int('SourceProcessId');
    e.image = str('SourceImage');
    fillGuidWords(e);
    return e;
  }
  e.processGuid = str('ProcessGuid').toLowerCase();
  e.processId = int('ProcessId');
  e.image = str('Image');
  e.user = str('User');
  if (eventId === 1) {
    e.originalFileName = str('OriginalFileName');
    e.commandLine = str('CommandLine');
    e.logonId = f.get('LogonId') ? `0x${parseInt(str('LogonId'), 16).toString(16)}` : '';
    e.terminalSessionId = int('TerminalSessionId');
    e.parentProcessGuid = str('ParentProcessGuid').toLowerCase();
    e.parentProcessId = int('ParentProcessId');
    e.parentImage = str('ParentImage');
    e.parentCommandLine = str('ParentCommandLine');
    e.parentUser = str('ParentUser');
  } else if (eventId !== 5) {
    e.eventType = str('EventType');
    e.targetObject = str('TargetObject');
    e.details = str('Details');
    e.newName = str('NewName');
  }
  fillGuidWords(e);
  return e;
}

/** The fields every event but a creation opens with: rule name, time and the acting process. */
function actor(t: number, p: Proc): [string, string][] {
  return [
    ['RuleName', '-'],
    ['UtcTime', utcTime(t)],
    ['ProcessGuid', p.guid],
    ['ProcessId', String(p.pid)],
    ['Image', p.image],
  ];
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** One event as written: EventID, Sysmon's fields, and the typed event (null for EventIDs no rule reads). */
export interface LoggedEvent {
  eventId: number;
  fields: Readonly<Record<string, string>>;
  typed: SysmonEvent | null;
}

/** One host's log, with deterministic GUIDs and record ids. */
export class HostLog {
  /** Each event as Sysmon XML. */
  readonly events: string[] = [];
  /** The same events typed, without those of EventIDs no rule reads. */
  readonly typed: SysmonEvent[] = [];
  /** Every event with its fields, for filtering through a Sysmon configuration (see loggedBy). */
  readonly written: LoggedEvent[] = [];
  private recordId: number;
  private seq = 0;
  readonly system: Proc;

  constructor(
    readonly host: string,
    private readonly hostNo: number,
    firstRecordId = 1000,
    readonly systemUser = 'NT AUTHORITY\\SYSTEM',
  ) {
    this.recordId = firstRecordId;
    this.system = this.proc(4, 'System', '', null);
  }

  private push(eventId: number, t: number, fields: [string, string][], opts: { version?: number } = {}): void {
    const recordId = this.recordId++;
    this.events.push(eventXml(eventId, this.host, recordId, t, fields, opts));
    const typed = typedEvent(eventId, this.host, recordId, t, fields);
    if (typed !== null) this.typed.push(typed);
    this.written.push({ eventId, fields: Object.fromEntries(fields), typed });
  }

  /**
   * The typed events a host running this Sysmon configuration would send: each event through the
   * configuration's filter (the evaluator coverage, replay and generate share). Record ids stay
   * as written (Sysmon numbers only what it logs; the rules do not care).
   */
  loggedBy(filter: { isLogged(eventId: number, fields: Readonly<Record<string, string | undefined>>): boolean }): SysmonEvent[] {
    return this.written.filter((w) => w.typed !== null && filter.isLogged(w.eventId, w.fields)).map((w) => w.typed!);
  }

  guid(): string {
    this.seq++;
    return `{${hex(0x747f3d00 + this.hostNo, 8)}-${hex(this.seq, 4)}-5ea4-0000-0010${hex(this.seq * 7919, 8)}}`;
  }

  proc(pid: number, image: string, commandLine: string, parent: Proc | null, opts: Partial<Proc> = {}): Proc {
    return {
      guid: this.guid(),
      pid,
      image,
      commandLine,
      user: this.systemUser,
      logonId: '0x3e7',
      session: 0,
      parent,
      ...opts,
    };
  }

  /** EventID 1 for `p` (its parent must be set), returning p. */
  create(t: number, p: Proc): Proc {
    const parent = p.parent ?? this.system;
    const name = p.image.slice(p.image.lastIndexOf('\\') + 1);
    this.push(1, t, [
      ['RuleName', '-'],
      ['UtcTime', utcTime(t)],
      ['ProcessGuid', p.guid],
      ['ProcessId', String(p.pid)],
      ['Image', p.image],
      ['FileVersion', '10.0.19041.1 (WinBuild.160101.0800)'],
      ['Description', name],
      ['Product', 'Microsoft® Windows® Operating System'],
      ['Company', 'Microsoft Corporation'],
      ['OriginalFileName', p.originalFileName ?? name],
      ['CommandLine', p.commandLine],
      ['CurrentDirectory', 'C:\\Windows\\system32\\'],
      ['User', p.user],
      ['LogonGuid', `{747f3d96-3384-5ea5-0000-0020${hex(parseInt(p.logonId, 16) || 0, 8)}}`],
      ['LogonId', p.logonId],
      ['TerminalSessionId', String(p.session)],
      ['IntegrityLevel', 'System'],
      ['Hashes', 'SHA1=9F768C0D0774407564F098145B64565CFFDD8DC4,MD5=858E3DA84C5389952E1AD3701E410F61,SHA256=5F48638E3397204C2C63D7B76D025D62302D0E45FC5055C0A692B0BBC7E6B337,IMPHASH=BC32B6662261DE8469D6EB034C62A6A5'],
      ['ParentProcessGuid', parent.guid],
      ['ParentProcessId', String(parent.pid)],
      ['ParentImage', parent.image],
      ['ParentCommandLine', parent.commandLine],
      ['ParentUser', parent.user],
    ]);
    return p;
  }

  exit(t: number, p: Proc): void {
    this.push(5, t, [...actor(t, p), ['User', p.user]], { version: 3 });
  }

  registrySet(t: number, p: Proc, targetObject: string, details: string): void {
    this.registry(13, 'SetValue', t, p, targetObject, details);
  }

  registryObject(t: number, p: Proc, eventType: 'CreateKey' | 'DeleteKey' | 'DeleteValue', targetObject: string): void {
    this.registry(12, eventType, t, p, targetObject, null);
  }

  private registry(eventId: 12 | 13, eventType: string, t: number, p: Proc, targetObject: string, details: string | null): void {
    const fields: [string, string][] = [
      ['RuleName', '-'],
      ['EventType', eventType],
      ['UtcTime', utcTime(t)],
      ['ProcessGuid', p.guid],
      ['ProcessId', String(p.pid)],
      ['Image', p.image],
      ['TargetObject', targetObject],
    ];
    if (details !== null) fields.push(['Details', details]);
    fields.push(['User', p.user]);
    this.push(eventId, t, fields, { version: 2 });
  }

  /** EventID 10: `source` opens `target` (the source acts). */
  access(t: number, source: Proc, target: Proc, grantedAccess = '0x1010'): void {
    this.push(
      10,
      t,
      [
        ['RuleName', '-'],
        ['UtcTime', utcTime(t)],
        ['SourceProcessGUID', source.guid],
        ['SourceProcessId', String(source.pid)],
        ['SourceThreadId', String(source.pid + 4)],
        ['SourceImage', source.image],
        ['TargetProcessGUID', target.guid],
        ['TargetProcessId', String(target.pid)],
        ['TargetImage', target.image],
        ['GrantedAccess', grantedAccess],
        ['CallTrace', 'C:\\Windows\\SYSTEM32\\ntdll.dll+9c534|C:\\Windows\\System32\\KERNELBASE.dll+2730e'],
        ['SourceUser', source.user],
        ['TargetUser', target.user],
      ],
      { version: 3 },
    );
  }

  /** An event no rule reads (network connection), for realistic mixes. */
  network(t: number, p: Proc, destination: string): void {
    this.push(3, t, [
      ...actor(t, p),
      ['User', p.user],
      ['Protocol', 'tcp'],
      ['Initiated', 'true'],
      ['SourceIsIpv6', 'false'],
      ['SourceIp', '10.0.0.5'],
      ['SourceHostname', '-'],
      ['SourcePort', '49731'],
      ['SourcePortName', '-'],
      ['DestinationIsIpv6', 'false'],
      ['DestinationIp', destination],
      ['DestinationHostname', '-'],
      ['DestinationPort', '443'],
      ['DestinationPortName', 'https'],
    ]);
  }

  /**
   * A normal boot: System -> master smss (-> autochk) -> child smss per session -> csrss +
   * wininit / winlogon; each child exits within half a second. Returns the processes.
   */
  boot(t0: number, opts: { exits: boolean; pids?: number } = { exits: true }): { master: Proc; children: Proc[]; wininit: Proc; winlogon: Proc; services: Proc; lsass: Proc; t: number } {
    const base = opts.pids ?? 300;
    const sys = this.proc(4, 'System', '', null);
    (this as { system: Proc }).system = sys;
    const master = this.create(t0, this.proc(base, 'C:\\Windows\\System32\\smss.exe', '\\SystemRoot\\System32\\smss.exe', sys));
    const autochk = this.create(t0 + 900, this.proc(base + 28, 'C:\\Windows\\System32\\autochk.exe', '\\??\\C:\\Windows\\system32\\autochk.exe *', master));
    if (opts.exits) this.exit(t0 + 1400, autochk);
    const child0 = this.create(t0 + 2100, this.proc(base + 88, 'C:\\Windows\\System32\\smss.exe', '\\SystemRoot\\System32\\smss.exe 000000cc 00000084 ', master));
    this.create(t0 + 2300, this.proc(base + 96, 'C:\\Windows\\System32\\csrss.exe', '%SystemRoot%\\system32\\csrss.exe ObjectDirectory=\\Windows SharedSection=1024,20480,768 Windows=On SubSystemType=Windows ServerDll=basesrv,1 ServerDll=winsrv:UserServerDllInitialization,3 ServerDll=sxssrv,4 ProfileControl=Off MaxRequestThreads=16', child0));
    const wininit = this.create(t0 + 2400, this.proc(base + 168, 'C:\\Windows\\System32\\wininit.exe', 'wininit.exe', child0));
    if (opts.exits) this.exit(t0 + 2450, child0);
    const child1 = this.create(t0 + 2500, this.proc(base + 160, 'C:\\Windows\\System32\\smss.exe', '\\SystemRoot\\System32\\smss.exe 000000d8 00000084 ', master, { session: 1 }));
    this.create(t0 + 2510, this.proc(base + 176, 'C:\\Windows\\System32\\csrss.exe', '%SystemRoot%\\system32\\csrss.exe ObjectDirectory=\\Windows SharedSection=1024,20480,768 Windows=On SubSystemType=Windows ServerDll=basesrv,1 ServerDll=winsrv:UserServerDllInitialization,3 ServerDll=sxssrv,4 ProfileControl=Off MaxRequestThreads=16', child1, { session: 1 }));
    const winlogon = this.create(t0 + 2600, this.proc(base + 268, 'C:\\Windows\\System32\\winlogon.exe', 'winlogon.exe', child1, { session: 1 }));
    if (opts.exits) this.exit(t0 + 2665, child1);
    const services = this.create(t0 + 2800, this.proc(base + 332, 'C:\\Windows\\System32\\services.exe', 'C:\\Windows\\system32\\services.exe', wininit));
    const lsass = this.create(t0 + 2810, this.proc(base + 340, 'C:\\Windows\\System32\\lsass.exe', 'C:\\Windows\\system32\\lsass.exe', wininit));
    return { master, children: [child0, child1], wininit, winlogon, services, lsass, t: t0 + 3000 };
  }
}

export function eventsDocument(events: readonly string[]): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<Events>\n${events.join('\n')}\n</Events>\n`;
}
