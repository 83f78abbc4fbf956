import { describe, expect, it } from 'vitest';
import { SysmonConfigError } from './errors.js';
import { parseSysmonConfig } from './parse.js';
import { decodeConfigBytes } from './read.js';

const CONFIG = `<Sysmon schemaversion="4.50">
  <HashAlgorithms>md5,sha256</HashAlgorithms>
  <EventFiltering>
    <RuleGroup name="g" groupRelation="or">
      <ProcessCreate onmatch="exclude">
        <CommandLine condition="is">\\SystemRoot\\System32\\smss.exe</CommandLine> <!-- master -->
        <Rule name="r" groupRelation="and">
          <Image condition="end with">a.exe</Image>
          <ParentImage>b &amp; c</ParentImage>
        </Rule>
      </ProcessCreate>
    </RuleGroup>
    <ProcessTerminate onmatch="include"/>
    <RegistryEvent onmatch="include">
      <TargetObject condition="Begin With">  HKLM\\x </TargetObject>
    </RegistryEvent>
  </EventFiltering>
</Sysmon>
`;

function problems(text: string): { line: number; message: string }[] {
  try {
    parseSysmonConfig(text, 'c.xml');
  } catch (e) {
    expect(e).toBeInstanceOf(SysmonConfigError);
    return [...(e as SysmonConfigError).problems];
  }
  throw new Error('expected the configuration to be refused');
}

describe('parseSysmonConfig', () => {
  it('keeps the structure and the line of every element', () => {
    const c = parseSysmonConfig(CONFIG, 'c.xml');
    expect(c.schemaVersion).toBe('4.50');
    expect(c.hashAlgorithms).toBe('md5,sha256');
    expect(c.eventFiltering).toEqual({ line: 3, endLine: 17 });
    expect(c.root).toEqual({ line: 1, endLine: 18 });
    expect(c.elements.map((e) => [e.tag, e.onmatch, e.combine, e.line, e.endLine])).toEqual([
      ['ProcessCreate', 'exclude', 'or', 5, 11],
      ['ProcessTerminate', 'include', 'and', 13, 13],
      ['RegistryEvent', 'include', 'and', 14, 16],
    ]);
    const pc = c.elements[0];
    expect(pc.ruleGroup).toMatchObject({ name: 'g', groupRelation: 'or', line: 4, endLine: 12 });
    expect(pc.children[0]).toMatchObject({ kind: 'field', field: 'CommandLine', condition: 'is', value: '\\SystemRoot\\System32\\smss.exe', line: 6 });
    expect(pc.children[1]).toMatchObject({ kind: 'rule', name: 'r', groupRelation: 'and', line: 7, endLine: 10 });
    const rule = pc.children[1];
    if (rule.kind !== 'rule') throw new Error('expected a rule');
    expect(rule.conditions.map((f) => [f.field, f.condition, f.value, f.line])).toEqual([
      ['Image', 'end with', 'a.exe', 8],
      ['ParentImage', 'is', 'b & c', 9],
    ]);
    expect(c.elements[1].eventIds).toEqual([5]);
    expect(c.elements[2].eventIds).toEqual([12, 13, 14]);
    // Condition names are read without case; values keep their white space, as Sysmon reads them.
    expect(c.elements[2].children[0]).toMatchObject({ condition: 'begin with', value: '  HKLM\\x ' });
    expect(c.warnings).toEqual([]);
  });

  it('combines elements outside a RuleGroup with "and" above schema 4.1 and "or" up to it', () => {
    const el = (v: string) => parseSysmonConfig(`<Sysmon schemaversion="${v}"><EventFiltering><ProcessCreate onmatch="include"/></EventFiltering></Sysmon>`, 'c.xml').elements[0];
    expect(el('4.22').combine).toBe('and');
    expect(el('4.1').combine).toBe('or');
    expect(el('4.10').combine).toBe('or');
    expect(el('4.0').combine).toBe('or');
    // A RuleGroup without groupRelation keeps the default.
    const c = parseSysmonConfig('<Sysmon schemaversion="4.90"><EventFiltering><RuleGroup><ProcessCreate onmatch="include"/></RuleGroup></EventFiltering></Sysmon>', 'c.xml');
    expect(c.elements[0].combine).toBe('and');
  });

  it('reads the older default= spelling of onmatch', () => {
    const c = parseSysmonConfig('<Sysmon schemaversion="4.90"><EventFiltering><ProcessCreate default="exclude"/><ProcessTerminate default="include"/></EventFiltering></Sysmon>', 'c.xml');
    expect(c.elements.map((e) => e.onmatch)).toEqual(['include', 'exclude']);
  });

  it('warns about field names the tag does not have, and accepts other cases of known ones', () => {
    const c = parseSysmonConfig(
      '<Sysmon schemaversion="4.90"><EventFiltering>\n<ProcessTerminate onmatch="include">\n<CommandLine>x</CommandLine>\n<image condition="image">smss.exe</image>\n</ProcessTerminate></EventFiltering></Sysmon>',
      'c.xml',
    );
    expect(c.warnings).toEqual([{ line: 3, message: '<ProcessTerminate> events have no field "CommandLine"; this condition never matches' }]);
    expect(c.elements[0].children[1]).toMatchObject({ field: 'image', canonicalField: 'Image' });
  });

  it('names the line of malformed XML', () => {
    const p = problems('<Sysmon schemaversion="4.90">\n<EventFiltering>\n<ProcessCreate onmatch="include">\n<Image>a & b</Image>\n</ProcessCreate></EventFiltering></Sysmon>');
    expect(p).toHaveLength(1);
    expect(p[0].line).toBe(4);
    expect(p[0].message).toMatch(/^not well-formed XML: .*&amp;/);
    expect(problems('<Sysmon schemaversion="4.90">\n<EventFiltering>\n</Sysmon>')[0].line).toBe(3);
  });

  it('reports every structural problem at once, each with its line and what to do', () => {
    const p = problems(
      [
        '<Sysmon schemaversion="4.90">',
        '<EventFiltering>',
        '<ProcessCreate>',
        '<Image condition="starts with">x</Image>',
        '</ProcessCreate>',
        '<processcreate onmatch="include"/>',
        '<NotAnEvent onmatch="include"/>',
        '<RuleGroup groupRelation="xor"><ProcessTerminate onmatch="maybe"/></RuleGroup>',
        '<RegistryEvent onmatch="include"><Rule groupRelation="and"><Rule/></Rule></RegistryEvent>',
        '</EventFiltering>',
        '</Sysmon>',
      ].join('\n'),
    );
    expect(p.map((x) => x.line)).toEqual([3, 4, 6, 7, 8, 8, 9]);
    expect(p[0].message).toContain('has no onmatch attribute; add onmatch="include"');
    expect(p[1].message).toContain('unknown condition; use one of is, is not, is any');
    expect(p[2].message).toBe('<processcreate> is spelled <ProcessCreate> (Sysmon\'s element names are case-sensitive)');
    expect(p[3].message).toContain('<NotAnEvent> is not a Sysmon event filter element');
    expect(p[4].message).toContain('groupRelation="xor" is neither "and" nor "or"');
    expect(p[5].message).toContain('onmatch must be "include" or "exclude"');
    expect(p[6].message).toContain('a <Rule> cannot hold another <Rule>');
  });

  it('refuses a missing or non-4.x schemaversion and a root other than <Sysmon>', () => {
    expect(problems('<Sysmon><EventFiltering/></Sysmon>')[0].message).toContain('no schemaversion attribute');
    expect(problems('<Sysmon schemaversion="3.30"/>')[0].message).toContain('is not a 4.x schema');
    expect(problems('\n<Config schemaversion="4.90"/>')).toEqual([{ line: 2, message: expect.stringContaining('the root element is <Config>') }]);
  });

  it('puts file and line in the error message, with the count of other problems', () => {
    try {
      parseSysmonConfig('<Sysmon schemaversion="4.90">\n<EventFiltering>\n<ProcessCreate/>\n<ProcessTerminate/>\n</EventFiltering></Sysmon>', 'dir/cfg.xml');
    } catch (e) {
      expect((e as Error).message).toMatch(/^dir\/cfg\.xml:3: <ProcessCreate> has no onmatch attribute.* \(and 1 more problem\)$/);
      return;
    }
    throw new Error('expected an error');
  });
});

describe('decodeConfigBytes', () => {
  const text = '<Sysmon schemaversion="4.90"><EventFiltering><ProcessCreate onmatch="exclude"><Image>é</Image></ProcessCreate></EventFiltering></Sysmon>';
  it('reads UTF-8 with or without BOM and UTF-16 with or without BOM', () => {
    const utf16 = Buffer.from(text, 'utf16le');
    const variants = [
      Buffer.from(text, 'utf8'),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]),
      Buffer.concat([Buffer.from([0xff, 0xfe]), utf16]),
      Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(utf16).swap16()]),
      utf16,
    ];
    for (const v of variants) {
      const c = parseSysmonConfig(decodeConfigBytes(v), 'c.xml');
      expect(c.elements[0].children[0]).toMatchObject({ value: 'é' });
    }
  });
});
