// One process in a host's tree. Keyed by ProcessGuid, so PID reuse is harmless.
//
// There is one of these per process a host ran within retention (a million on a fleet of 10k
// hosts), so its layout is about memory: V8 gives each field 8 bytes on 64-bit Node, and a
// field that ever holds a number that is not a small integer gets a 16-byte box per node. The
// booleans, the exit watch and the boot epoch share one small-integer field; times are small
// integers from a process-wide base; the GUID is the packed map key (guid-key.ts) held as four
// 32-bit words in small-integer fields (no string of its own to allocate, copy or visit; a
// GUID kept as text is beside the node, flagged), which the node table compares; image and
// logon facts are shared objects (shared-facts.ts); the parent link and the parent's key share
// a field; the rare per-rule alert bits live beside the node. Readers see the same properties
// as before, through accessors.

import { normaliseWindowsPath } from '../util/windows-path.js';
import { guidOfWords } from '../decode/guid-text.js';
import { PACKED_LENGTH, guidOfKey, keyOfWords, packedWord } from './guid-key.js';
import { type ImageFacts, type LogonFacts, NO_IMAGE, NO_LOGON, imageFacts, logonFacts } from './shared-facts.js';

export { imageFileName } from './shared-facts.js';

const PLACEHOLDER = 1;
const MASTER = 2;
const CLOSED_AT_REBOOT = 4;
const EVICTABLE = 8;
const EVICTED = 16;
/** `start` / `end` hold the time itself: it is too far from the base, or not whole ms. */
const START_ABSOLUTE = 32;
const END_ABSOLUTE = 64;
/** Some rule alerted on the node: its bits are in `alertedBits`. */
const ALERTED = 128;
/** The epoch is too large for the bits above the flags: it is in `largeEpochs`. */
const EPOCH_ASIDE = 1024;
/** exitWatch in two bits. */
const WATCH_SHIFT = 8;
const WATCH_BITS = 3 << WATCH_SHIFT;
/** parentPid is not the linked parent's PID (or -1 with none linked): it is in `parentPidsAside`. */
const PARENT_PID_ASIDE = 2048;
/** The key is not a packed GUID (guid-key.ts keeps it as written): it is in `textKeys` (absent: ''). */
const TEXT_KEY = 4096;
/** The boot epoch above the flags, up to 2^18 - 1 (beyond, EPOCH_ASIDE). */
const EPOCH_SHIFT = 13;
const FLAG_BITS = (1 << EPOCH_SHIFT) - 1;

/**
 * Times are kept as ms from this base, set by the first time stored: V8 keeps an integer of
 * 31 bits in the field itself, a time in ms since 1970 needs a box. Times more than ~12 days
 * from the base (an old capture replayed beside a new one) are kept whole, flagged.
 */
let timeBase = NaN;
const NEAR = 2 ** 30;

/** ProcNode.parentPid of the few nodes where it is not the linked parent's PID (or -1 with no parent linked). */
const parentPidsAside = new WeakMap<ProcNode, number>();

/** ProcNode.key of the few nodes whose key is not a packed GUID, but for '' (guid-key.ts). */
const textKeys = new WeakMap<ProcNode, string>();

/** ProcNode.alerted of the few nodes a rule alerted on. */
const alertedBits = new WeakMap<ProcNode, number>();
const MAX_PACKED_EPOCH = 2 ** (31 - EPOCH_SHIFT) - 1;
/** Epochs past MAX_PACKED_EPOCH (only hostile input boots a host that often). */
const largeEpochs = new WeakMap<ProcNode, number>();

/** The raw field value for time `t`, or undefined when `t` must be kept as it is. */
function relative(t: number): number | undefined {
  if (timeBase !== timeBase) {
    if (!Number.isInteger(t)) return undefined;
    timeBase = t;
  }
  const d = t - timeBase;
  return Number.isInteger(d) && d < NEAR && d > -NEAR ? d : undefined;
}

export class ProcNode {
  /**
   * The packed key (guid-key.ts) as four words (packedWord), first in the object: a lookup in
   * the node table confirms a hit by these, next to the map word it loads anyway. All 0 for a
   * key kept as text (TEXT_KEY). Read only by the node table.
   */
  k0 = 0;
  k1 = 0;
  k2 = 0;
  k3 = 0;
  private ownPid = -1;
  commandLine = '';
  /**
   * Children still in the index, newest first, as a list through the children's own sibling
   * links: adding or removing one touches no array (and a parent allocates none), only the
   * nodes beside it.
   */
  private firstChild: ProcNode | null = null;
  private nextSibling: ProcNode | null = null;
  private prevSibling: ProcNode | null = null;
  private img: ImageFacts = NO_IMAGE;
  private logon: LogonFacts = NO_LOGON;
  /** The linked parent, or while there is none the key of the parent the creation named ('' for none). */
  private up: ProcNode | string = '';
  /** Flag bits, exitWatch and epoch (see the constants above). */
  private bits = PLACEHOLDER;
  /** null: none. Starts as null, not a number, so that V8 keeps small integers unboxed here. */
  private startAt: number | null = null;
  private endAt: number | null = null;
  private record: number | null = null;

  /** `key`: the node-map key (guid-key.ts). */
  constructor(key: string) {
    if (key.length === PACKED_LENGTH) {
      this.k0 = packedWord(key, 0);
      this.k1 = packedWord(key, 1);
      this.k2 = packedWord(key, 2);
      this.k3 = packedWord(key, 3);
    } else {
      this.bits = PLACEHOLDER | TEXT_KEY;
      if (key !== '') textKeys.set(this, key);
    }
  }

  /** A node whose key is the packed key of words w0-w3 (packedWord), built without the key string. */
  static packed(w0: number, w1: number, w2: number, w3: number): ProcNode {
    const n = new ProcNode('');
    n.bits = PLACEHOLDER;
    n.k0 = w0;
    n.k1 = w1;
    n.k2 = w2;
    n.k3 = w3;
    return n;
  }

  /** The key is kept as text, not as the words k0-k3. */
  get hasTextKey(): boolean {
    return (this.bits & TEXT_KEY) !== 0;
  }

  /** The node-map key (guid-key.ts); a new string each time for a packed one. */
  get key(): string {
    if ((this.bits & TEXT_KEY) !== 0) return textKeys.get(this) ?? '';
    return keyOfWords(this.k0, this.k1, this.k2, this.k3);
  }

  get guid(): string {
    if ((this.bits & TEXT_KEY) !== 0) return guidOfKey(textKeys.get(this) ?? '');
    return guidOfWords(this.k0, this.k1, this.k2, this.k3);
  }

  /** The parent's ProcessGuid as the creation event named it; '' when none. */
  get parentGuid(): string {
    return guidOfKey(this.parentKey);
  }

  /** Key (guid-key.ts) of the parent the creation event named; '' when none. */
  get parentKey(): string {
    const u = this.up;
    return typeof u === 'string' ? u : u.key;
  }

  /** Set before linking a parent (a linked parent's key is this key). */
  set parentKey(k: string) {
    if (typeof this.up === 'string') this.up = k;
    else if (this.up.key !== k) {
      const ppid = this.parentPid;
      this.up = k;
      this.parentPid = ppid;
    }
  }

  get parent(): ProcNode | null {
    const u = this.up;
    return typeof u === 'string' ? null : u;
  }

  /** Links or unlinks the parent; parentPid stays what it was. */
  set parent(p: ProcNode | null) {
    const ppid = this.parentPid;
    this.up = p ?? this.parentKey;
    this.parentPid = ppid;
  }

  /** Links `p` as the parent that the creation event named with PID `ppid`. */
  linkParent(p: ProcNode, ppid: number): void {
    this.up = p;
    this.parentPid = ppid;
  }

  /** Children still in the index, in the order they were added; null: none. A new array each time. */
  get children(): ProcNode[] | null {
    if (this.firstChild === null) return null;
    const out: ProcNode[] = [];
    for (let c: ProcNode | null = this.firstChild; c !== null; c = c.nextSibling) out.push(c);
    return out.reverse();
  }

  get hasChildren(): boolean {
    return this.firstChild !== null;
  }

  /** Puts `c` among the children (its parent link is the caller's: linkParent). */
  addChild(c: ProcNode): void {
    const f = this.firstChild;
    c.nextSibling = f;
    c.prevSibling = null;
    if (f !== null) f.prevSibling = c;
    this.firstChild = c;
  }

  /** Takes child `c` out of the children (its parent link is the caller's). */
  removeChild(c: ProcNode): void {
    const p = c.prevSibling;
    const n = c.nextSibling;
    if (p !== null) p.nextSibling = n;
    else if (this.firstChild === c) this.firstChild = n;
    if (n !== null) n.prevSibling = p;
    c.prevSibling = c.nextSibling = null;
  }

  /** Unlinks every child: none has a parent any more. */
  dropChildren(): void {
    let c = this.firstChild;
    this.firstChild = null;
    while (c !== null) {
      const next: ProcNode | null = c.nextSibling;
      c.prevSibling = c.nextSibling = null;
      c.parent = null;
      c = next;
    }
  }

  /** Process ID; -1 when unknown. */
  get pid(): number {
    return this.ownPid;
  }

  set pid(pid: number) {
    const old = this.ownPid;
    if (pid === old) return;
    this.ownPid = pid;
    // Children that read their parentPid from this node keep the PID their creation named.
    for (let c = this.firstChild; c !== null; c = c.nextSibling) {
      if ((c.bits & PARENT_PID_ASIDE) === 0) {
        c.bits |= PARENT_PID_ASIDE;
        parentPidsAside.set(c, old);
      }
    }
  }

  /**
   * ParentProcessId of the creation event; -1 when none. Not a field of its own: where a parent
   * is linked it is almost always that parent's PID, so it is read from there, and only a value
   * that differs (or one without a linked parent) is kept beside the node.
   */
  get parentPid(): number {
    if ((this.bits & PARENT_PID_ASIDE) !== 0) return parentPidsAside.get(this)!;
    const u = this.up;
    return typeof u === 'string' ? -1 : u.ownPid;
  }

  set parentPid(ppid: number) {
    const u = this.up;
    if (ppid === (typeof u === 'string' ? -1 : u.ownPid)) {
      if ((this.bits & PARENT_PID_ASIDE) !== 0) {
        this.bits &= ~PARENT_PID_ASIDE;
        parentPidsAside.delete(this);
      }
    } else {
      this.bits |= PARENT_PID_ASIDE;
      parentPidsAside.set(this, ppid);
    }
  }

  get image(): string {
    return this.img.image;
  }

  set image(image: string) {
    if (image !== this.img.image) this.img = imageFacts(image, this.img.originalFileName);
  }

  /** The image and original file name as one object, shared by every node that has the same two. */
  get imageFacts(): ImageFacts {
    return this.img;
  }

  /** Lower-cased file name of the image ('smss.exe'), interned. */
  get imageName(): string {
    return this.img.imageName;
  }

  /** smss.exe by its image's file name or its original file name. */
  get isSmss(): boolean {
    return this.img.smss;
  }

  get originalFileName(): string {
    return this.img.originalFileName;
  }

  set originalFileName(name: string) {
    if (name !== this.img.originalFileName) this.img = imageFacts(this.img.image, name);
  }

  get user(): string {
    return this.logon.user;
  }

  set user(user: string) {
    this.setLogon(user, this.logon.logonId, this.logon.sessionId);
  }

  get logonId(): string {
    return this.logon.logonId;
  }

  set logonId(logonId: string) {
    this.setLogon(this.logon.user, logonId, this.logon.sessionId);
  }

  get sessionId(): number {
    return this.logon.sessionId;
  }

  set sessionId(sessionId: number) {
    this.setLogon(this.logon.user, this.logon.logonId, sessionId);
  }

  /** User, logon id and terminal session at once (one shared object for the three). */
  setLogon(user: string, logonId: string, sessionId: number): void {
    const l = this.logon;
    if (l.user !== user || l.logonId !== logonId || l.sessionId !== sessionId) this.logon = logonFacts(user, logonId, sessionId);
  }

  /** Image and original file name at once. */
  setImageFacts(image: string, originalFileName: string): void {
    const i = this.img;
    if (i.image !== image || i.originalFileName !== originalFileName) this.img = imageFacts(image, originalFileName);
  }

  /** Bit per rule that already alerted on this node. */
  get alerted(): number {
    return (this.bits & ALERTED) === 0 ? 0 : (alertedBits.get(this) ?? 0);
  }

  set alerted(rules: number) {
    if (rules === 0) {
      this.bits &= ~ALERTED;
      alertedBits.delete(this);
    } else {
      this.bits |= ALERTED;
      alertedBits.set(this, rules);
    }
  }

  /** Creation time (ms, event time); NaN when only known as someone's parent. */
  get start(): number {
    const r = this.startAt;
    return r === null ? NaN : (this.bits & START_ABSOLUTE) !== 0 ? r : r + timeBase;
  }

  set start(t: number) {
    this.startAt = this.timeField(t, START_ABSOLUTE);
  }

  /** Exit time (ms); NaN while alive. */
  get end(): number {
    const r = this.endAt;
    return r === null ? NaN : (this.bits & END_ABSOLUTE) !== 0 ? r : r + timeBase;
  }

  set end(t: number) {
    this.endAt = this.timeField(t, END_ABSOLUTE);
  }

  /** What a time field holds for `t` (null for NaN), with its ABSOLUTE flag set to match. */
  private timeField(t: number, absolute: number): number | null {
    if (t !== t) return null;
    const d = relative(t);
    this.bits = d === undefined ? this.bits | absolute : this.bits & ~absolute;
    return d ?? t;
  }

  get alive(): boolean {
    return this.endAt === null;
  }

  /** EventRecordID of the creation event; 0 when unknown. */
  get recordId(): number {
    return this.record ?? 0;
  }

  set recordId(id: number) {
    this.record = id === 0 ? null : id;
  }

  /** Known only from a child's Parent* fields; filled in when its own creation event arrives. */
  get placeholder(): boolean {
    return (this.bits & PLACEHOLDER) !== 0;
  }

  set placeholder(on: boolean) {
    this.flag(PLACEHOLDER, on);
  }

  /** An smss.exe whose parent is System (PID 4): the session manager of a boot. */
  get master(): boolean {
    return (this.bits & MASTER) !== 0;
  }

  set master(on: boolean) {
    this.flag(MASTER, on);
  }

  /** Closed as gone at a reboot rather than by an EventID 5. */
  get closedAtReboot(): boolean {
    return (this.bits & CLOSED_AT_REBOOT) !== 0;
  }

  set closedAtReboot(on: boolean) {
    this.flag(CLOSED_AT_REBOOT, on);
  }

  /** Exited and past retention, waiting for its children to leave first. */
  get evictable(): boolean {
    return (this.bits & EVICTABLE) !== 0;
  }

  set evictable(on: boolean) {
    this.flag(EVICTABLE, on);
  }

  /** Removed from the index. */
  get evicted(): boolean {
    return (this.bits & EVICTED) !== 0;
  }

  set evicted(on: boolean) {
    this.flag(EVICTED, on);
  }

  /**
   * smss.child-no-exit's watch on a child smss: WATCH_NONE, WATCH_PENDING (its exit deadline has
   * not been judged yet) or WATCH_UNJUDGED (the deadline passed on a host that does not log its
   * exit: an act after the deadline still proves it lived on).
   */
  get exitWatch(): number {
    return (this.bits & WATCH_BITS) >> WATCH_SHIFT;
  }

  set exitWatch(w: number) {
    this.bits = (this.bits & ~WATCH_BITS) | ((w << WATCH_SHIFT) & WATCH_BITS);
  }

  /** Boot epoch the node belongs to (a new master smss starts a new one). */
  get epoch(): number {
    return (this.bits & EPOCH_ASIDE) === 0 ? this.bits >> EPOCH_SHIFT : largeEpochs.get(this)!;
  }

  set epoch(e: number) {
    if (e >= 0 && e <= MAX_PACKED_EPOCH) {
      this.bits = (this.bits & FLAG_BITS & ~EPOCH_ASIDE) | (e << EPOCH_SHIFT);
      largeEpochs.delete(this);
    } else {
      this.bits = (this.bits & FLAG_BITS) | EPOCH_ASIDE;
      largeEpochs.set(this, e);
    }
  }

  private flag(bit: number, on: boolean): void {
    this.bits = on ? this.bits | bit : this.bits & ~bit;
  }

  setImage(image: string): void {
    this.image = image;
  }
}

export const WATCH_NONE = 0;
export const WATCH_PENDING = 1;
export const WATCH_UNJUDGED = 2;

/**
 * Kinds of image, by where the file is: a host's Sysmon configuration often logs the events of
 * some folders and not others (the public ones log exits under C:\Users only), so what a host
 * logs is learned per kind. Bits of HostState.exitClasses.
 */
export const IMAGE_CLASS = {
  system32: 1,
  windows: 2,
  users: 4,
  programData: 8,
  programFiles: 16,
  other: 32,
} as const;

const classes = new Map<string, number>();
/**
 * The kind of an image path, cached per interned path: the folder under the volume root, once
 * the path is in one spelling (`\??\`, `\SystemRoot\`, `\Device\HarddiskVolumeN\`...);
 * `<root>\System32\...` is System32 whatever the Windows folder is called.
 */
export function imageClass(image: string): number {
  let c = classes.get(image);
  if (c === undefined) {
    const n = normaliseWindowsPath(image, 'C:\\Windows');
    const parts = (!n.volumeRelative && /^[a-z]:\\/.test(n.path) ? n.path.slice(2) : n.path).split('\\');
    const top = parts[0] === '' ? parts[1] ?? '' : '';
    if (parts[0] === '' && parts[2] === 'system32' && parts.length > 3) c = IMAGE_CLASS.system32;
    else if (top === 'windows') c = IMAGE_CLASS.windows;
    else if (top === 'users') c = IMAGE_CLASS.users;
    else if (top === 'programdata') c = IMAGE_CLASS.programData;
    else if (top === 'program files' || top === 'program files (x86)') c = IMAGE_CLASS.programFiles;
    else c = IMAGE_CLASS.other;
    if (classes.size > 200_000) classes.clear();
    classes.set(image, c);
  }
  return c;
}
