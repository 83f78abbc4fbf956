// One process in a host's tree. Keyed by ProcessGuid, so PID reuse is harmless.

import { strings } from '../decode/intern.js';
import { normaliseWindowsPath } from '../util/windows-path.js';

export class ProcNode {
  pid = -1;
  image = '';
  /** Lower-cased file name of the image ('smss.exe'), interned. */
  imageName = '';
  originalFileName = '';
  commandLine = '';
  user = '';
  logonId = '';
  sessionId = -1;
  /** Creation time (ms, event time); NaN when only known as someone's parent. */
  start = NaN;
  /** Exit time (ms); NaN while alive. */
  end = NaN;
  /** EventRecordID of the creation event; 0 when unknown. */
  recordId = 0;
  parentGuid = '';
  parentPid = -1;
  parent: ProcNode | null = null;
  /** Children still in the index; swap-removed in O(1) through childIndex. */
  children: ProcNode[] | null = null;
  childIndex = -1;
  /** Known only from a child's Parent* fields; filled in when its own creation event arrives. */
  placeholder = true;
  /** An smss.exe whose parent is System (PID 4): the session manager of a boot. */
  master = false;
  /** Boot epoch the node belongs to (a new master smss starts a new one). */
  epoch = 0;
  /** Closed as gone at a reboot rather than by an EventID 5. */
  closedAtReboot = false;
  /** Bit per rule that already alerted on this node. */
  alerted = 0;
  /**
   * smss.child-no-exit's watch on a child smss: WATCH_NONE, WATCH_PENDING (its exit deadline has
   * not been judged yet) or WATCH_UNJUDGED (the deadline passed on a host that does not log its
   * exit: an act after the deadline still proves it lived on).
   */
  exitWatch = 0;
  /** Exited and past retention, waiting for its children to leave first. */
  evictable = false;
  /** Removed from the index. */
  evicted = false;

  constructor(readonly guid: string) {}

  get alive(): boolean {
    return Number.isNaN(this.end);
  }

  setImage(image: string): void {
    if (image === this.image) return;
    this.image = image;
    this.imageName = imageFileName(image);
  }
}

export const WATCH_NONE = 0;
export const WATCH_PENDING = 1;
export const WATCH_UNJUDGED = 2;

const names = new Map<string, string>();
/** Lower-cased file name of a Windows path, cached per interned path. */
export function imageFileName(image: string): string {
  let n = names.get(image);
  if (n === undefined) {
    const cut = Math.max(image.lastIndexOf('\\'), image.lastIndexOf('/'));
    n = strings.intern(image.slice(cut + 1).toLowerCase());
    if (names.size > 200_000) names.clear();
    names.set(image, n);
  }
  return n;
}

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
