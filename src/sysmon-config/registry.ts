// Sysmon configurations by name, for commands that take `--sysmon-config NAME|FILE`:
// - `everything`: logs every event (each tag has one empty onmatch="exclude" element).
// - `no-exits`: logs every event but EventID 5 (an empty onmatch="include" ProcessTerminate).
// - `swiftonsecurity`, `sysmon-modular`: the two public configurations most fleets start from,
//   read in place from ../shared/sysmon-configs/ beside the package (or the folder named by
//   PROCTREE_SYSMON_CONFIGS); never copied into this repository.
// Anything else is a file path.

import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SysmonConfigError } from './errors.js';
import { SYSMON_EVENT_TAGS } from './events.js';
import type { SysmonConfig } from './model.js';
import { parseSysmonConfig } from './parse.js';
import { readSysmonConfigTextSync } from './read.js';

export const BUILTIN_SYSMON_CONFIGS = ['everything', 'no-exits'] as const;

/** Public configurations by name -> file name in the shared folder. */
export const SHARED_SYSMON_CONFIG_FILES: Readonly<Record<string, string>> = {
  swiftonsecurity: 'swiftonsecurity-sysmonconfig-export.xml',
  'sysmon-modular': 'olafhartong-sysmon-modular-sysmonconfig.xml',
};

export const SYSMON_CONFIG_NAMES: readonly string[] = [...BUILTIN_SYSMON_CONFIGS, ...Object.keys(SHARED_SYSMON_CONFIG_FILES)];

// src/sysmon-config/ or dist/sysmon-config/ -> the package root.
const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The folder holding the public configurations. */
export function sharedSysmonConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.PROCTREE_SYSMON_CONFIGS;
  return dir !== undefined && dir !== '' ? resolve(dir) : resolve(PACKAGE_ROOT, '..', 'shared', 'sysmon-configs');
}

function builtinText(name: (typeof BUILTIN_SYSMON_CONFIGS)[number]): string {
  const lines = ['<Sysmon schemaversion="4.90">', `  <!-- built-in "${name}" configuration of proctree -->`, '  <EventFiltering>', `    <RuleGroup name="${name}" groupRelation="or">`];
  for (const t of SYSMON_EVENT_TAGS) {
    const onmatch = name === 'no-exits' && t.tag === 'ProcessTerminate' ? 'include' : 'exclude';
    lines.push(`      <${t.tag} onmatch="${onmatch}"/>`);
  }
  lines.push('    </RuleGroup>', '  </EventFiltering>', '</Sysmon>', '');
  return lines.join('\n');
}

export interface ResolvedSysmonConfig {
  /** The name when one was given, else undefined. */
  readonly name?: string;
  /** The file read; undefined for built-in configurations. */
  readonly file?: string;
  /** What errors and reports call it: the file, or `built-in:NAME`. */
  readonly source: string;
  readonly text: string;
  readonly config: SysmonConfig;
}

/**
 * Resolves a name or a file and parses it. A path that exists wins over a name. Throws
 * SysmonConfigError (file and line) for unreadable or invalid configurations.
 */
export function loadSysmonConfig(nameOrFile: string, env: NodeJS.ProcessEnv = process.env): ResolvedSysmonConfig {
  if ((BUILTIN_SYSMON_CONFIGS as readonly string[]).includes(nameOrFile) && !existsSync(nameOrFile)) {
    const name = nameOrFile as (typeof BUILTIN_SYSMON_CONFIGS)[number];
    const source = `built-in:${name}`;
    const text = builtinText(name);
    return { name, source, text, config: parseSysmonConfig(text, source) };
  }
  const shared = SHARED_SYSMON_CONFIG_FILES[nameOrFile];
  if (shared !== undefined && !existsSync(nameOrFile)) {
    const file = resolve(sharedSysmonConfigDir(env), shared);
    if (!existsSync(file)) {
      throw new SysmonConfigError(nameOrFile, [
        { line: 0, message: `the "${nameOrFile}" configuration is read from ${file}, which is not there; set PROCTREE_SYSMON_CONFIGS to the folder holding ${shared}, or pass the file` },
      ]);
    }
    const text = readSysmonConfigTextSync(file);
    return { name: nameOrFile, file, source: file, text, config: parseSysmonConfig(text, file) };
  }
  const text = readSysmonConfigTextSync(nameOrFile);
  return { file: nameOrFile, source: nameOrFile, text, config: parseSysmonConfig(text, nameOrFile) };
}
