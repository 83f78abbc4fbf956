// Shared judgements of the smss rules: is this image where smss.exe belongs, is this SYSTEM, is
// this a legitimate master. Only called for smss-related events, so clarity beats speed here.

import type { ProcNode } from '../../index/process-node.js';
import { isSmssNode } from '../../index/process-index.js';

import { normaliseWindowsPath } from '../../util/windows-path.js';

export { normaliseWindowsPath };

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
