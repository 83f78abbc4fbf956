// `proctree evtx-dump` writes one event per line, whatever the values hold: TAB, LF and CR (a
// PrivilegeList, a multi-line command line) become character references in XML and escapes in
// JSON, and the escaped XML decodes to the very same values, through the test's reference parser
// and through our decoder (fast scanner and fast-xml-parser fallback).

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DecodeCounters } from '../../src/decode/counters.js';
import { SysmonDecoder } from '../../src/decode/decoder.js';
import { SysmonEvent } from '../../src/decode/event.js';
import { decodeWithReferenceParser } from '../../src/decode/reference-xml.js';
import { escapeXml, oneLineJson } from '../../src/decode/xml-escape.js';
import { binaryReader } from '../../src/cli/binary-inputs.js';
import { crc32 } from '../../src/sources/evtx/crc32.js';
import { dumpRecords } from '../../src/sources/evtx/dump.js';
import { renderXml, toJson } from '../../src/sources/evtx/render.js';
import type { RElement } from '../../src/sources/evtx/resolve.js';
import { readEvents } from '../../src/pipeline/read-events.js';
import { runCli } from '../helpers/cli.js';
import { eventXml } from '../helpers/sysmon-xml.js';
import { evtxSamples, flatten, haveSamples, referenceEvents, samplesDir, skipSamplesWhy } from './samples.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'evtx-lines-'));
const RAW_BREAKS = /[\t\n\r\u0085\u2028\u2029]/;

async function records(file: string): Promise<RElement[]> {
  const out: RElement[] = [];
  for await (const item of dumpRecords(file)) if (item.record) out.push(item.record.event);
  return out;
}

function decodeBoth(xml: string): [SysmonEvent, SysmonEvent] {
  const fast = new SysmonDecoder(new DecodeCounters()).decodeXml(xml);
  const reference = decodeWithReferenceParser(xml, new DecodeCounters());
  if (!(fast instanceof SysmonEvent) || !(reference instanceof SysmonEvent)) throw new Error(`not decoded: ${JSON.stringify([fast, reference])}`);
  return [fast, reference];
}

describe('one event per line, by hand', () => {
  const privileges = 'SeAssignPrimaryTokenPrivilege\r\n\t\t\tSeTcbPrivilege\r\n\t\t\tSeSecurityPrivilege';
  const command = 'powershell.exe -c "\n  Get-Process\r\n\t| Out-File x"\u2028end\u0085';

  it('escapes TAB, LF, CR, NEL, U+2028 and U+2029 as character references, in text and attributes', () => {
    const el: RElement = {
      name: 'Event',
      attrs: [],
      children: [
        { name: 'EventData', attrs: [{ name: 'Note', value: 'a\tb\nc\r' }], children: [{ name: 'Data', attrs: [{ name: 'Name', value: 'PrivilegeList' }], children: [privileges] }] },
      ],
    };
    const xml = renderXml(el);
    expect(xml).not.toMatch(RAW_BREAKS);
    expect(xml).toContain('SeAssignPrimaryTokenPrivilege&#13;&#10;&#9;&#9;&#9;SeTcbPrivilege');
    expect(xml).toContain('Note="a&#9;b&#10;c&#13;"');
    const back = referenceEvents(`<Events>${xml}</Events>`)[0];
    expect(flatten(back).get('EventData/Data[PrivilegeList]')).toBe(privileges);
    const json = oneLineJson({ Event: toJson(el), s: command });
    expect(json).not.toMatch(RAW_BREAKS);
    expect(JSON.parse(json)).toEqual({ Event: { EventData: { '#attributes': { Note: 'a\tb\nc\r' }, PrivilegeList: privileges } }, s: command });
    expect(escapeXml('a\tb', true)).toBe('a\tb'); // the generator's rendering is unchanged
  });

  it('decodes an escaped Sysmon event to the same values with the fast scanner and the fallback', () => {
    const fields: [string, string][] = [
      ['UtcTime', '2024-01-01 00:00:00.000'],
      ['ProcessGuid', '{00000000-0000-0000-0000-000000000001}'],
      ['ProcessId', '4242'],
      ['Image', 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe'],
      ['CommandLine', command],
      ['User', 'NT AUTHORITY\\SYSTEM'],
      ['ParentCommandLine', privileges],
    ];
    // eventXml escapes only the five entities; redo its Data values the way evtx-dump writes them.
    const xml = eventXml(1, 'HOST\tX', 7, Date.UTC(2024, 0, 1), fields.map(([k]) => [k, `@@${k}@@`])).replace(/@@(\w+)@@/g, (_m, k: string) =>
      escapeXml(fields.find(([n]) => n === k)![1], false, true),
    ).replace('HOST\tX', 'HOST&#9;X');
    expect(xml).not.toMatch(RAW_BREAKS);
    for (const e of decodeBoth(xml)) {
      expect(e.commandLine).toBe(command);
      expect(e.parentCommandLine).toBe(privileges);
      expect(e.host).toBe('HOST\tX');
    }
  });
});

/**
 * A copy of a real Sysmon .evtx whose command lines hold CR, LF and TAB: the UTF-16LE bytes of a
 * value are changed in place (same length) and the chunk checksums recomputed.
 */
function withLineBreaks(file: string, from: string, to: string): Buffer {
  const buf = Buffer.from(readFileSync(file));
  const a = Buffer.from(from, 'utf16le');
  const b = Buffer.from(to, 'utf16le');
  expect(b.length).toBe(a.length);
  const chunks = new Set<number>();
  for (let i = buf.indexOf(a); i !== -1; i = buf.indexOf(a, i + a.length)) {
    b.copy(buf, i);
    chunks.add(Math.floor((i - 4096) / 65536));
  }
  expect(chunks.size).toBeGreaterThan(0);
  for (const c of chunks) {
    const at = 4096 + c * 65536;
    const chunk = buf.subarray(at, at + 65536);
    chunk.writeUInt32LE(crc32(chunk, 512, chunk.readUInt32LE(48)) >>> 0, 52);
    chunk.writeUInt32LE(crc32(chunk, 128, 512, crc32(chunk, 0, 120)) >>> 0, 124);
  }
  return buf;
}

describe.skipIf(!haveSamples)('evtx-dump of real .evtx files', () => {
  if (!haveSamples) it.skip(skipSamplesWhy, () => undefined);

  it('writes as many lines as records, each one whole event, that parse back to the record values (every sample)', async () => {
    for (const file of evtxSamples()) {
      const recs = await records(file);
      const xml = runCli(['evtx-dump', file]);
      expect(xml.status).toBe(0);
      const lines = xml.stdout.split('\n');
      expect(lines.pop()).toBe('');
      expect(lines.length, file).toBe(recs.length);
      for (const l of lines) expect(l).toMatch(/^<Event[ >].*<\/Event>$/);
      const parsed = referenceEvents(`<Events>${lines.join('\n')}</Events>`);
      expect(parsed.map((e) => Object.fromEntries(flatten(e))), file).toEqual(recs.map((e) => Object.fromEntries(flatten(e))));
      const json = runCli(['evtx-dump', '--format', 'jsonl', file]).stdout.split('\n');
      expect(json.pop()).toBe('');
      expect(json.map((l) => (JSON.parse(l) as { Event: unknown }).Event), file).toEqual(recs.map((e) => toJson(e)));
    }
  });

  it('keeps the multi-line values of System.evtx (omerbenamram) on one line each', async () => {
    const file = path.join(samplesDir, 'omerbenamram_system.evtx');
    const multi = (await records(file)).filter((e) => RAW_BREAKS.test(JSON.stringify(toJson(e)).replace(/\\[nrt]/g, '\n')));
    expect(multi.length).toBeGreaterThanOrEqual(4);
    const r = runCli(['evtx-dump', file]);
    expect(r.stdout).toContain('&#13;&#10;');
  });

  it('a Sysmon command line with CR, LF and TAB: one line, and our decoder gives what the EVTX reader gives', async () => {
    const from = 'SignatureUpdate -ScheduleJob -RestrictPrivileges';
    const to = 'SignatureUpdat\r\n-ScheduleJob\t-RestrictPrivileges';
    const file = path.join(tmp, 'sysmon-multiline.evtx');
    writeFileSync(file, withLineBreaks(path.join(samplesDir, 'omerbenamram_sysmon.evtx'), from, to));
    const direct: SysmonEvent[] = [];
    const counters = new DecodeCounters();
    for await (const b of readEvents([file], { counters, maxEventBytes: 1 << 20, readBinary: binaryReader() })) {
      expect(b.errors).toEqual([]);
      direct.push(...b.events);
    }
    expect(direct.filter((e) => e.commandLine.includes(to)).length).toBeGreaterThanOrEqual(2);

    const dumped = runCli(['evtx-dump', file]).stdout.split('\n');
    dumped.pop();
    expect(dumped.length).toBe(358);
    const decoder = new SysmonDecoder(new DecodeCounters());
    const viaXml = dumped.map((l) => decoder.decodeXml(l)).filter((e): e is SysmonEvent => e instanceof SysmonEvent);
    expect(viaXml).toEqual(direct);
    const viaReference = dumped.map((l) => decodeWithReferenceParser(l, new DecodeCounters())).filter((e): e is SysmonEvent => e instanceof SysmonEvent);
    expect(viaReference).toEqual(direct);

    const json = runCli(['evtx-dump', '--format', 'jsonl', file]).stdout.split('\n');
    json.pop();
    expect(json.length).toBe(358);
    const lines = json.map((l) => JSON.parse(l) as { Event: { EventData?: { CommandLine?: string } } });
    expect(lines.filter((l) => l.Event.EventData?.CommandLine?.includes(to)).length).toBeGreaterThanOrEqual(2);
  });
});
