// One process in a host's tree. Keyed by ProcessGuid, so PID reuse is harmless.

import { strings } from '../decode/intern.js';

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
