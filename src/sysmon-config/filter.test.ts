import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventTagForId } from './events.js';
import { SysmonConfigFilter } from './filter.js';
import { CONDITIONS, type Condition } from './model.js';
import { parseSysmonConfig } from './parse.js';
import { escapeXmlAttr, escapeXmlText } from './render.js';

function filter(body: string, schema = '4.90'): SysmonConfigFilter {
  return new SysmonConfigFilter(parseSysmonConfig(`<Sysmon schemaversion="${schema}">\n<EventFiltering>\n${body}\n</EventFiltering>\n</Sysmon>`, 'c.xml'));
}

const CMD = (img: string, cmd = img) => ({ Image: img, CommandLine: cmd, ParentImage: 'C:\\Windows\\explorer.exe' });

describe('SysmonConfigFilter: how elements combine', () => {
  it('an empty exclude element logs everything, an empty include element nothing', () => {
    expect(filter('<ProcessCreate onmatch="exclude"/>').decide(1, CMD('a.exe'))).toMatchObject({ logged: true, by: 'only-element', line: 3 });
    expect(filter('<ProcessCreate onmatch="include"/>').decide(1, CMD('a.exe'))).toMatchObject({ logged: false, by: 'only-element', line: 3 });
  });

  it('a tag the configuration never names gets Sysmon\'s default', () => {
    const f = filter('<DnsQuery onmatch="exclude"/>');
    expect(f.decide(1, CMD('a.exe'))).toMatchObject({ logged: true, by: 'tag-absent' });
    expect(f.decide(5, { Image: 'a.exe' })).toMatchObject({ logged: true, by: 'tag-absent' });
    for (const id of [12, 13, 14, 10, 3, 7]) expect(f.decide(id, { Image: 'a.exe' })).toMatchObject({ logged: false, by: 'tag-absent' });
    expect(f.decide(4, {})).toMatchObject({ logged: true, by: 'unfilterable' });
    expect(f.decide(16, {})).toMatchObject({ logged: true, by: 'unfilterable' });
  });

  it('exclude wins over include, whatever the order in the file', () => {
    for (const body of [
      '<ProcessCreate onmatch="include"><Image condition="end with">.exe</Image></ProcessCreate>\n<ProcessCreate onmatch="exclude"><Image condition="end with">b.exe</Image></ProcessCreate>',
      '<ProcessCreate onmatch="exclude"><Image condition="end with">b.exe</Image></ProcessCreate>\n<ProcessCreate onmatch="include"><Image condition="end with">.exe</Image></ProcessCreate>',
    ]) {
      const f = filter(body);
      expect(f.isLogged(1, CMD('a.exe'))).toBe(true);
      expect(f.decide(1, CMD('b.exe'))).toMatchObject({ logged: false, by: 'exclude-rule' });
      // With two elements, what neither matches is not logged.
      expect(f.decide(1, CMD('a.dll'))).toMatchObject({ logged: false, by: 'no-include-matched' });
    }
  });

  it('two exclude-only elements of one tag log nothing unmatched (Sysmon\'s rule for several elements)', () => {
    const f = filter('<RuleGroup groupRelation="or"><ProcessCreate onmatch="exclude"><Image>a.exe</Image></ProcessCreate></RuleGroup>\n<RuleGroup groupRelation="or"><ProcessCreate onmatch="exclude"><Image>b.exe</Image></ProcessCreate></RuleGroup>');
    expect(f.decide(1, CMD('c.exe'))).toMatchObject({ logged: false, by: 'no-include-matched' });
    expect(f.decide(1, CMD('c.exe')).reason).toContain('more than one element');
  });

  it('"and": all fields must hold, conditions on one field are OR-ed', () => {
    const f = filter(
      '<RuleGroup groupRelation="and"><ProcessCreate onmatch="include">\n<Image condition="end with">a.exe</Image>\n<CommandLine condition="contains">-x</CommandLine>\n<Image condition="end with">b.exe</Image>\n</ProcessCreate></RuleGroup>',
    );
    expect(f.isLogged(1, CMD('a.exe', 'a.exe -x'))).toBe(true);
    expect(f.isLogged(1, CMD('b.exe', 'b.exe -x'))).toBe(true);
    expect(f.isLogged(1, CMD('b.exe', 'b.exe -y'))).toBe(false);
    expect(f.isLogged(1, CMD('c.exe', 'c.exe -x'))).toBe(false);
    expect(f.decide(1, CMD('a.exe', 'a.exe -x'))).toMatchObject({ by: 'include-rule', line: 3 });
    expect(f.decide(1, CMD('a.exe', 'a.exe -x')).reason).toContain('all of its 3 conditions hold');
  });

  it('elements outside a RuleGroup combine with "and" (schema > 4.1) or "or" (schema <= 4.1)', () => {
    const body = '<ProcessCreate onmatch="include"><Image condition="end with">a.exe</Image><CommandLine condition="contains">-x</CommandLine></ProcessCreate>';
    expect(filter(body, '4.50').isLogged(1, CMD('a.exe', 'a.exe'))).toBe(false);
    expect(filter(body, '4.1').isLogged(1, CMD('a.exe', 'a.exe'))).toBe(true);
  });

  it('"or": any condition or <Rule> is enough, and names its line', () => {
    const f = filter(
      '<RuleGroup groupRelation="or"><ProcessCreate onmatch="include">\n<Image>x.exe</Image>\n<Rule name="r" groupRelation="and">\n<Image condition="end with">a.exe</Image>\n<CommandLine condition="contains">-x</CommandLine>\n</Rule>\n</ProcessCreate></RuleGroup>',
    );
    expect(f.decide(1, CMD('x.exe'))).toMatchObject({ logged: true, line: 4 });
    expect(f.decide(1, CMD('C:\\a.exe', 'a.exe -x'))).toMatchObject({ logged: true, line: 5 });
    expect(f.decide(1, CMD('C:\\a.exe', 'a.exe -x')).reason).toContain('<Rule name="r" groupRelation="and"> (Image end with "a.exe" and CommandLine contains "-x") (line 5)');
    expect(f.isLogged(1, CMD('C:\\a.exe', 'a.exe -y'))).toBe(false);
  });

  it('a <Rule groupRelation="and"> needs every condition, even two on one field', () => {
    const f = filter(
      '<RuleGroup groupRelation="or"><ProcessCreate onmatch="include"><Rule groupRelation="and"><Image condition="begin with">C:\\Users</Image><Image condition="end with">.exe</Image></Rule></ProcessCreate></RuleGroup>',
    );
    expect(f.isLogged(1, CMD('C:\\Users\\a.exe'))).toBe(true);
    expect(f.isLogged(1, CMD('C:\\Users\\a.dll'))).toBe(false);
    expect(f.isLogged(1, CMD('C:\\Temp\\a.exe'))).toBe(false);
  });

  it('a RegistryEvent element applies to EventIDs 12, 13 and 14', () => {
    const f = filter('<RegistryEvent onmatch="include"><TargetObject condition="contains">\\Session Manager\\</TargetObject></RegistryEvent>');
    const t = { TargetObject: 'HKLM\\System\\CurrentControlSet\\Control\\Session Manager\\BootExecute' };
    for (const id of [12, 13, 14]) expect(f.isLogged(id, t)).toBe(true);
    for (const id of [12, 13, 14]) expect(f.isLogged(id, { TargetObject: 'HKLM\\Software\\x' })).toBe(false);
  });

  it('a condition on a field the EventID does not have never matches, whatever the caller passes', () => {
    const f = filter('<RegistryEvent onmatch="include"><Details condition="is not">x</Details></RegistryEvent>\n<ProcessTerminate onmatch="include"><CommandLine condition="is not">x</CommandLine></ProcessTerminate>');
    expect(f.isLogged(13, { Details: 'Binary Data' })).toBe(true);
    expect(f.isLogged(12, { Details: 'Binary Data' })).toBe(false);
    expect(f.isLogged(5, { CommandLine: 'y' })).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: the filter (a port of Sysmon's loop with its skip bits and look-aheads) gives the
// same answer as a tiny declarative reference of the documented rules, on random configurations
// written as XML and parsed back.

const FIELDS = ['Image', 'CommandLine', 'ParentImage'] as const;
type Field = (typeof FIELDS)[number];

interface GCond {
  field: Field;
  condition: Condition;
  value: string;
}
interface GRule {
  rule: true;
  and: boolean;
  conds: GCond[];
}
type GItem = GCond | GRule;
interface GElement {
  eventId: 1 | 5;
  onmatch: 'include' | 'exclude';
  group: 'none' | 'and' | 'or' | 'unset';
  items: GItem[];
}
interface GConfig {
  schema: '4.1' | '4.90';
  elements: GElement[];
}

const text = fc.string({ unit: fc.constantFrom('a', 'B', '\\', '.', ';', ' ', 'x'), maxLength: 4 });
const cond: fc.Arbitrary<GCond> = fc.record({ field: fc.constantFrom(...FIELDS), condition: fc.constantFrom(...CONDITIONS), value: text });
const rule: fc.Arbitrary<GRule> = fc.record({ rule: fc.constant(true as const), and: fc.boolean(), conds: fc.array(cond, { minLength: 1, maxLength: 3 }) });
const element: fc.Arbitrary<GElement> = fc.record({
  eventId: fc.constantFrom(1 as const, 5 as const),
  onmatch: fc.constantFrom('include' as const, 'exclude' as const),
  group: fc.constantFrom('none' as const, 'and' as const, 'or' as const, 'unset' as const),
  items: fc.array(fc.oneof({ arbitrary: cond, weight: 3 }, { arbitrary: rule, weight: 1 }), { maxLength: 4 }),
});
const config: fc.Arbitrary<GConfig> = fc.record({ schema: fc.constantFrom('4.1' as const, '4.90' as const), elements: fc.array(element, { maxLength: 4 }) });
const event = fc.record({ eventId: fc.constantFrom(1, 5), fields: fc.record({ Image: text, CommandLine: text, ParentImage: text }, { requiredKeys: [] }) });

function toXml(c: GConfig): string {
  const condXml = (x: GCond) => `<${x.field} condition="${escapeXmlAttr(x.condition)}">${escapeXmlText(x.value)}</${x.field}>`;
  const out = [`<Sysmon schemaversion="${c.schema}">`, '<EventFiltering>'];
  for (const el of c.elements) {
    const tag = el.eventId === 1 ? 'ProcessCreate' : 'ProcessTerminate';
    const inner = el.items.map((it) => ('rule' in it ? `<Rule groupRelation="${it.and ? 'and' : 'or'}">${it.conds.map(condXml).join('')}</Rule>` : condXml(it))).join('\n');
    const xml = `<${tag} onmatch="${el.onmatch}">\n${inner}\n</${tag}>`;
    out.push(el.group === 'none' ? xml : el.group === 'unset' ? `<RuleGroup>${xml}</RuleGroup>` : `<RuleGroup groupRelation="${el.group}">${xml}</RuleGroup>`);
  }
  out.push('</EventFiltering>', '</Sysmon>');
  return out.join('\n');
}

function refHolds(x: GCond, eventId: number, fields: Partial<Record<Field, string>>): boolean {
  // ProcessTerminate events have no CommandLine or ParentImage.
  const v = eventId === 5 && x.field !== 'Image' ? undefined : fields[x.field];
  if (v === undefined) return false;
  const value = v.toLowerCase();
  const data = x.value.toLowerCase();
  const items = data.split(';');
  const has = (n: string) => value !== '' && value.includes(n);
  const name = value.slice(value.lastIndexOf('\\') + 1);
  switch (x.condition) {
    case 'is': return value === data;
    case 'is not': return value !== data;
    case 'is any': return items.includes(value);
    case 'contains': return has(data);
    case 'excludes': return !has(data);
    case 'contains any': return items.some(has);
    case 'contains all': return items.every(has);
    case 'excludes any': return !items.some(has);
    case 'excludes all': return !items.every(has);
    case 'begin with': return value.startsWith(data);
    case 'not begin with': return !value.startsWith(data);
    case 'end with': return value.endsWith(data);
    case 'not end with': return !value.endsWith(data);
    case 'less than': return value < data;
    case 'more than': return value > data;
    case 'image': return data.includes('\\') ? value === data : name === data;
  }
}

function refElement(el: GElement, schema: string, eventId: number, fields: Partial<Record<Field, string>>): boolean {
  const and = el.group === 'and' || ((el.group === 'none' || el.group === 'unset') && schema !== '4.1');
  const conds = el.items.filter((i): i is GCond => !('rule' in i));
  const rules = el.items.filter((i): i is GRule => 'rule' in i);
  if (el.items.length === 0) return false;
  const ruleHolds = (r: GRule) => (r.and ? r.conds.every((c) => refHolds(c, eventId, fields)) : r.conds.some((c) => refHolds(c, eventId, fields)));
  if (!and) return conds.some((c) => refHolds(c, eventId, fields)) || rules.some(ruleHolds);
  const byField = new Map<Field, GCond[]>();
  for (const c of conds) byField.set(c.field, [...(byField.get(c.field) ?? []), c]);
  return [...byField.values()].every((cs) => cs.some((c) => refHolds(c, eventId, fields))) && rules.every(ruleHolds);
}

function refLogged(c: GConfig, eventId: number, fields: Partial<Record<Field, string>>): boolean {
  const els = c.elements.filter((e) => e.eventId === eventId);
  if (els.length === 0) return eventTagForId(eventId)!.loggedByDefault;
  if (els.some((e) => e.onmatch === 'exclude' && refElement(e, c.schema, eventId, fields))) return false;
  if (els.some((e) => e.onmatch === 'include' && refElement(e, c.schema, eventId, fields))) return true;
  return els.length === 1 && els[0].onmatch === 'exclude';
}

describe('SysmonConfigFilter against a reference model', () => {
  it('agrees on random configurations and events', () => {
    fc.assert(
      fc.property(config, fc.array(event, { minLength: 1, maxLength: 8 }), (c, events) => {
        const f = new SysmonConfigFilter(parseSysmonConfig(toXml(c), 'random.xml'));
        for (const e of events) {
          const d = f.decide(e.eventId, e.fields);
          expect(d.logged).toBe(refLogged(c, e.eventId, e.fields));
          expect(f.isLogged(e.eventId, e.fields)).toBe(d.logged);
        }
      }),
      { numRuns: 600 },
    );
  });

  it('names a line inside the element that decided, when one did', () => {
    fc.assert(
      fc.property(config, event, (c, e) => {
        const parsed = parseSysmonConfig(toXml(c), 'random.xml');
        const d = new SysmonConfigFilter(parsed).decide(e.eventId, e.fields);
        if (d.element !== undefined) {
          expect(d.line).toBeGreaterThanOrEqual(d.element.line);
          expect(d.line).toBeLessThanOrEqual(d.element.endLine);
          expect(d.element.onmatch).toBe(d.by === 'exclude-rule' || (d.by === 'only-element' && d.logged) ? 'exclude' : 'include');
        }
      }),
      { numRuns: 300 },
    );
  });
});
