// Shared judgements of the smss rules: is this image where smss.exe belongs, is this SYSTEM, is
// this a legitimate master. Only called for smss-related events, so clarity beats speed here.

import type { ProcNode } from '../../index/process-node.js';
import { isSmssNode } from '../../index/process-index.js';

/** Lower-cased absolute path with \??\, \\?\, \SystemRoot\, %SystemRoot% and volume device prefixes resolved. */
export function normaliseWindowsPath(path: string, systemRoot: string): { path: string; volumeRelative: boolean } {
  let s = path.trim().toLowerCase().replace(/\//g, '\\');
  const root = systemRoot.toLowerCase().replace(/\\+$/, '');
  if (s.startsWith('\\??\\') || s.startsWith('\\\\?\\')) s = s.slice(4);
  if (s.startsWith('\\systemroot\\')) s = root + s.slice('\\systemroot'.length);
  else if (s.startsWith('%%systemroot%%')) s = root + s.slice('%%systemroot%%'.length);
  else if (s.startsWith('%systemroot%')) s = root + s.slice('%systemroot%'.length);
  else if (s.startsWith('\\device\\harddiskvolume')) {
    const cut = s.indexOf('\\', '\\device\\harddiskvolume'.length);
    return { path: cut === -1 ? s : s.slice(cut), volumeRelative: true };
  }
  return { path: s, volumeRelative: false };
}

export class SmssPaths {
  private readonly expected: string;
  private readonly expectedNoDrive: string;
  constructor(readonly systemRoot: string) {
    this.expected = `${systemRoot.toLowerCase().replace(/\\+$/, '')}\\system32\\smss.exe`;
    this.expectedNoDrive = this.expected.slice(2);
  }

  /** The image is the genuine %SystemRoot%\System32\smss.exe location. */
  isExpected(image: string): boolean {
    const n = normaliseWindowsPath(image, this.systemRoot);
    return n.volumeRelative ? n.path === this.expectedNoDrive : n.path === this.expected;
  }

  get expectedPath(): string {
    return `${this.systemRoot.replace(/\\+$/, '')}\\System32\\smss.exe`;
  }

  /** A master we can trust as a parent: smss at the expected path, started by System or never seen starting. */
  isLegitimateMaster(n: ProcNode): boolean {
    return isSmssNode(n) && this.isExpected(n.image) && (n.master || n.placeholder);
  }
}

/** SYSTEM by LogonId 0x3e7, else by the SID S-1-5-18; undefined when neither is known (names are localised). */
export function isSystemAccount(logonId: string, user: string): boolean | undefined {
  if (logonId !== '') return logonId === '0x3e7';
  if (/^S-1-[0-9-]+$/i.test(user)) return user.toUpperCase() === 'S-1-5-18';
  return undefined;
}

export { isSmssNode };
