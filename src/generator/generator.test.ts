import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { DecodeCounters } from '../decode/counters.js';
import { SysmonDecoder } from '../decode/decoder.js';
import { SysmonEvent } from '../decode/event.js';
import { HAVE_REAL, REAL_SKIP_REASON, realFiles, splitEvents } from '../../test/helpers/real-samples.js';
import { formatBytes } from '../../test/helpers/string-formats.js';
import { ANOMALY_KINDS, DECOY_KINDS } from './anomalies.js';
import { Fleet, type FleetOptions } from './fleet.js';
import { FORMATS, formatter } from './formats.js';
import { RULES } from './labels.js';
import { LinesOutput } from './output.js';
import { fromUtf8Bytes } from './text.js';

interface Rec {
  host: string;
  time: number;
  line: string;
}

function generate(o: Partial<FleetOptions>, max = Infinity): { fleet: Fleet; recs: Rec[] } {
  const fleet = new Fleet(o);
  const sink = new LinesOutput();
  while (!fleet.done) fleet.fill(sink, 10_000, max);
  return { fleet, recs: sink.lines };
}

const SMALL: Partial<FleetOptions> = { hosts: 40, durationSecs: 900, hostEventsPerSec: 0.5, anomalyFraction: 0.4, decoyFraction: 0.5, seed: 5 };
const small = generate(SMALL);

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, trimValues: false });

function dataOf(xml: string): { eid: number; names: string[]; values: Record<string, string>; computer: string } {
  const doc = parser.parse(fromUtf8Bytes(xml)) as { Event: { System: { EventID: string; Computer: string }; EventData: { Data: Array<{ '@Name': string; '#text'?: string }> } } };
  const data = doc.Event.EventData.Data;
  const values: Record<string, string> = {};
  for (const d of data) values[d['@Name']] = d['#text'] ?? '';
  return { eid: Number(doc.Event.System.EventID), names: data.map((d) => d['@Name']), values, computer: doc.Event.System.Computer };
}

describe('generated events', () => {
  it('are deterministic for a seed and differ between seeds', () => {
    const digest = (recs: Rec[]): string => createHash('sha256').update(recs.map((r) => r.line).join('\n')).digest('hex');
    const o: Partial<FleetOptions> = { hosts: 20, durationSecs: 300, hostEventsPerSec: 1, seed: 9 };
    expect(digest(generate(o).recs)).toBe(digest(generate(o).recs));
    expect(digest(generate({ ...o, seed: 10 }).recs)).not.toBe(digest(generate(o).recs));
  });

  it('are well-formed Sysmon XML of every churn EventID, 0.8-2.6 KB each, one per line', () => {
    const byEid = new Map<number, number>();
    for (const r of small.recs.slice(0, 8000)) {
      expect(r.line).not.toContain('\n');
      expect(r.line.length).toBeGreaterThan(800);
      expect(r.line.length).toBeLessThan(2600);
      const d = dataOf(r.line);
      byEid.set(d.eid, (byEid.get(d.eid) ?? 0) + 1);
      expect(d.names[0]).toBe('RuleName');
    }
    expect([...byEid.keys()].sort((a, b) => a - b)).toEqual([1, 3, 5, 7, 10, 11, 12, 13, 22]);
  });

  it.skipIf(!HAVE_REAL)(`carry the field set real Sysmon writes for each EventID and version (${HAVE_REAL ? 'real samples' : REAL_SKIP_REASON})`, () => {
    const real = new Map<string, string[]>();
    for (const f of realFiles('.python-evtx.xml')) {
      for (const ev of splitEvents(readFileSync(f, 'utf8'))) {
        if (!ev.includes('Microsoft-Windows-Sysmon')) continue;
        const eid = /<EventID[^>]*>(\d+)</.exec(ev)?.[1];
        const ver = /<Version>(\d+)</.exec(ev)?.[1];
        real.set(`${eid}/${ver}`, [...ev.matchAll(/<Data Name="(\w+)"/g)].map((m) => m[1]));
      }
    }
    const seen = new Set<string>();
    for (const r of small.recs.slice(0, 20_000)) {
      const key = `${/<EventID>(\d+)</.exec(r.line)?.[1]}/${/<Version>(\d+)</.exec(r.line)?.[1]}`;
      if (seen.has(key) || !real.has(key)) continue;
      seen.add(key);
      const names = dataOf(r.line).names.filter((n) => n !== 'RuleName' || real.get(key)?.includes('RuleName'));
      const hostNoPid = !r.line.includes("<Data Name='ProcessId'>") && (key.startsWith('1/') || key.startsWith('5/'));
      if (!hostNoPid) expect(names, key).toEqual(real.get(key));
    }
    // 22 only appears in the OTRF JSON sample; every other churn EventID has an XML twin.
    expect([...seen].sort()).toEqual(['1/5', '10/3', '11/2', '12/2', '13/2', '3/5', '5/3', '7/3']);
  });

  it('decode through the fast scanner without errors, with the values the reference parser reads', () => {
    const counters = new DecodeCounters();
    const decoder = new SysmonDecoder(counters);
    let read = 0;
    for (const r of small.recs.slice(0, 5000)) {
      const ev = decoder.decodeXml(fromUtf8Bytes(r.line));
      if (ev === null) continue;
      expect(ev).toBeInstanceOf(SysmonEvent);
      const e = ev as SysmonEvent;
      const d = dataOf(r.line);
      expect(e.eventId).toBe(d.eid);
      // A process access (EventID 10) is read for its source, the process that acts.
      expect(e.processGuid).toBe(e.eventId === 10 ? d.values.SourceProcessGUID : d.values.ProcessGuid);
      expect(e.image).toBe(e.eventId === 10 ? d.values.SourceImage : d.values.Image);
      read++;
    }
    expect(read).toBeGreaterThan(1000);
    expect(counters.errorCount).toBe(0);
    expect(counters.fallbackPath).toBe(0);
  });

  it('never give a PID to two live processes of one host and boot (a processor reads the later holder as the end of the earlier)', () => {
    // Exits logged everywhere, so that "live" can be read from the data; a new master (parent System) starts a new boot.
    const { recs } = generate({ ...SMALL, hosts: 60, noExitFraction: 0, seed: 12 });
    const field = (line: string, name: string): string => new RegExp(`<Data Name='${name}'>([^<]*)<`).exec(line)?.[1] ?? '';
    const live = new Map<string, Map<string, string>>();
    const shared: string[] = [];
    for (const r of recs) {
      const eid = /<EventID>(\d+)</.exec(r.line)![1];
      if (eid !== '1' && eid !== '5') continue;
      const pid = field(r.line, 'ProcessId');
      const guid = field(r.line, 'ProcessGuid');
      if (pid === '') continue; // a host whose forwarder drops ProcessId
      if (eid === '1' && field(r.line, 'ParentProcessId') === '4') live.set(r.host, new Map());
      let pids = live.get(r.host);
      if (pids === undefined) live.set(r.host, (pids = new Map()));
      if (eid === '5') {
        if (pids.get(pid) === guid) pids.delete(pid);
        continue;
      }
      const holder = pids.get(pid);
      if (holder !== undefined) shared.push(`${r.host} PID ${pid}: ${holder} and ${guid} (${field(r.line, 'Image')})`);
      pids.set(pid, guid);
    }
    expect(shared).toEqual([]);
  });

  it('are in event-time order per host except the few deliberately late ones (< 2.5 s)', () => {
    const last = new Map<string, number>();
    let late = 0;
    for (const r of small.recs) {
      const prev = last.get(r.host) ?? -Infinity;
      if (r.time < prev) {
        late++;
        expect(prev - r.time).toBeLessThanOrEqual(2500);
      } else last.set(r.host, r.time);
    }
    expect(late).toBeGreaterThan(0);
    expect(late).toBeLessThan(small.recs.length / 200);
  });
});

describe('fleet shape', () => {
  const planned = small.fleet.plans;

  it('plans every anomaly kind and every decoy kind', () => {
    expect(new Set(planned.map((p) => p.anomaly).filter((x) => x !== null))).toEqual(new Set(ANOMALY_KINDS));
    expect(new Set(planned.map((p) => p.decoy).filter((x) => x !== null))).toEqual(new Set(DECOY_KINDS));
  });

  it('labels every rule, each label on a host that had that anomaly', () => {
    const labels = small.fleet.labels();
    expect(new Set(labels.map((l) => l.rule))).toEqual(new Set(RULES));
    const anomalyOf = new Map(planned.map((p) => [p.name, p.anomaly]));
    for (const l of labels) {
      const a = anomalyOf.get(l.host);
      // A renamed smss also proves smss.unexpected-child (allowed_children lists file names).
      expect(a === l.rule || (a === 'smss.path' && l.rule === 'smss.unexpected-child'), `${l.host} ${l.rule} planned ${a}`).toBe(true);
    }
  });

  it('logs the master with parent System (PID 4) and child smss exiting within half a second', () => {
    const master = small.recs.find((r) => r.line.includes("<Data Name='ParentImage'>System</Data>") && r.line.includes('smss.exe</Data>'));
    expect(master).toBeDefined();
    expect(dataOf(master!.line).values.ParentProcessId).toBe('4');
    const starts = new Map<string, number>();
    let exits = 0;
    for (const r of small.recs) {
      if (!r.line.includes("\\smss.exe 000000")) {
        if (r.line.includes('<EventID>5<') && r.line.includes('smss.exe</Data>')) {
          const d = dataOf(r.line);
          const s = starts.get(d.values.ProcessGuid);
          if (s !== undefined && d.values.ProcessGuid !== undefined) {
            exits++;
            const host = small.fleet.plans.find((p) => p.name === r.host);
            if (host?.anomaly === null && host.decoy !== 'child-exit-at-threshold') expect(r.time - s).toBeLessThanOrEqual(500);
          }
        }
        continue;
      }
      if (r.line.includes('<EventID>1<')) starts.set(dataOf(r.line).values.ProcessGuid, r.time);
    }
    expect(exits).toBeGreaterThan(10);
  });

  it('writes no EventID 5 for hosts whose configuration logs no exits', () => {
    const quiet = new Set(planned.filter((p) => !p.traits.exitsLogged).map((p) => p.name));
    expect(quiet.size).toBeGreaterThan(0);
    for (const r of small.recs) if (quiet.has(r.host)) expect(r.line.includes('<EventID>5<')).toBe(false);
  });

  it('reuses boot PIDs across reboots of one host', () => {
    const rebooted = planned.find((p) => p.decoy === 'reboot')!.name;
    const masters = small.recs.filter((r) => r.host === rebooted && r.line.includes("<Data Name='ParentImage'>System</Data>")).map((r) => dataOf(r.line).values);
    expect(masters.length).toBe(2);
    expect(masters[0].ProcessId).toBe(masters[1].ProcessId);
    expect(masters[0].ProcessGuid).not.toBe(masters[1].ProcessGuid);
  });

  it('stops at exactly --events', () => {
    expect(generate({ hosts: 10, durationSecs: 3600, seed: 3 }, 12_345).recs.length).toBe(12_345);
  });
});

describe('output layouts', () => {
  const sample = small.recs.slice(0, 3000);

  it('winlogbeat and nxlog-xml carry the XML unchanged', () => {
    for (const r of sample) {
      const wb = JSON.parse(fromUtf8Bytes(formatBytes(formatter('winlogbeat')!, r.line))) as { event: { original: string; code: string }; winlog: { computer_name: string } };
      expect(wb.event.original).toBe(fromUtf8Bytes(r.line));
      expect(wb.winlog.computer_name.toLowerCase()).toBe(r.host.toLowerCase());
      const nx = JSON.parse(fromUtf8Bytes(formatBytes(formatter('nxlog-xml')!, r.line))) as { EventXML: string; Hostname: string };
      expect(nx.EventXML).toBe(fromUtf8Bytes(r.line));
    }
  });

  it('nxlog-json flattens every Data field to a top-level string key, with Hostname and a numeric EventID', () => {
    for (const r of sample) {
      const flat = JSON.parse(fromUtf8Bytes(formatBytes(formatter('nxlog-json')!, r.line))) as Record<string, unknown>;
      const d = dataOf(r.line);
      expect(flat.EventID).toBe(d.eid);
      expect(String(flat.Hostname).toLowerCase()).toBe(r.host.toLowerCase());
      for (const [k, v] of Object.entries(d.values)) expect(flat[k], k).toBe(v);
    }
  });

  it('has one formatter per advertised format', () => {
    for (const f of FORMATS) expect(typeof formatter(f)).toBe(f === 'xml' ? 'object' : 'function');
  });
});
