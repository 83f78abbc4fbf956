// Facts that many processes share, held once and pointed at by every node that has them: the
// image (path, original file name and the file name the rules compare) and the logon (user,
// logon id, terminal session). A fleet runs the same few hundred images under a few logons per
// host, so one field per node instead of five saves 32 bytes on each. The tables are bounded
// like the interner: dropped when full, which costs duplicates, never correctness (a node keeps
// the object it was given).

import { strings } from '../decode/intern.js';

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
  constructor(
    readonly image: string,
    readonly originalFileName: string,
  ) {
    this.imageName = imageFileName(image);
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
