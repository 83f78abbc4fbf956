// Reading a Sysmon configuration file: UTF-8 (with or without BOM) or UTF-16 (Sysmon accepts
// both; Windows tools often save UTF-16LE), then parse.

import { readFile } from 'node:fs/promises';
import { readFileSync, statSync } from 'node:fs';
import { SysmonConfigError } from './errors.js';
import type { SysmonConfig } from './model.js';
import { parseSysmonConfig } from './parse.js';

/** Bytes of a configuration file -> text, by BOM or, without one, by the NULs of UTF-16LE. */
export function decodeConfigBytes(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return b.subarray(2).toString('utf16le');
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return Buffer.from(b.subarray(2)).swap16().toString('utf16le');
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return b.subarray(3).toString('utf8');
  if (b.length >= 4 && b[0] !== 0 && b[1] === 0 && b[3] === 0) return b.toString('utf16le');
  return b.toString('utf8');
}

function unreadable(file: string, e: unknown): SysmonConfigError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a configuration file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
  return new SysmonConfigError(file, [{ line: 0, message: `cannot read the Sysmon configuration: ${why}` }]);
}

export async function readSysmonConfigText(file: string): Promise<string> {
  try {
    return decodeConfigBytes(await readFile(file));
  } catch (e) {
    throw unreadable(file, e);
  }
}

export function readSysmonConfigTextSync(file: string): string {
  try {
    // A device or a FIFO named by mistake (/dev/stdin, a pipe) would block or never end.
    const st = statSync(file);
    if (!st.isFile() && !st.isDirectory()) throw new Error('not a regular file');
    return decodeConfigBytes(readFileSync(file));
  } catch (e) {
    throw unreadable(file, e);
  }
}

/** Reads and parses a configuration file. Throws SysmonConfigError naming the file and line. */
export async function readSysmonConfig(file: string): Promise<SysmonConfig> {
  return parseSysmonConfig(await readSysmonConfigText(file), file);
}
