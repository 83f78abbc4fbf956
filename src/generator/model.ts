// The generator's world: logon sessions and processes of one host, with the identifiers
// Sysmon prints for them (ProcessGuid, LogonGuid, LogonId), rendered to bytes once per object.

import { ByteWriter, enc } from './bytes.js';
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

/**
 * Small per-process byte blocks carved out of shared buffers: one allocation per 64 KB instead of
 * a string and a Buffer per block (with thousands of processes started per second of a boot
 * storm, encoding them was a fifth of the generator's time).
 */
class Slab {
  private readonly w = new ByteWriter(0);
  private start = 0;

  /** A writer with room for maxBytes more. */
  open(maxBytes: number): ByteWriter {
    const w = this.w;
    if (w.off + maxBytes > w.buf.length) {
      w.buf = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, maxBytes));
      w.off = 0;
    }
    this.start = w.off;
    return w;
  }

  /** What was written since open(). */
  close(): Uint8Array {
    const w = this.w;
    return new Uint8Array(w.buf.buffer, w.buf.byteOffset + this.start, w.off - this.start);
  }
}

const SLAB_BYTES = 64 << 10;
const slab = new Slab();

const GUID_MID = enc('-0000-0010');
/** With the '</Data>' that closes UtcTime, which always comes before (render.ts). */
const ID_GUID = enc("</Data><Data Name='ProcessGuid'>");
const ID_PID = enc("</Data><Data Name='ProcessId'>");
const ID_IMAGE = enc("</Data><Data Name='Image'>");
const PARENT_GUID = enc("<Data Name='ParentProcessGuid'>");
const PARENT_PID = enc("</Data><Data Name='ParentProcessId'>");
const PARENT_IMAGE = enc("</Data><Data Name='ParentImage'>");
const PARENT_CMD = enc("</Data><Data Name='ParentCommandLine'>");
const CLOSE = enc('</Data>');
const UNKNOWN_CMD = enc('?');

export class Proc {
  private guidCache: Uint8Array | null = null;
  private guidText: string | null = null;
  private idCache: Uint8Array | null = null;
  private idNoPidCache: Uint8Array | null = null;
  private parentBlockCache: Uint8Array | null = null;
  /** The image path encoded: the catalog's for the usual path, its own for other spellings. */
  readonly imageBytes: Uint8Array;
  /** Index in the host's live list; -1 when not live. */
  liveIndex = -1;
  start = 0;
  exited = false;
  /** It runs: its EventID 1 happened (written or dropped by the host's Sysmon configuration), or it existed before the stream began. */
  created = false;
  /** Its EventID 1 was written: a processor knows it from its creation. */
  logged = false;

  constructor(
    /** '{' and the host's machine id and '-': the ProcessGuid's first 10 bytes. */
    private readonly guidHead: Uint8Array,
    /** The rest of the ProcessGuid: start second and the host's process counter (Sysmon's layout). */
    private readonly startSec: number,
    private readonly counter: number,
    readonly pid: number,
    readonly spec: ImageSpec,
    /** XML-ready image path (usually spec.image; anomalies and decoys use other spellings). */
    readonly image: string,
    /** XML-ready command line, encoded (the catalog's bytes for its command lines). */
    readonly cmdBytes: Uint8Array,
    readonly logon: Logon,
    readonly parent: Proc | null,
    readonly epoch: number,
    readonly role: Role,
  ) {
    this.imageBytes = image === spec.image ? spec.imageBytes : enc(image);
  }

  /** ProcessGuid with braces, built on first use. */
  get guidBytes(): Uint8Array {
    if (this.guidCache === null) {
      const w = slab.open(38);
      w.bytes(this.guidHead);
      w.hex(this.startSec & 0xffff, 4);
      w.byte(45);
      w.hex(this.startSec >>> 16, 4);
      w.bytes(GUID_MID);
      w.hex(this.counter, 8);
      w.byte(125);
      this.guidCache = slab.close();
    }
    return this.guidCache;
  }

  /** ProcessGuid as text, for labels. */
  get guid(): string {
    return (this.guidText ??= String.fromCharCode(...this.guidBytes));
  }

  /**
   * The ProcessGuid, ProcessId and Image Data elements that open most EventIDs, built on first use:
   * one copy per event instead of six. withPid false: the forwarder dropped ProcessId.
   */
  idBlock(withPid: boolean): Uint8Array {
    if (withPid) return (this.idCache ??= this.buildId(true));
    return (this.idNoPidCache ??= this.buildId(false));
  }

  private buildId(withPid: boolean): Uint8Array {
    const guid = this.guidBytes;
    const w = slab.open(guid.length + this.imageBytes.length + 128);
    w.bytes(ID_GUID);
    w.bytes(guid);
    if (withPid) {
      w.bytes(ID_PID);
      w.uint(this.pid);
    }
    w.bytes(ID_IMAGE);
    w.bytes(this.imageBytes);
    w.bytes(CLOSE);
    return slab.close();
  }

  /** Its ParentProcessGuid..ParentCommandLine run, as a child's EventID 1 shows it (built on first use). */
  get parentBlock(): Uint8Array {
    if (this.parentBlockCache === null) {
      const guid = this.guidBytes;
      const cmd = this.role === Role.System ? UNKNOWN_CMD : this.cmdBytes;
      const w = slab.open(guid.length + this.imageBytes.length + cmd.length + 192);
      w.bytes(PARENT_GUID);
      w.bytes(guid);
      w.bytes(PARENT_PID);
      w.uint(this.pid);
      w.bytes(PARENT_IMAGE);
      w.bytes(this.imageBytes);
      w.bytes(PARENT_CMD);
      w.bytes(cmd);
      w.bytes(CLOSE);
      this.parentBlockCache = slab.close();
    }
    return this.parentBlockCache;
  }
}

/** ParentProcessGuid..ParentCommandLine when the parent is unknown (as Sysmon logs early-boot processes). */
export const UNKNOWN_PARENT = enc(
  "<Data Name='ParentProcessGuid'>{00000000-0000-0000-0000-000000000000}</Data><Data Name='ParentProcessId'>0</Data><Data Name='ParentImage'>?</Data><Data Name='ParentCommandLine'>?</Data>",
);

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
