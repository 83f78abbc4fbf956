// Each Sysmon condition against hand-made events, through the filter as a configuration uses it:
// one onmatch="include" element holding one condition, so an event is logged exactly when the
// condition holds.

import { describe, expect, it } from 'vitest';
import { SysmonConfigFilter } from './filter.js';
import type { Condition } from './model.js';
import { parseSysmonConfig } from './parse.js';
import { escapeXmlText } from './render.js';

function logs(field: string, condition: Condition, value: string, eventId = 1): (fields: Record<string, string>) => boolean {
  const tag = eventId === 1 ? 'ProcessCreate' : eventId === 5 ? 'ProcessTerminate' : 'RegistryEvent';
  const xml = `<Sysmon schemaversion="4.90"><EventFiltering><${tag} onmatch="include"><${field} condition="${condition}">${escapeXmlText(value)}</${field}></${tag}></EventFiltering></Sysmon>`;
  const filter = new SysmonConfigFilter(parseSysmonConfig(xml, 'c.xml'));
  return (fields) => filter.isLogged(eventId, fields);
}

const SMSS = { Image: 'C:\\Windows\\System32\\smss.exe', CommandLine: '\\SystemRoot\\System32\\smss.exe 000000c4 00000084 ', ParentImage: 'System' };

describe('conditions (all case-insensitive)', () => {
  it('is: the whole value', () => {
    const f = logs('Image', 'is', 'c:\\windows\\system32\\SMSS.EXE');
    expect(f(SMSS)).toBe(true);
    expect(f({ Image: 'C:\\Windows\\System32\\smss.exe.bak' })).toBe(false);
    expect(f({ Image: 'D:\\Windows\\System32\\smss.exe' })).toBe(false);
  });

  it('is not: any other value', () => {
    const f = logs('ParentImage', 'is not', 'system');
    expect(f(SMSS)).toBe(false);
    expect(f({ ParentImage: 'C:\\Windows\\System32\\smss.exe' })).toBe(true);
  });

  it('is any: equal to one of the ; items', () => {
    const f = logs('ParentImage', 'is any', 'System;C:\\Windows\\System32\\SMSS.exe');
    expect(f(SMSS)).toBe(true);
    expect(f({ ParentImage: 'c:\\windows\\system32\\smss.exe' })).toBe(true);
    expect(f({ ParentImage: 'Systemd' })).toBe(false);
  });

  it('contains: a substring', () => {
    const f = logs('CommandLine', 'contains', 'SMSS.EXE 0000');
    expect(f(SMSS)).toBe(true);
    expect(f({ CommandLine: '\\SystemRoot\\System32\\smss.exe' })).toBe(false);
    // An empty value contains nothing, not even an empty needle.
    expect(logs('CommandLine', 'contains', '')({ CommandLine: '' })).toBe(false);
    expect(logs('CommandLine', 'contains', '')({ CommandLine: 'x' })).toBe(true);
  });

  it('contains any: one of the ; items is a substring', () => {
    const f = logs('CommandLine', 'contains any', 'powershell;00000084');
    expect(f(SMSS)).toBe(true);
    expect(f({ CommandLine: 'cmd.exe /c whoami' })).toBe(false);
  });

  it('contains all: every ; item is a substring', () => {
    const f = logs('CommandLine', 'contains all', 'systemroot;000000C4;00000084');
    expect(f(SMSS)).toBe(true);
    expect(f({ CommandLine: '\\SystemRoot\\System32\\smss.exe 000000c4' })).toBe(false);
  });

  it('excludes: not a substring', () => {
    const f = logs('CommandLine', 'excludes', ' 000000');
    expect(f(SMSS)).toBe(false);
    expect(f({ CommandLine: '\\SystemRoot\\System32\\smss.exe' })).toBe(true);
  });

  it('excludes any: none of the ; items is a substring (as Sysmon\'s engine runs it)', () => {
    const f = logs('Image', 'excludes any', 'chrome.exe;firefox.exe');
    expect(f({ Image: 'C:\\Program Files\\Mozilla Firefox\\firefox.exe' })).toBe(false);
    expect(f({ Image: 'C:\\Windows\\System32\\rundll32.exe' })).toBe(true);
    // One item present is enough to fail: not "does not contain one or more of the values".
    const g = logs('CommandLine', 'excludes any', 'smss.exe;powershell');
    expect(g(SMSS)).toBe(false);
  });

  it('excludes all: some ; item is not a substring (as Sysmon\'s engine runs it)', () => {
    const f = logs('CommandLine', 'excludes all', 'smss.exe;powershell');
    expect(f(SMSS)).toBe(true);
    expect(f({ CommandLine: 'powershell smss.exe' })).toBe(false);
    expect(f({ CommandLine: '' })).toBe(true);
  });

  it('begin with / not begin with: a prefix', () => {
    expect(logs('Image', 'begin with', 'c:\\windows\\')(SMSS)).toBe(true);
    expect(logs('Image', 'begin with', 'C:\\Users')(SMSS)).toBe(false);
    expect(logs('Image', 'not begin with', 'C:\\Users')(SMSS)).toBe(true);
    expect(logs('Image', 'not begin with', 'C:\\WINDOWS')(SMSS)).toBe(false);
  });

  it('end with / not end with: a suffix', () => {
    expect(logs('Image', 'end with', '\\SMSS.exe')(SMSS)).toBe(true);
    expect(logs('Image', 'end with', 'csrss.exe')(SMSS)).toBe(false);
    expect(logs('Image', 'end with', 'C:\\Windows\\System32\\smss.exe and more')(SMSS)).toBe(false);
    expect(logs('Image', 'not end with', 'csrss.exe')(SMSS)).toBe(true);
    expect(logs('Image', 'not end with', 'smss.exe')(SMSS)).toBe(false);
  });

  it('less than / more than: lexicographic, on lower-cased text', () => {
    expect(logs('Image', 'less than', 'd:')(SMSS)).toBe(true);
    expect(logs('Image', 'less than', 'C:\\A')(SMSS)).toBe(false);
    expect(logs('Image', 'more than', 'C:\\A')(SMSS)).toBe(true);
    expect(logs('Image', 'more than', SMSS.Image)(SMSS)).toBe(false);
    expect(logs('Image', 'less than', SMSS.Image)(SMSS)).toBe(false);
    // Compared lower-cased: "az" > "a_" although "AZ" < "A_" ("Z" < "_" < "z").
    expect(logs('Image', 'less than', 'a_')({ Image: 'AZ' })).toBe(false);
    expect(logs('Image', 'more than', 'a_')({ Image: 'AZ' })).toBe(true);
  });

  it('image: the file name when the data has no backslash, else the whole path', () => {
    const byName = logs('Image', 'image', 'SMSS.exe');
    expect(byName(SMSS)).toBe(true);
    expect(byName({ Image: 'smss.exe' })).toBe(true);
    expect(byName({ Image: 'C:\\Windows\\System32\\notsmss.exe' })).toBe(false);
    const byPath = logs('Image', 'image', 'C:\\Windows\\System32\\smss.exe');
    expect(byPath(SMSS)).toBe(true);
    expect(byPath({ Image: 'D:\\Windows\\System32\\smss.exe' })).toBe(false);
    expect(logs('ParentImage', 'image', 'System')(SMSS)).toBe(true);
  });

  it('a field missing from the event matches no condition, even a negative one', () => {
    expect(logs('Image', 'is not', 'x')({})).toBe(false);
    expect(logs('Image', 'excludes', 'x')({})).toBe(false);
    // RegistryEvent conditions on Details never match an EventID 12, which has no Details.
    const f = logs('Details', 'excludes', 'x', 12);
    expect(f({ TargetObject: 'HKLM\\x', EventType: 'DeleteValue' })).toBe(false);
  });

  it('values are compared as written: leading and trailing spaces count', () => {
    const f = logs('CommandLine', 'begin with', ' "C:\\Windows\\system32\\wermgr.exe"');
    expect(f({ CommandLine: '"C:\\Windows\\system32\\wermgr.exe" -queuereporting' })).toBe(false);
    expect(f({ CommandLine: ' "C:\\Windows\\system32\\wermgr.exe" -queuereporting' })).toBe(true);
  });
});
