// What a generated host's Sysmon configuration lets it write: every event goes through the
// evaluator `proctree coverage` and replay use (SysmonConfigFilter), with the fields Sysmon would
// log, as plain text. Events whose EventID the configuration logs whole or drops whole (the
// built-in `everything`, `no-exits`) cost no field building. `--sysmon-config` picks one per host,
// by shares (fleet.ts).

import { decodeEntities } from '../decode/entities.js';
import { SysmonConfigFilter } from '../sysmon-config/filter.js';
import type { ResolvedSysmonConfig } from '../sysmon-config/registry.js';
import { basename } from 'node:path';
import { fromUtf8Bytes } from './text.js';

export type Fields = Record<string, string>;

/** A generator string (XML-escaped UTF-8 bytes, one char per byte) or encoded bytes, as the text Sysmon compares. */
export function plain(x: string | Uint8Array): string {
  const s = typeof x === 'string' ? x : Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('latin1');
  return fromUtf8Bytes(s.indexOf('&') === -1 ? s : decodeEntities(s));
}

const EVENT_IDS = [1, 3, 5, 7, 10, 11, 12, 13, 22];

export class HostConfigFilter {
  readonly filter: SysmonConfigFilter;
  /** The name given on the command line, or the file's base name: what labels carry. */
  readonly label: string;
  private readonly constant: (boolean | undefined)[] = [];

  constructor(readonly resolved: ResolvedSysmonConfig) {
    this.filter = new SysmonConfigFilter(resolved.config);
    this.label = resolved.name ?? basename(resolved.source);
    for (const id of EVENT_IDS) this.constant[id] = this.filter.constantDecision(id);
  }

  /** Whether the host writes the event; `fields` is called only when the answer depends on them. */
  logs(eventId: number, fields: () => Fields): boolean {
    const c = this.constant[eventId];
    return c !== undefined ? c : this.filter.isLogged(eventId, fields());
  }
}

/** Shares of a mixed fleet: `swiftonsecurity=0.5,sysmon-modular=0.3,everything=0.2`, or one name or file alone. */
export interface ConfigShare {
  readonly config: ResolvedSysmonConfig;
  readonly share: number;
}

/**
 * Which configuration host i runs: a low-discrepancy walk over the cumulative shares, so that
 * every share is met within one host on any fleet size and the configurations interleave
 * (anomaly kinds are dealt round-robin over hosts: no kind lands on one configuration only).
 */
export function configOfHost(shares: readonly ConfigShare[], i: number, seed: number): number {
  const u = (((seed % 1000) / 1000 + (i + 0.5) * 0.6180339887498949) % 1 + 1) % 1;
  let acc = 0;
  for (let k = 0; k < shares.length; k++) {
    acc += shares[k].share;
    if (u < acc) return k;
  }
  return shares.length - 1;
}
