// The generator's world: logon sessions and processes of one host, with the identifiers
// Sysmon prints for them (ProcessGuid, LogonGuid, LogonId), rendered once per object.

import type { ImageSpec } from './catalog.js';
import { hex4, hex8 } from './text.js';

/** Who a process runs as: one logon session. */
export interface Logon {
  /** XML-ready user name (`NT AUTHORITY\SYSTEM`, localised names, `CORP\jdoe`). */
  user: string;
  logonGuid: string;
  /** As the host writes it: '0x3e7' or zero-padded '0x00000000000003e7'. */
  logonId: string;
  session: number;
  integrity: string;
  /** Numeric LogonId, to tell SYSTEM (0x3e7) apart. */
  id: number;
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
  /** ProcessGuid, ProcessId and Image Data elements: the prefix of most EventIDs. */
  readonly idBlock: string;
  /** The same without ProcessId, for hosts whose forwarder drops it on EventID 1 and 5. */
  idBlockNoPid = '';
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
    this.idBlock = `<Data Name='ProcessGuid'>${guid}</Data><Data Name='ProcessId'>${pid}</Data><Data Name='Image'>${image}</Data>`;
  }
}

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
