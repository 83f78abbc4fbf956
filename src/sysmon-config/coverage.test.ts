import { describe, expect, it } from 'vitest';
import { coverageOf } from './coverage.js';
import { SysmonConfigFilter } from './filter.js';
import { COVERAGE_RULE_IDS, EVENT_NEEDS, RULE_NEEDS, needsOf } from './needs.js';
import { parseSysmonConfig } from './parse.js';
import { loadSysmonConfig, SYSMON_CONFIG_NAMES } from './registry.js';
import { applyFix, FixNotApplicableError, planFix } from './remedy.js';

function cfg(body: string): { text: string; config: ReturnType<typeof parseSysmonConfig> } {
  const text = `<Sysmon schemaversion="4.90">\n  <EventFiltering>\n${body}\n  </EventFiltering>\n</Sysmon>\n`;
  return { text, config: parseSysmonConfig(text, 'c.xml') };
}

/** Applies the fix to the text, parses the result again, and says which needs it logs. */
function afterFix(text: string, needIds: readonly string[]): { text: string; logged: Record<string, boolean> } {
  const config = parseSysmonConfig(text, 'c.xml');
  const needs = needIds.map((id) => EVENT_NEEDS.get(id)!);
  const fixed = applyFix(text, config, planFix(config, needs, text));
  const filter = new SysmonConfigFilter(parseSysmonConfig(fixed, 'fixed.xml'));
  return { text: fixed, logged: Object.fromEntries(needs.map((n) => [n.id, filter.isLogged(n.eventId, n.probe)])) };
}

describe('the needs table', () => {
  it('has needs for every smss rule of the pipeline, and only known needs', () => {
    for (const rule of COVERAGE_RULE_IDS) {
      expect(RULE_NEEDS[rule].length).toBeGreaterThan(0);
      for (const id of RULE_NEEDS[rule]) expect(EVENT_NEEDS.has(id)).toBe(true);
    }
    // Every watched Session Manager value, for EventIDs 12 and 13.
    expect(needsOf('smss.subsystems-registry').map((n) => n.eventId).sort()).toEqual([...Array(9).fill(12), ...Array(9).fill(13)]);
  });

  it('each need\'s include condition alone logs its probe (and the empty include logs none)', () => {
    for (const need of EVENT_NEEDS.values()) {
      const c = need.include;
      const only = cfg(`<${c.tag} onmatch="include"><${c.field} condition="${c.condition}">${c.value}</${c.field}></${c.tag}>`);
      expect(new SysmonConfigFilter(only.config).isLogged(need.eventId, need.probe), need.id).toBe(true);
      const none = cfg(`<${c.tag} onmatch="include"/>`);
      expect(new SysmonConfigFilter(none.config).isLogged(need.eventId, need.probe), need.id).toBe(false);
    }
  });

  it('probes look like Sysmon events: creations carry the full EventID 1 field set', () => {
    for (const need of EVENT_NEEDS.values()) {
      if (need.eventId !== 1) continue;
      for (const f of ['UtcTime', 'ProcessGuid', 'ProcessId', 'Image', 'CommandLine', 'User', 'LogonId', 'IntegrityLevel', 'ParentProcessGuid', 'ParentProcessId', 'ParentImage', 'ParentCommandLine']) {
        expect(need.probe[f], `${need.id}.${f}`).toBeDefined();
      }
    }
    expect(EVENT_NEEDS.get('master-smss-create')!.probe).toMatchObject({ ParentImage: 'System', ParentProcessId: '4', CommandLine: '\\SystemRoot\\System32\\smss.exe' });
    expect(EVENT_NEEDS.get('child-smss-create')!.probe.CommandLine).toMatch(/^\\SystemRoot\\System32\\smss\.exe [0-9a-f]{8} [0-9a-f]{8} $/);
    expect(EVENT_NEEDS.get('reg-set:Subsystems\\Windows')!.probe).toMatchObject({
      EventType: 'SetValue',
      TargetObject: 'HKLM\\System\\CurrentControlSet\\Control\\Session Manager\\Subsystems\\Windows',
    });
  });
});

describe('coverageOf', () => {
  it('everything logs all, no-exits drops only the child smss exit', () => {
    const all = coverageOf(loadSysmonConfig('everything').config);
    expect(all.rules.map((r) => r.status)).toEqual(COVERAGE_RULE_IDS.map(() => 'logs'));
    expect(all.fix).toBeUndefined();
    const noExits = coverageOf(loadSysmonConfig('no-exits').config);
    expect(Object.fromEntries(noExits.rules.map((r) => [r.rule, r.status]))).toEqual({
      'smss.path': 'logs',
      'smss.parent': 'logs',
      'smss.user': 'logs',
      'smss.child-no-exit': 'partial',
      'smss.instances': 'logs',
      'smss.unexpected-child': 'logs',
      'smss.subsystems-registry': 'logs',
    });
    expect(noExits.rules[3].needs.find((n) => !n.logged)).toMatchObject({ need: { id: 'child-smss-exit' }, by: 'only-element' });
  });

  it('a configuration with no EventFiltering logs creations and exits (Sysmon defaults) but no registry writes', () => {
    const text = '<Sysmon schemaversion="4.90">\n  <HashAlgorithms>sha256</HashAlgorithms>\n</Sysmon>\n';
    const r = coverageOf(parseSysmonConfig(text, 'c.xml'), text);
    expect(r.rules.find((x) => x.rule === 'smss.subsystems-registry')!.status).toBe('drops');
    expect(r.rules.filter((x) => x.rule !== 'smss.subsystems-registry').every((x) => x.status === 'logs')).toBe(true);
    // The fix creates <EventFiltering>.
    const fixed = applyFix(text, parseSysmonConfig(text, 'c.xml'), r.fix!);
    expect(coverageOf(parseSysmonConfig(fixed, 'fixed.xml')).rules.every((x) => x.status === 'logs')).toBe(true);
  });
});

describe('planFix and applyFix', () => {
  const ALL = [...EVENT_NEEDS.keys()];

  it('deletes an excluding line (an include cannot beat it) and adds includes for the rest', () => {
    const { text } = cfg(
      [
        '    <RuleGroup name="" groupRelation="or">',
        '      <ProcessCreate onmatch="exclude">',
        '        <CommandLine condition="is">\\SystemRoot\\System32\\smss.exe</CommandLine> <!-- boot -->',
        '        <Image condition="end with">\\conhost.exe</Image>',
        '      </ProcessCreate>',
        '    </RuleGroup>',
        '    <ProcessTerminate onmatch="include"><Image condition="begin with">C:\\Users</Image></ProcessTerminate>',
      ].join('\n'),
    );
    const config = parseSysmonConfig(text, 'c.xml');
    const fix = planFix(config, [...EVENT_NEEDS.values()], text);
    expect(fix.remove).toEqual([
      {
        line: 5,
        endLine: 5,
        what: 'CommandLine is "\\SystemRoot\\System32\\smss.exe"',
        text: '<CommandLine condition="is">\\SystemRoot\\System32\\smss.exe</CommandLine> <!-- boot -->',
        needs: ['master-smss-create'],
        shared: false,
      },
    ]);
    // One condition for all of Subsystems\\, one for each other value.
    expect(fix.add.map((a) => a.condition.tag)).toEqual(['ProcessTerminate', 'RegistryEvent', 'RegistryEvent', 'RegistryEvent', 'RegistryEvent', 'RegistryEvent']);
    expect(fix.complete).toBe(true);
    const after = afterFix(text, ALL);
    expect(Object.values(after.logged).every(Boolean)).toBe(true);
    // The rest of the configuration still stands: conhost is still excluded.
    const f = new SysmonConfigFilter(parseSysmonConfig(after.text, 'fixed.xml'));
    expect(f.isLogged(1, { Image: 'C:\\Windows\\System32\\conhost.exe', CommandLine: 'x' })).toBe(false);
    expect(after.text).toContain('<RuleGroup name="proctree smss rules" groupRelation="or">');
  });

  it('removes a whole "and" element (with its RuleGroup when alone in it), since dropping one condition would exclude more', () => {
    const { text } = cfg(
      [
        '    <RuleGroup groupRelation="and">',
        '      <ProcessCreate onmatch="exclude">',
        '        <Image condition="image">smss.exe</Image>',
        '        <ParentImage condition="is">System</ParentImage>',
        '      </ProcessCreate>',
        '    </RuleGroup>',
      ].join('\n'),
    );
    const config = parseSysmonConfig(text, 'c.xml');
    const fix = planFix(config, [EVENT_NEEDS.get('master-smss-create')!], text);
    expect(fix.remove).toMatchObject([{ line: 3, endLine: 8, needs: ['master-smss-create'] }]);
    expect(fix.remove[0].what).toContain('<RuleGroup> holding only <ProcessCreate onmatch="exclude">');
    expect(afterFix(text, ['master-smss-create', 'child-smss-create']).logged).toEqual({ 'master-smss-create': true, 'child-smss-create': true });
  });

  it('finds a second exclusion behind the first', () => {
    const { text } = cfg('    <RuleGroup groupRelation="or"><ProcessTerminate onmatch="exclude">\n      <Image condition="end with">smss.exe</Image>\n      <Image condition="begin with">C:\\Windows\\</Image>\n    </ProcessTerminate></RuleGroup>');
    const fix = planFix(parseSysmonConfig(text, 'c.xml'), [EVENT_NEEDS.get('child-smss-exit')!], text);
    expect(fix.remove.map((r) => r.line)).toEqual([4, 5]);
    expect(fix.add).toEqual([]);
    expect(afterFix(text, ['child-smss-exit']).logged).toEqual({ 'child-smss-exit': true });
  });

  it('refuses to apply a removal whose line holds other elements, and says so', () => {
    const { text } = cfg('    <RuleGroup groupRelation="or"><ProcessTerminate onmatch="exclude">\n      <Image condition="end with">smss.exe</Image><Image condition="is">x.exe</Image>\n    </ProcessTerminate></RuleGroup>');
    const config = parseSysmonConfig(text, 'c.xml');
    const fix = planFix(config, [EVENT_NEEDS.get('child-smss-exit')!], text);
    expect(fix.remove).toMatchObject([{ line: 4, shared: true }]);
    expect(() => applyFix(text, config, fix)).toThrow(FixNotApplicableError);
  });

  it('inserts into a self-closing <EventFiltering/> and keeps CRLF line endings', () => {
    const text = '<Sysmon schemaversion="4.90">\r\n  <EventFiltering/>\r\n</Sysmon>\r\n';
    const config = parseSysmonConfig(text, 'c.xml');
    const fix = planFix(config, [...EVENT_NEEDS.values()], text);
    const fixed = applyFix(text, config, fix);
    expect(fixed.split('\r\n').length).toBe(fixed.split('\n').length);
    const f = new SysmonConfigFilter(parseSysmonConfig(fixed, 'fixed.xml'));
    for (const n of EVENT_NEEDS.values()) expect(f.isLogged(n.eventId, n.probe), n.id).toBe(true);
  });

  it('adding an include never turns a log-all-but tag into a log-only tag', () => {
    // ProcessCreate here logs everything but conhost; the fix must not add a ProcessCreate include.
    const { text } = cfg('    <ProcessCreate onmatch="exclude"><Image condition="end with">conhost.exe</Image></ProcessCreate>');
    const fix = planFix(parseSysmonConfig(text, 'c.xml'), [...EVENT_NEEDS.values()], text);
    expect(fix.add.some((a) => a.condition.tag === 'ProcessCreate')).toBe(false);
  });
});

describe('named configurations', () => {
  it('lists the four names and resolves the built-in ones without files', () => {
    expect(SYSMON_CONFIG_NAMES).toEqual(['everything', 'no-exits', 'swiftonsecurity', 'sysmon-modular']);
    const e = loadSysmonConfig('everything');
    expect(e).toMatchObject({ name: 'everything', source: 'built-in:everything' });
    expect(e.file).toBeUndefined();
    const f = new SysmonConfigFilter(e.config);
    for (const id of [1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29]) expect(f.isLogged(id, {}), `EventID ${id}`).toBe(true);
    const n = new SysmonConfigFilter(loadSysmonConfig('no-exits').config);
    expect(n.isLogged(5, { Image: 'C:\\Windows\\System32\\smss.exe' })).toBe(false);
    expect(n.isLogged(1, { Image: 'C:\\Windows\\System32\\smss.exe' })).toBe(true);
  });

  it('names the missing folder when a public configuration is not there', () => {
    expect(() => loadSysmonConfig('swiftonsecurity', { PROCTREE_SYSMON_CONFIGS: '/nonexistent/configs' })).toThrow(
      /swiftonsecurity: the "swiftonsecurity" configuration is read from \/nonexistent\/configs\/swiftonsecurity-sysmonconfig-export\.xml, which is not there; set PROCTREE_SYSMON_CONFIGS/,
    );
  });

  it('reads any other argument as a file, naming it when unreadable', () => {
    expect(() => loadSysmonConfig('/nonexistent/cfg.xml')).toThrow('/nonexistent/cfg.xml: cannot read the Sysmon configuration: no such file');
  });
});
