// Every fuzz finding, as the smallest input that showed it (minimised by fast-check's shrinking,
// then written out by hand), with the behaviour it must have now. docs/fuzzing.md lists them.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { DecodeCounters } from '../../src/decode/counters.js';
import { ConfigError, loadPipeline } from '../../src/pipeline/config.js';
import { DLQ_HEADERS, deadLetter } from '../../src/sinks/kafka/dead-letter.js';
import { renderXml, xmlName } from '../../src/sources/evtx/render.js';
import { readFiles } from '../../src/sources/files/read-files.js';
import { binaryReader } from '../../src/cli/binary-inputs.js';
import { runCli } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'proctree-fuzz-reg-'));

function file(name: string, content: string | Buffer): string {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
}

async function expectConfigError(text: string, pattern: RegExp): Promise<void> {
  const p = file('p.yaml', text);
  const err = await loadPipeline(p).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  const lines = (err as ConfigError).message.split('\n');
  for (const l of lines) expect(l.startsWith(`${p}: `), l).toBe(true);
  expect((err as ConfigError).message).toMatch(pattern);
}

describe('fuzz findings', () => {
  // evtx target: a record carved from a damaged chunk (--recover) had element and attribute
  // names with LF, NUL and '<' in them; evtx-dump wrote them raw, so the "one line" was several
  // lines of XML that no parser accepts. Names are now encoded as XmlConvert.EncodeName does.
  it('evtx-dump writes names from a damaged record as valid XML names, on one line', () => {
    const xml = renderXml({
      name: 'Data\n\u0000<x',
      attrs: [
        { name: 'Name', value: 'a' },
        { name: '1 bad\nname', value: 'v' },
        { name: 'Name', value: 'repeated' },
        { name: '', value: 'empty name' },
      ],
      children: [{ name: 'Ёａ\u0006', attrs: [], children: ['text'] }],
    });
    expect(xml).not.toMatch(/[\r\n]/);
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toBe('<Data_x000A__x0000__x003C_x Name="a" _x0031__x0020_bad_x000A_name="v" _="empty name"><Ёａ_x0006_>text</Ёａ_x0006_></Data_x000A__x0000__x003C_x>');
    expect(xmlName('Event')).toBe('Event');
    expect(xmlName('x:Event')).toBe('x:Event');
  });

  // evtx target: a file of just "ElfFile\0" (an .evtx cut short in its header) was sniffed as
  // EVTX and then refused as "not an EVTX file": replay died with a stack trace, exit 1.
  it('an .evtx cut short inside its header is a truncated-file record, and replay exits 0', async () => {
    const p = file('short.evtx', Buffer.from('ElfFile\0'));
    const counters = new DecodeCounters();
    const reasons: string[] = [];
    for await (const b of readFiles([p], { counters, maxEventBytes: 1 << 20, readBinary: binaryReader() })) reasons.push(...b.errors.map((e) => e.reason));
    expect(reasons).toEqual(['truncated-file']);
    const r = runCli(['replay', '--no-progress', p]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('decode errors: 1 (truncated-file:1)');
    expect(runCli(['evtx-dump', p]).status).toBe(0);
  });

  // kafka-message target: a message with a header named __proto__ lost it in its dead letter
  // (the headers object's prototype was set instead). Repeated headers arrive as arrays.
  it('a dead letter keeps every original header, __proto__ and repeated ones included', () => {
    const headers = Object.create(null) as Record<string, Buffer | undefined>;
    headers.__proto__ = Buffer.from([0xff, 0x00]);
    headers['constructor'] = Buffer.from('c');
    (headers as Record<string, unknown>).twice = [Buffer.from('1'), Buffer.from('2')];
    const out = deadLetter({ topic: 't', partition: 0 }, { offset: 1, key: null, value: Buffer.from('<x'), headers, timestampMs: 0 }, { reason: 'malformed-xml', message: 'm' });
    const h = out.headers!;
    const always = [DLQ_HEADERS.reason, DLQ_HEADERS.message, DLQ_HEADERS.topic, DLQ_HEADERS.partition, DLQ_HEADERS.offset];
    expect(Object.keys(h).sort()).toEqual(['__proto__', 'constructor', 'twice', ...always].sort());
    expect(h.__proto__).toEqual(Buffer.from([0xff, 0x00]));
    expect(h.twice).toEqual([Buffer.from('1'), Buffer.from('2')]);
  });

  // pipeline-yaml target: an alias without its anchor threw a bare ReferenceError from toJS();
  // too many aliases ("billion laughs") a bare Error; a value that contains itself a TypeError
  // from JSON.stringify in the error message. All crashed `proctree replay --pipeline` with a stack.
  it('YAML aliases that do not resolve, explode or refer to themselves are config errors', async () => {
    await expectConfigError('rules: *nowhere\n', /YAML: Unresolved alias/);
    const laughs = ['a: &a [x,x,x,x,x,x,x,x,x]'];
    for (const [k, prev] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f']]) laughs.push(`${k}: &${k} [${Array(9).fill(`*${prev}`).join(',')}]`);
    await expectConfigError(laughs.join('\n') + '\n', /YAML: Excessive alias count/);
    await expectConfigError('rules: &a\n  smss: [*a]\n', /rules\.smss: .*got a value that contains itself/);
  });

  // pipeline-yaml target: a complex key (`? decode:` ...) became an unknown key whose name held
  // line breaks and comments, so the error spanned lines that did not name the file.
  it('an unknown key with line breaks in it is quoted, and every error line names the file', async () => {
    await expectConfigError('source:\n? decode:\n  # comment\n  max_event_bytes: 1\n', /unknown key/);
    await expectConfigError('"a\\nb": 1\n', /"a\\nb": unknown key/);
    // The yaml library also printed each complex key as a process warning on stderr (long run).
    const p = file('complex.yaml', 'source:\n? {a: 1}\n: 2\n');
    const r = runCli(['replay', '--pipeline', p, join(tmp, 'none.xml')]);
    expect(r.status).toBe(1);
    expect(r.stderr).not.toContain('Warning');
  });
});
