// Sysmon configuration XML (schema 4.x) -> SysmonConfig, with the line of every element.
//
// XML is read with saxes (a maintained, conformant streaming parser that tracks lines);
// fast-xml-parser, used for events elsewhere, does not report lines. The structure is then
// checked as Sysmon's loader does (Sysinternals/SysmonCommon `xml.cpp`): <Sysmon schemaversion>,
// <EventFiltering> holding event elements directly or inside <RuleGroup>, each event element
// with `onmatch` and holding field conditions or <Rule> groups of them. Every problem is
// collected and reported with its line.
//
// How the parts combine, as `xml.cpp` builds them:
// - An event element inside a <RuleGroup groupRelation="or|and"> combines its top-level
//   conditions that way. Without a RuleGroup, or a RuleGroup without groupRelation, the default
//   is "and" for schema versions above 4.1 and "or" for 4.1 and older.
// - <Rule groupRelation> defaults to "and".
// - A condition's value is the element's text exactly as written: entities decoded, white space
//   kept (xmlNodeListGetString, no trimming).

import { SaxesParser } from 'saxes';
import { SysmonConfigError, type ConfigProblem } from './errors.js';
import { canonicalField, eventTag, eventTagIgnoringCase, type SysmonEventTag } from './events.js';
import { CONDITIONS, type Combine, type Condition, type EventElement, type FieldCondition, type OnMatch, type RuleGroupNode, type RuleNode, type SysmonConfig } from './model.js';

interface XmlNode {
  readonly name: string;
  readonly attrs: Record<string, string>;
  readonly line: number;
  endLine: number;
  readonly children: XmlNode[];
  text: string;
}

const CONDITION_SET: ReadonlySet<string> = new Set(CONDITIONS);

/** Parses configuration text. `source` names the file in errors. Throws SysmonConfigError. */
export function parseSysmonConfig(text: string, source: string): SysmonConfig {
  const root = parseXml(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, source);
  return new Builder(source).build(root);
}

function parseXml(text: string, source: string): XmlNode {
  const parser = new SaxesParser({ position: true });
  const stack: XmlNode[] = [];
  let root: XmlNode | undefined;
  let startLine = 1;
  parser.on('opentagstart', () => {
    startLine = parser.line;
  });
  parser.on('opentag', (tag) => {
    const node: XmlNode = { name: tag.name, attrs: { ...tag.attributes } as Record<string, string>, line: startLine, endLine: startLine, children: [], text: '' };
    const parent = stack[stack.length - 1];
    if (parent !== undefined) parent.children.push(node);
    else root = node;
    stack.push(node);
  });
  parser.on('closetag', () => {
    const node = stack.pop();
    if (node !== undefined) node.endLine = parser.line;
  });
  const onText = (t: string): void => {
    const node = stack[stack.length - 1];
    if (node !== undefined) node.text += t;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  try {
    parser.write(text).close();
  } catch (e) {
    // saxes reads a bare & as the start of an entity name and only fails where the document
    // ends, far from the mistake; the commonest one in Sysmon configurations, so look for it.
    const amp = bareAmpersandLine(text);
    const at = /^(\d+):(\d+): /.exec((e as Error).message);
    const line = at !== null ? Number(at[1]) : parser.line;
    if (amp !== undefined && amp <= line) {
      throw new SysmonConfigError(source, [{ line: amp, message: 'not well-formed XML: a bare "&"; write it as &amp; (and a < in a value as &lt;)' }]);
    }
    const message = (e as Error).message.replace(/^[^:]*?\d+:\d+: /, '');
    throw new SysmonConfigError(source, [{ line, column: at !== null ? Number(at[2]) : parser.column, message: `not well-formed XML: ${message}; fix the XML (an & must be written &amp;, a < in a value &lt;)` }]);
  }
  if (root === undefined) throw new SysmonConfigError(source, [{ line: 1, message: 'no XML element found; a Sysmon configuration starts with <Sysmon schemaversion="4.90">' }]);
  return root;
}

/** Line of the first & that starts no entity or character reference, outside comments and CDATA. */
function bareAmpersandLine(text: string): number | undefined {
  const ref = /&(?:#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z_:][\w.:-]*);/y;
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) return undefined;
      i = end + 2;
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i + 9);
      if (end < 0) return undefined;
      i = end + 2;
    } else if (text[i] === '&') {
      ref.lastIndex = i;
      if (!ref.test(text)) return text.slice(0, i).split('\n').length;
    }
  }
  return undefined;
}

class Builder {
  private readonly problems: ConfigProblem[] = [];
  private readonly warnings: { line: number; message: string }[] = [];
  private defaultCombine: Combine = 'and';

  constructor(private readonly source: string) {}

  build(root: XmlNode): SysmonConfig {
    if (root.name !== 'Sysmon') {
      throw new SysmonConfigError(this.source, [{ line: root.line, message: `the root element is <${root.name}>; a Sysmon configuration's root is <Sysmon schemaversion="4.90">` }]);
    }
    const schemaVersion = root.attrs.schemaversion;
    if (schemaVersion === undefined) {
      this.problem(root.line, '<Sysmon> has no schemaversion attribute; add one, e.g. <Sysmon schemaversion="4.90">');
    } else if (!/^4(\.\d+)?$/.test(schemaVersion.trim())) {
      this.problem(root.line, `schemaversion "${schemaVersion}" is not a 4.x schema; this reader understands Sysmon configuration schema 4.x (Sysmon 8 and later)`);
    } else {
      // xml.cpp: rules outside a RuleGroup combine with OR up to schema 4.1, AND after it.
      this.defaultCombine = Math.round(Number(schemaVersion.trim()) * 100) > 410 ? 'and' : 'or';
    }
    let hashAlgorithms: string | undefined;
    let eventFiltering: { line: number; endLine: number } | undefined;
    const elements: EventElement[] = [];
    for (const child of root.children) {
      if (child.name === 'HashAlgorithms') hashAlgorithms = child.text.trim();
      else if (child.name === 'EventFiltering') {
        eventFiltering ??= { line: child.line, endLine: child.endLine };
        for (const c of child.children) {
          if (c.name.toLowerCase() === 'rulegroup') this.ruleGroup(c, elements);
          else this.eventElement(c, undefined, elements);
        }
      }
      // Other entries (CheckRevocation, DnsLookup, ArchiveDirectory, ...) do not filter events.
    }
    if (this.problems.length > 0) throw new SysmonConfigError(this.source, this.problems);
    return {
      source: this.source,
      schemaVersion: schemaVersion!.trim(),
      hashAlgorithms,
      eventFiltering,
      root: { line: root.line, endLine: root.endLine },
      elements,
      warnings: this.warnings,
    };
  }

  private problem(line: number, message: string): void {
    this.problems.push({ line, message });
  }

  private ruleGroup(node: XmlNode, out: EventElement[]): void {
    const rel = node.attrs.groupRelation;
    const groupRelation = rel === undefined ? undefined : this.combine(rel, node, 'RuleGroup');
    const group: RuleGroupNode = { line: node.line, endLine: node.endLine, name: node.attrs.name, groupRelation };
    for (const c of node.children) {
      if (c.name.toLowerCase() === 'rulegroup') this.problem(c.line, 'a <RuleGroup> cannot hold another <RuleGroup>; put the event elements of both directly under <EventFiltering> in two RuleGroups');
      else this.eventElement(c, group, out);
    }
  }

  private combine(value: string, node: XmlNode, what: string): Combine | undefined {
    const v = value.trim().toLowerCase();
    if (v === 'and' || v === 'or') return v;
    this.problem(node.line, `${what} groupRelation="${value}" is neither "and" nor "or"`);
    return undefined;
  }

  private eventElement(node: XmlNode, group: RuleGroupNode | undefined, out: EventElement[]): void {
    const tag = eventTag(node.name);
    if (tag === undefined) {
      const near = eventTagIgnoringCase(node.name);
      this.problem(
        node.line,
        near !== undefined
          ? `<${node.name}> is spelled <${near.tag}> (Sysmon's element names are case-sensitive)`
          : `<${node.name}> is not a Sysmon event filter element; expected one of ProcessCreate, ProcessTerminate, RegistryEvent, ProcessAccess, ... (see the "Event filtering entries" of Sysmon's documentation)`,
      );
      return;
    }
    const onmatch = this.onmatch(node);
    const children: (FieldCondition | RuleNode)[] = [];
    for (const c of node.children) {
      if (c.name.toLowerCase() === 'rule') {
        const rule = this.rule(c, tag);
        if (rule !== undefined && rule.conditions.length > 0) children.push(rule); // Sysmon never evaluates an empty <Rule>.
      } else {
        const f = this.field(c, tag);
        if (f !== undefined) children.push(f);
      }
    }
    if (onmatch === undefined) return;
    out.push({
      tag: tag.tag,
      eventIds: tag.eventIds,
      onmatch,
      combine: group?.groupRelation ?? this.defaultCombine,
      ruleGroup: group,
      line: node.line,
      endLine: node.endLine,
      children,
    });
  }

  private onmatch(node: XmlNode): OnMatch | undefined {
    const onmatch = node.attrs.onmatch;
    const dflt = node.attrs.default;
    if (onmatch !== undefined && dflt !== undefined) {
      this.problem(node.line, `<${node.name}> has both onmatch and default; keep only onmatch`);
      return undefined;
    }
    if (onmatch !== undefined) {
      const v = onmatch.trim().toLowerCase();
      if (v === 'include' || v === 'exclude') return v;
      this.problem(node.line, `<${node.name} onmatch="${onmatch}">: onmatch must be "include" or "exclude"`);
      return undefined;
    }
    if (dflt !== undefined) {
      // The older spelling: default="exclude" drops what matches nothing, i.e. onmatch="include".
      const v = dflt.trim().toLowerCase();
      if (v === 'exclude') return 'include';
      if (v === 'include') return 'exclude';
      this.problem(node.line, `<${node.name} default="${dflt}">: default must be "include" or "exclude" (better: use onmatch)`);
      return undefined;
    }
    this.problem(node.line, `<${node.name}> has no onmatch attribute; add onmatch="include" (log only what matches) or onmatch="exclude" (log all but what matches)`);
    return undefined;
  }

  private rule(node: XmlNode, tag: SysmonEventTag): RuleNode | undefined {
    const rel = node.attrs.groupRelation;
    const groupRelation = rel === undefined ? 'and' : this.combine(rel, node, 'Rule');
    const conditions: FieldCondition[] = [];
    for (const c of node.children) {
      if (c.name.toLowerCase() === 'rule') {
        this.problem(c.line, 'a <Rule> cannot hold another <Rule>; list its conditions directly');
        continue;
      }
      const f = this.field(c, tag);
      if (f !== undefined) conditions.push(f);
    }
    if (groupRelation === undefined) return undefined;
    return { kind: 'rule', name: node.attrs.name, groupRelation, conditions, line: node.line, endLine: node.endLine };
  }

  private field(node: XmlNode, tag: SysmonEventTag): FieldCondition | undefined {
    if (node.children.length > 0) {
      this.problem(node.line, `<${node.name}> under <${tag.tag}> holds elements; a field condition holds only its value, e.g. <Image condition="end with">smss.exe</Image>`);
      return undefined;
    }
    const raw = node.attrs.condition ?? 'is';
    const condition = raw.trim().toLowerCase().replace(/\s+/g, ' ');
    if (!CONDITION_SET.has(condition)) {
      this.problem(node.line, `<${node.name} condition="${raw}">: unknown condition; use one of ${CONDITIONS.join(', ')}`);
      return undefined;
    }
    const canonical = canonicalField(tag, node.name);
    if (canonical === undefined && tag.fields !== undefined) {
      this.warnings.push({ line: node.line, message: `<${tag.tag}> events have no field "${node.name}"; this condition never matches` });
    }
    return {
      kind: 'field',
      field: node.name,
      canonicalField: canonical ?? node.name,
      condition: condition as Condition,
      value: node.text,
      name: node.attrs.name,
      line: node.line,
      endLine: node.endLine,
    };
  }
}
