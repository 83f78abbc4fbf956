// The generator's world: logon sessions and processes of one host, with the identifiers
// Sysmon prints for them (ProcessGuid, LogonGuid, LogonId), rendered to bytes once per object.

import { enc } from './bytes.js';
import type { ImageSpec } from './catalog.js';
import { hex4, hex8 } from './text.js';

/** Who a process runs as: one logon session. */
export class Logon {
  /** User..IntegrityLevel Data elements of EventID 1. */
  readonly block: Uint8Array;
  /** The User value alone (EventID 3). */
  readonly userBytes: Uint8Array;

  constructor(
    /** XML-ready user name (`NT AUTHORITY\SYSTEM`, localised names, `CORP\jdoe`). */
    readonly user: string,
    readonly logonGuid: string,
    /** As the host writes it: '0x3e7' or zero-padded '0x00000000000003e7'. */
    readonly logonId: string,
    readonly session: number,
    readonly integrity: string,
    /** Numeric LogonId, to tell SYSTEM (0x3e7) apart. */
    readonly id: number,
  ) {
    this.userBytes = enc(user);
    this.block = enc(
      `<Data Name='User'>${user}</Data><Data Name='LogonGuid'>${logonGuid}</Data><Data Name='LogonId'>${logonId}</Data>` +
        `<Data Name='TerminalSessionId'>${session}</Data><Data Name='IntegrityLevel'>${integrity}</Data>`,
    );
  }
}

/** The same logon seen from another terminal session (csrss and winlogon of session N run as SYSTEM in session N). */
export function inSession(l: Logon, session: number): Logon {
  return l.session === session ? l : new Logon(l.user, l.logonGuid, l.logonId, session, l.integrity, l.id);
}

/** Process roles the rules care about; everything else is 'other'. */
export const enum Role {
  Other = 0,
  Master = 1,
  ChildSmss = 2,
  System = 3,
  /** An smss process injected by an anomaly that is neither master nor child: does no churn. */
  Rogue = 4,
}

export class Proc {
  /** ProcessGuid with braces. */
  readonly guid: string;
  /** Its ParentProcessGuid..ParentCommandLine run, as a child's EventID 1 shows it (built on first use). */
  private parentBlockCache: Uint8Array | null = null;
  private guidCache: Uint8Array | null = null;
  private idCache: Uint8Array | null = null;
  private idNoPidCache: Uint8Array | null = null;
  /** The image path encoded: the catalog's for the usual path, its own for other spellings. */
  readonly imageBytes: Uint8Array;
  /** Index in the host's live list; -1 when not live. */
  liveIndex = -1;
  start = 0;
  exited = false;
  /** Seen in the output: its EventID 1 was written (or it existed before the stream began). */
  created = false;

  constructor(
    guid: string,
    readonly pid: number,
    readonly spec: ImageSpec,
    /** XML-ready image path (usually spec.image; anomalies and decoys use other spellings). */
    readonly image: string,
    readonly cmdline: string,
    readonly logon: Logon,
    readonly parent: Proc | null,
    readonly epoch: number,
    readonly role: Role,
  ) {
    this.guid = guid;
    this.imageBytes = image === spec.image ? spec.imageBytes : enc(image);
  }

  /** Encoded on first use: process access and DNS events need the GUID alone. */
  get guidBytes(): Uint8Array {
    if (this.guidCache === null) this.guidCache = enc(this.guid);
    return this.guidCache;
  }

  /**
   * The ProcessGuid, ProcessId and Image Data elements that open most EventIDs, built on first use:
   * one copy per event instead of six. withPid false: the forwarder dropped ProcessId.
   */
  idBlock(withPid: boolean): Uint8Array {
    if (withPid) return (this.idCache ??= enc(`<Data Name='ProcessGuid'>${this.guid}</Data><Data Name='ProcessId'>${this.pid}</Data><Data Name='Image'>${this.image}</Data>`));
    return (this.idNoPidCache ??= enc(`<Data Name='ProcessGuid'>${this.guid}</Data><Data Name='Image'>${this.image}</Data>`));
  }

  get parentBlock(): Uint8Array {
    if (this.parentBlockCache === null) {
      const cmd = this.role === Role.System ? '?' : this.cmdline;
      this.parentBlockCache = enc(
        `<Data Name='ParentProcessGuid'>${this.guid}</Data><Data Name='ParentProcessId'>${this.pid}</Data>` +
          `<Data Name='ParentImage'>${this.image}</Data><Data Name='ParentCommandLine'>${cmd}</Data>`,
      );
    }
    return this.parentBlockCache;
  }
}

/** ParentProcessGuid..ParentCommandLine when the parent is unknown (as Sysmon logs early-boot processes). */
export const UNKNOWN_PARENT = enc(
  "<Data Name='ParentProcessGuid'>{00000000-0000-0000-0000-000000000000}</Data><Data Name='ParentProcessId'>0</Data><Data Name='ParentImage'>?</Data><Data Name='ParentCommandLine'>?</Data>",
);

/** Sysmon's ProcessGuid layout: machine id, process start second (low word first), a per-host counter. */
export function processGuid(machine: string, startMs: number, counter: number): string {
  const sec = Math.floor(startMs / 1000) >>> 0;
  return `{${machine}-${hex4(sec & 0xffff)}-${hex4(sec >>> 16)}-0000-0010${hex8(counter)}}`;
}

/** Sysmon's LogonGuid layout: machine id, logon second, 0020 and the LogonId little-endian. */
export function logonGuid(machine: string, logonMs: number, logonId: number): string {
  const sec = Math.floor(logonMs / 1000) >>> 0;
  const le = ((logonId & 0xff) << 24) | (((logonId >>> 8) & 0xff) << 16) | (((logonId >>> 16) & 0xff) << 8) | ((logonId >>> 24) & 0xff);
  return `{${machine}-${hex4(sec & 0xffff)}-${hex4(sec >>> 16)}-0000-0020${hex8(le >>> 0)}}`;
}

export function formatLogonId(id: number, padded: boolean): string {
  const h = id.toString(16);
  return padded ? '0x' + h.padStart(16, '0') : '0x' + h;
}
