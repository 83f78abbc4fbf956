// Facts that many processes share, held once and pointed at by every node that has them: the
// image (path, original file name and the file name the rules compare) and the logon (user,
// logon id, terminal session). A fleet runs the same few hundred images under a few logons per
// host, so one field per node instead of five saves 32 bytes on each. The tables are bounded
// like the interner: dropped when full, which costs duplicates, never correctness (a node keeps
// the object it was given).

import { strings } from '../decode/intern.js';
import { flatCopy } from './guid-key.js';

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

export class ImageFacts {
  /** Lower-cased file name of the image ('smss.exe'), interned. */
  readonly imageName: string;
  /** The image is smss.exe by its file name or its original file name (process-index.ts, isSmssNode). */
  readonly smss: boolean;
  constructor(
    readonly image: string,
    readonly originalFileName: string,
  ) {
    this.imageName = imageFileName(image);
    this.smss = this.imageName === 'smss.exe' || (originalFileName !== '' && originalFileName.toLowerCase() === 'smss.exe');
  }
}

export class LogonFacts {
  constructor(
    readonly user: string,
    readonly logonId: string,
    readonly sessionId: number,
  ) {}
}

const MAX_ENTRIES = 200_000;

/** By image, the facts of each original file name seen with it (almost always one). */
let images = new Map<string, ImageFacts | ImageFacts[]>();
/** By logon id (by user where there is none), the facts of each user and session seen with it. */
let logons = new Map<string, LogonFacts | LogonFacts[]>();

export const NO_IMAGE = new ImageFacts('', '');
export const NO_LOGON = new LogonFacts('', '', -1);

/** The shared facts of an image and original file name. */
export function imageFacts(image: string, originalFileName: string): ImageFacts {
  const hit = images.get(image);
  if (hit === undefined) {
    if (images.size >= MAX_ENTRIES) images = new Map();
    const f = new ImageFacts(image, originalFileName);
    images.set(image, f);
    return f;
  }
  if (!Array.isArray(hit)) {
    if (hit.originalFileName === originalFileName) return hit;
    const f = new ImageFacts(hit.image, originalFileName);
    images.set(image, [hit, f]);
    return f;
  }
  for (const f of hit) if (f.originalFileName === originalFileName) return f;
  const f = new ImageFacts(hit[0].image, originalFileName);
  if (hit.length < 16) hit.push(f);
  return f;
}

/** The shared facts of a logon. */
export function logonFacts(user: string, logonId: string, sessionId: number): LogonFacts {
  const key = logonId !== '' ? logonId : user;
  const hit = logons.get(key);
  if (hit === undefined) {
    if (logons.size >= MAX_ENTRIES) logons = new Map();
    const f = new LogonFacts(user, logonId, sessionId);
    logons.set(key, f);
    return f;
  }
  if (!Array.isArray(hit)) {
    if (hit.user === user && hit.logonId === logonId && hit.sessionId === sessionId) return hit;
    const f = new LogonFacts(user, logonId, sessionId);
    logons.set(key, [hit, f]);
    return f;
  }
  for (const f of hit) if (f.user === user && f.logonId === logonId && f.sessionId === sessionId) return f;
  const f = new LogonFacts(user, logonId, sessionId);
  if (hit.length < 16) hit.push(f);
  return f;
}

/**
 * Command lines, shared like the facts above: a fleet starts the same few thousand command
 * lines over and over (the mission corpus: 71 distinct ones in 81k creations), and a node that
 * shares one keeps no copy of its own (~170 characters each) and allocates nothing. The cache is
 * a table of COMMAND_LINE_SLOTS strings in pairs, found by a hash of the length and a few
 * characters (hashing the whole line, as a Map would, costs more than the copy it saves): a hit
 * costs one comparison of equal strings, a miss the copy it would have cost anyway. Lines longer
 * than SHARED_COMMAND_LINE_MAX are copied for their node only, so the table holds at most a few
 * MB whatever comes in, and nothing that the nodes do not hold themselves on an ordinary stream.
 */
const COMMAND_LINE_SLOTS = 4096;
const SHARED_COMMAND_LINE_MAX = 1024;
const commandLines: string[] = new Array<string>(COMMAND_LINE_SLOTS).fill('');

/** A flat copy of command line `s` (guid-key.ts, flatCopy), shared with other nodes where they have the same. */
export function commandLineOf(s: string): string {
  const n = s.length;
  if (n < 13) return s; // V8 copies substrings this short instead of slicing them
  if (n > SHARED_COMMAND_LINE_MAX) return flatCopy(s);
  // Where unique lines differ (a PID, a GUID, a temp name): mostly at the end.
  let h = Math.imul(n, 0x9e3779b1) ^ s.charCodeAt(n - 1);
  h = Math.imul(h ^ (s.charCodeAt(n - 2) << 8) ^ (s.charCodeAt(n - 3) << 16), 0x85ebca6b);
  h = Math.imul(h ^ s.charCodeAt(n >> 1) ^ (s.charCodeAt(n >> 2) << 8) ^ (s.charCodeAt(n - 7) << 16), 0xc2b2ae35);
  const at = ((h ^ (h >>> 16)) & (COMMAND_LINE_SLOTS - 2)) >>> 0;
  const first = commandLines[at];
  if (first === s) return first;
  const second = commandLines[at + 1];
  if (second === s) return second;
  const own = flatCopy(s);
  commandLines[at + 1] = first;
  commandLines[at] = own;
  return own;
}
