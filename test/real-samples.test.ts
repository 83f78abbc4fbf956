// Real Sysmon exports (../shared/samples/real, read in place): every file decodes without errors,
// both reference renderings of an .evtx give the same events, and real boots raise nothing.
// Any alert raised on real data would have to be explained here; there is none.

import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../src/alerts/alert.js';
import type { SysmonEvent } from '../src/decode/event.js';
import { DecodeCounters } from '../src/decode/counters.js';
import { parsePipeline } from '../src/pipeline/config.js';
import { Engine } from '../src/engine/engine.js';
import { readEvents } from '../src/pipeline/read-events.js';
import type { ErrorRecord } from '../src/sources/batch.js';
import { HAVE_REAL, REAL_SKIP_REASON, realFiles } from './helpers/real-samples.js';
import { SHARED_REAL, runCli } from './helpers/cli.js';

async function run(path: string) {
  const counters = new DecodeCounters();
  const engine = new Engine(parsePipeline({}));
  const events: SysmonEvent[] = [];
  const errors: ErrorRecord[] = [];
  const alerts: Alert[] = [];
  for await (const b of readEvents([path], { counters, maxEventBytes: 1 << 20 })) {
    events.push(...b.events);
    errors.push(...b.errors);
    engine.process(b.events, alerts);
  }
  engine.finish(alerts);
  return { counters, engine, events, errors, alerts };
}

const GUID_FIELDS = ['processGuid', 'parentProcessGuid'] as const;
function comparable(e: SysmonEvent): Record<string, unknown> {
  const o: Record<string, unknown> = { ...e };
  for (const f of GUID_FIELDS) o[f] = String(o[f]).toLowerCase(); // python-evtx lower-cases GUIDs, evtxexport upper-cases them
  return o;
}

describe.skipIf(!HAVE_REAL)(`real Sysmon samples${HAVE_REAL ? '' : ` (skipped: ${REAL_SKIP_REASON})`}`, () => {
  const renderings = [...realFiles('.python-evtx.xml'), ...realFiles('.evtxexport.txt'), ...realFiles('.jsonl')];

  it.each(renderings.map((f) => [basename(f), f]))('%s decodes without errors and raises no alert', async (_name, file) => {
    const r = await run(file);
    expect(r.errors).toEqual([]);
    expect(r.alerts).toEqual([]);
  });

  it.each(realFiles('.python-evtx.xml').map((f) => [basename(f), f]))('%s: python-evtx and evtxexport renderings give the same events', async (_n, file) => {
    const a = await run(file);
    const b = await run(file.replace('.python-evtx.xml', '.evtxexport.txt'));
    expect(a.events.map(comparable)).toEqual(b.events.map(comparable));
    expect(a.counters.eventsByEventId()).toEqual(b.counters.eventsByEventId());
  });

  it('raises nothing when the whole folder is replayed at once (several captures of one host, each file in three renderings)', () => {
    const r = runCli(['replay', '-q', SHARED_REAL]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
  });

  it('rebuilds the full boot of privesc_unquoted_svc: master under System, children under the master, no exits to judge', async () => {
    const r = await run(realFiles('privesc_unquoted_svc_sysmon_1_11.evtx.python-evtx.xml')[0]);
    const host = r.engine.index.hosts.get('msedgewin10')!;
    const smss = [...host.nodes.values()].filter((n) => n.imageName === 'smss.exe' && !n.placeholder);
    expect(smss.length).toBe(3);
    const master = smss.find((n) => n.master)!;
    expect(master.pid).toBe(300);
    expect(master.parent?.image).toBe('System');
    expect(smss.filter((n) => n.parent === master).map((n) => n.pid).sort()).toEqual([388, 460]);
    expect(master.children!.map((c) => c.imageName).sort()).toEqual(['autochk.exe', 'smss.exe', 'smss.exe']);
    // No EventID 5 in this export: the two child deadlines cannot be judged, and the summary says so.
    expect(host.exitsArmed).toBe(false);
    expect(host.unjudged).toBe(2);
  });

  it('sees the RDP child smss of DE_sysmon-3-rdp-tun exit in time under a master it never saw start', async () => {
    const r = await run(realFiles('DE_sysmon-3-rdp-tun.evtx.python-evtx.xml')[0]);
    const host = [...r.engine.index.hosts.values()][0];
    expect(host.exitsArmed).toBe(true);
    const children = [...host.nodes.values()].filter((n) => n.imageName === 'smss.exe' && !n.placeholder);
    expect(children.length).toBe(2);
    for (const c of children) {
      expect(c.parent?.placeholder).toBe(true);
      expect(c.parent?.pid).toBe(292);
      expect(c.end - c.start).toBeLessThan(30_000);
    }
  });

  it('links OTRF flat-JSON processes by guid although EventID 1 and 5 lack ProcessId', async () => {
    const r = await run(realFiles('empire_dcom_shellwindows_stager_2020-09-18130751.excerpt.jsonl')[0]);
    const creates = r.events.filter((e) => e.eventId === 1);
    expect(creates.length).toBe(8);
    expect(creates.every((e) => e.processId === -1 && e.processGuid !== '')).toBe(true);
    const child = creates.find((e) => e.image.endsWith('smss.exe'))!;
    const node = r.engine.index.hosts.get(child.hostKey)!.nodes.get(child.processGuid)!;
    expect(node.end - node.start).toBe(88);
  });
});
