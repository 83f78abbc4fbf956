import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { baselineRuleIds, baselinesSchema, type BaselinesConfig } from '../rules/baseline/config.js';
import { baselineRuleNeeds, type BaselineRuleNeeds } from './baseline-needs.js';
import { coverageOf } from './coverage.js';
import { SysmonConfigFilter } from './filter.js';
import { EVENT_NEEDS, type EventNeed } from './needs.js';
import { parseSysmonConfig } from './parse.js';

// The baselines that ship (pipelines/replay.yaml), so these tests also pin what coverage reports.
const SHIPPED = baselinesSchema.parse((parse(readFileSync(new URL('../../pipelines/replay.yaml', import.meta.url), 'utf8')) as { rules: { baselines: unknown } }).rules.baselines);
const ROWS = baselineRuleNeeds(SHIPPED);
const row = (rule: string): BaselineRuleNeeds => ROWS.find((r) => r.rule === rule)!;
const ids = (rule: string): string[] => row(rule).needs.map((n) => n.id);
const need = (id: string): EventNeed => ROWS.flatMap((r) => r.needs).find((n) => n.id === id)!;

function cfg(body: string) {
  return parseSysmonConfig(`<Sysmon schemaversion="4.90">\n  <EventFiltering>\n${body}\n  </EventFiltering>\n</Sysmon>\n`, 'c.xml');
}

describe('baselineRuleNeeds', () => {
  it('gives one row per configured check, in the rule ids the baseline rule raises', () => {
    expect(ROWS.map((r) => r.rule)).toEqual(baselineRuleIds(SHIPPED));
    for (const r of ROWS) expect(r.needs.length, r.rule).toBeGreaterThan(0);
    // A check left out of the YAML has no row.
    const noLifetime = SHIPPED.map((b) => (b.process === 'lsass' ? { ...b, lifetime: undefined } : b));
    expect(baselineRuleNeeds(noLifetime).map((r) => r.rule)).not.toContain('core.lsass.lifetime');
  });

  it('derives the needs from the check: exits for lifetimes, the master smss for boot-relative checks, the parent for parent checks', () => {
    expect(ids('core.lsass.path')).toEqual(['lsass-create', 'lsass-elsewhere-create']);
    expect(ids('core.lsass.parent')).toEqual(['lsass-create', 'wininit-create']);
    expect(ids('core.lsass.user')).toEqual(['lsass-create']);
    expect(ids('core.lsass.lifetime')).toEqual(['lsass-create', 'lsass-exit']);
    expect(ids('core.lsass.start')).toEqual(['lsass-create', 'master-smss-create']);
    // lsass lives as long as the boot: counting it needs no exits; csrss does not, so it does.
    expect(ids('core.lsass.instances')).toEqual(['lsass-create', 'master-smss-create']);
    expect(ids('core.csrss.instances')).toEqual(['csrss-create', 'master-smss-create', 'csrss-exit']);
    // Session "same as the parent" reads the parent's creation; "zero" does not.
    expect(ids('core.winlogon.session')).toEqual(['winlogon-create', 'child-smss-create']);
    expect(ids('core.lsass.session')).toEqual(['lsass-create']);
    expect(ids('core.explorer.parent')).toEqual(['explorer-create', 'userinit-create']);
    // Children: the allowed ones we have probes of, then an unexpected one.
    expect(ids('core.wininit.children')).toEqual(['services-create', 'lsass-create', 'wininit-unexpected-child-create']);
    expect(ids('core.system.children')).toEqual(['master-smss-create', 'system-unexpected-child-create']);
    expect(ids('core.svchost.parent')).toEqual(['svchost-create', 'svchost-wuauserv-create', 'services-create']);
  });

  it('reuses the smss rules\' probes for the processes they already describe', () => {
    for (const id of ['csrss-create', 'wininit-create', 'winlogon-create', 'master-smss-create', 'child-smss-create']) expect(need(id)).toBe(EVENT_NEEDS.get(id));
  });

  it('builds one consistent tree: each probe\'s Parent* fields are its parent probe\'s own', () => {
    for (const [childId, parentId] of [
      ['lsass-create', 'wininit-create'],
      ['services-create', 'wininit-create'],
      ['svchost-create', 'services-create'],
      ['explorer-create', 'userinit-create'],
      ['userinit-create', 'winlogon-create'],
    ]) {
      const c = need(childId).probe;
      const p = need(parentId).probe;
      expect(c, childId).toMatchObject({ ParentProcessGuid: p.ProcessGuid, ParentProcessId: p.ProcessId, ParentImage: p.Image, ParentCommandLine: p.CommandLine });
    }
    expect(need('lsass-exit').probe).toMatchObject({ ProcessGuid: need('lsass-create').probe.ProcessGuid, Image: 'C:\\Windows\\System32\\lsass.exe' });
    expect(need('system-unexpected-child-create').probe).toMatchObject({ ParentImage: 'System', ParentProcessId: '4' });
  });

  it('shapes probes as real exports show the processes', () => {
    expect(need('explorer-create').probe).toMatchObject({
      Image: 'C:\\Windows\\explorer.exe',
      CommandLine: 'C:\\Windows\\Explorer.EXE',
      OriginalFileName: 'EXPLORER.EXE',
      TerminalSessionId: '1',
      IntegrityLevel: 'Medium',
      ParentImage: 'C:\\Windows\\System32\\userinit.exe',
    });
    expect(need('lsass-create').probe).toMatchObject({ Image: 'C:\\Windows\\System32\\lsass.exe', User: 'NT AUTHORITY\\SYSTEM', LogonId: '0x3e7', TerminalSessionId: '0' });
    for (const n of ROWS.flatMap((r) => r.needs)) {
      if (n.eventId !== 1) continue;
      for (const f of ['UtcTime', 'ProcessGuid', 'ProcessId', 'Image', 'OriginalFileName', 'CommandLine', 'User', 'LogonId', 'TerminalSessionId', 'IntegrityLevel', 'ParentProcessGuid', 'ParentProcessId', 'ParentImage', 'ParentCommandLine']) {
        expect(n.probe[f], `${n.id}.${f}`).toBeDefined();
      }
    }
  });

  it('each need\'s include condition alone logs its probe (and the empty include logs none)', () => {
    for (const n of new Set(ROWS.flatMap((r) => r.needs))) {
      const c = n.include;
      const only = cfg(`<${c.tag} onmatch="include"><${c.field} condition="${c.condition}">${c.value}</${c.field}></${c.tag}>`);
      expect(new SysmonConfigFilter(only).isLogged(n.eventId, n.probe), n.id).toBe(true);
      expect(new SysmonConfigFilter(cfg(`<${c.tag} onmatch="include"/>`)).isLogged(n.eventId, n.probe), n.id).toBe(false);
    }
  });

  it('describes a baseline that does not ship from its configuration alone', () => {
    const spoolsv: BaselinesConfig = baselinesSchema.parse([
      {
        process: 'spoolsv',
        match: { image: ['spoolsv.exe'] },
        path: { expected: ['%SystemRoot%\\System32\\spoolsv.exe'] },
        parent: { names: ['services.exe'] },
        user: { sids: ['S-1-5-18'] },
        lifetime: { kind: 'boot' },
      },
    ]);
    const rows = baselineRuleNeeds(spoolsv);
    expect(rows.map((r) => r.rule)).toEqual(['core.spoolsv.path', 'core.spoolsv.parent', 'core.spoolsv.user', 'core.spoolsv.lifetime']);
    const create = rows[0].needs[0];
    expect(create.probe).toMatchObject({ Image: 'C:\\Windows\\System32\\spoolsv.exe', User: 'NT AUTHORITY\\SYSTEM', TerminalSessionId: '0', ParentImage: 'C:\\Windows\\System32\\services.exe' });
    expect(rows[3].needs.map((n) => n.eventId)).toEqual([1, 5]);
  });

  it('stops at a parent chain that comes back to itself', () => {
    const loop = baselinesSchema.parse([
      { process: 'a', match: { image: ['a.exe'] }, parent: { names: ['b.exe'] } },
      { process: 'b', match: { image: ['b.exe'] }, parent: { names: ['a.exe'] } },
    ]);
    const rows = baselineRuleNeeds(loop);
    expect(rows.map((r) => r.needs.map((n) => n.id))).toEqual([
      ['a-create', 'b-create'],
      ['b-create', 'a-create'],
    ]);
    expect(rows[0].needs[0].probe.ParentImage).toBe('C:\\Windows\\System32\\b.exe');
  });
});

describe('coverageOf with baselines', () => {
  it('adds a row per baseline rule after the smss rows, judged by the configuration', () => {
    // Logs every creation and only lsass exits.
    const config = cfg(
      '<ProcessCreate onmatch="exclude"/>\n<ProcessTerminate onmatch="include"><Image condition="image">lsass.exe</Image></ProcessTerminate>\n<RegistryEvent onmatch="exclude"/>',
    );
    const report = coverageOf(config, undefined, undefined, ROWS);
    const status = Object.fromEntries(report.rules.map((r) => [r.rule, r.status]));
    expect(report.rules[0].rule).toBe('smss.path');
    expect(status['core.lsass.lifetime']).toBe('logs');
    expect(status['core.services.lifetime']).toBe('partial');
    expect(status['core.csrss.instances']).toBe('partial');
    expect(status['core.svchost.parent']).toBe('logs');
    const services = report.rules.find((r) => r.rule === 'core.services.lifetime')!;
    expect(services.fix!.add.map((a) => `${a.condition.tag} ${a.condition.field} ${a.condition.value}`)).toEqual(['ProcessTerminate Image services.exe']);
  });
});
