// How to change a configuration so that it logs the events a set of rules needs.
//
// Sysmon lets an exclude match win over every include, so an event dropped by an exclude rule
// cannot be brought back by adding anything: the excluding line has to go (for an "and" element,
// the whole element, since dropping one of its conditions would make it exclude more). An event
// dropped because no include rule matched (or because Sysmon's default for its tag is not to log)
// comes back with an include condition. planFix() repeats this until every need is logged,
// re-evaluating after each change, so a second exclusion behind the first is found too.
//
// A removal is a range of whole lines. It is refused for automatic application (`shared`) when
// another element starts or ends inside the range without being inside it (two conditions on one
// line, say); the public configurations keep one condition per line.

import { eventTag } from './events.js';
import { SysmonConfigFilter, describeNode } from './filter.js';
import type { EventElement, FieldCondition, RuleNode, SysmonConfig } from './model.js';
import type { EventNeed, IncludeCondition } from './needs.js';
import { renderIncludeSnippet } from './render.js';

export interface Removal {
  readonly line: number;
  readonly endLine: number;
  /** What the lines hold, e.g. `CommandLine is "\SystemRoot\System32\smss.exe"`. */
  readonly what: string;
  /** The configuration's text of those lines (trimmed), when the text was given. */
  readonly text?: string;
  /** Need ids this removal brings back. */
  readonly needs: readonly string[];
  /** Another element shares these lines: the fix must be made by hand. */
  readonly shared: boolean;
}

export interface Addition {
  readonly condition: IncludeCondition;
  readonly needs: readonly string[];
}

export interface Fix {
  readonly remove: readonly Removal[];
  readonly add: readonly Addition[];
  /** The additions as XML lines, to paste inside <EventFiltering>; empty when nothing is added. */
  readonly snippet: readonly string[];
  /** Every need given is logged once the fix is applied. */
  readonly complete: boolean;
}

interface Span {
  readonly line: number;
  readonly endLine: number;
}

const within = (n: Span, r: Span): boolean => n.line >= r.line && n.endLine <= r.endLine;

/** The configuration with the removals taken out and the additions appended (model level). */
export function configWithFix(config: SysmonConfig, remove: readonly Span[], add: readonly IncludeCondition[]): SysmonConfig {
  const gone = (n: Span): boolean => remove.some((r) => within(n, r));
  const elements: EventElement[] = [];
  for (const el of config.elements) {
    if (gone(el) || (el.ruleGroup !== undefined && gone(el.ruleGroup))) continue;
    const children = el.children
      .filter((c) => !gone(c))
      .map((c) => (c.kind === 'rule' ? { ...c, conditions: c.conditions.filter((f) => !gone(f)) } : c))
      .filter((c) => c.kind === 'field' || c.conditions.length > 0);
    elements.push(children.length === el.children.length && children.every((c, i) => c === el.children[i]) ? el : { ...el, children });
  }
  const byTag = new Map<string, IncludeCondition[]>();
  for (const c of add) byTag.set(c.tag, [...(byTag.get(c.tag) ?? []), c]);
  for (const [tag, conds] of byTag) {
    const model = config.elements.find((e) => e.tag === tag);
    const eventIds = model?.eventIds ?? tagIds(tag);
    elements.push({
      tag,
      eventIds,
      onmatch: 'include',
      combine: 'or',
      line: 0,
      endLine: 0,
      children: conds.map((c) => ({ kind: 'field', field: c.field, canonicalField: c.field, condition: c.condition, value: c.value, line: 0, endLine: 0 })),
    });
  }
  return { ...config, elements };
}

function tagIds(tag: string): readonly number[] {
  return eventTag(tag)?.eventIds ?? [];
}

function allSpans(config: SysmonConfig): Span[] {
  const spans: Span[] = [config.root];
  if (config.eventFiltering !== undefined) spans.push(config.eventFiltering);
  const groups = new Set<Span>();
  for (const el of config.elements) {
    spans.push(el);
    if (el.ruleGroup !== undefined && !groups.has(el.ruleGroup)) {
      groups.add(el.ruleGroup);
      spans.push(el.ruleGroup);
    }
    for (const c of el.children) {
      spans.push(c);
      if (c.kind === 'rule') spans.push(...c.conditions);
    }
  }
  return spans;
}

/** The node and everything inside it. */
function subtree(config: SysmonConfig, node: Span): Set<Span> {
  const out = new Set<Span>([node]);
  for (const el of config.elements) {
    const inGroup = el.ruleGroup === node;
    if (el === node || inGroup) out.add(el);
    for (const c of el.children) {
      const inside = out.has(el) || c === node;
      if (inside) out.add(c);
      if (c.kind === 'rule') for (const f of c.conditions) if (inside) out.add(f);
    }
  }
  return out;
}

/** Another node, not inside the one removed, starts or ends on the removed lines. */
function isShared(config: SysmonConfig, node: Span): boolean {
  const mine = subtree(config, node);
  return allSpans(config).some((n) => {
    if (mine.has(n)) return false;
    const overlaps = n.line <= node.endLine && n.endLine >= node.line;
    const encloses = n.line < node.line && n.endLine > node.endLine;
    return overlaps && !encloses;
  });
}

/** What to remove for an exclusion: the matching condition or <Rule>; for an "and" element, the element (with its RuleGroup when it is the group's only element). */
function removalTarget(config: SysmonConfig, element: EventElement, matched: FieldCondition | RuleNode | EventElement): { span: Span; what: string } {
  if (!('tag' in matched)) return { span: matched, what: describeNode(matched) };
  const group = element.ruleGroup;
  const alone = group !== undefined && config.elements.filter((e) => e.ruleGroup === group).length === 1;
  const what = `<${element.tag} onmatch="${element.onmatch}"> (all of its conditions must hold, so it goes whole)`;
  return { span: alone ? group : element, what: alone ? `<RuleGroup> holding only ${what}` : what };
}

/** The removals and additions that make `config` log every need in `needs`. */
export function planFix(config: SysmonConfig, needs: readonly EventNeed[], text?: string): Fix {
  const lines = text?.split('\n');
  const removals: { span: Span; node: Span; what: string; needs: string[] }[] = [];
  const additions: { condition: IncludeCondition; needs: string[] }[] = [];
  // Each round fixes one need's first obstacle; a need can meet several exclusions in a row.
  for (let round = 0; round < 10_000; round++) {
    const filter = new SysmonConfigFilter(
      configWithFix(
        config,
        removals.map((r) => r.span),
        additions.map((a) => a.condition),
      ),
    );
    let changed = false;
    for (const need of needs) {
      const d = filter.decide(need.eventId, need.probe);
      if (d.logged) continue;
      if (d.by === 'exclude-rule' && d.element !== undefined && d.matched !== undefined && d.element.line > 0) {
        // The filter ran on a copy (configWithFix): find the original nodes by their lines.
        const element = config.elements.find((e) => e.line === d.element!.line && e.tag === d.element!.tag)!;
        const m = d.matched;
        const matched = 'tag' in m ? element : element.children.find((c) => c.line === m.line && c.kind === m.kind) ?? m;
        const { span, what } = removalTarget(config, element, matched);
        const known = removals.find((r) => r.span.line === span.line && r.span.endLine === span.endLine);
        if (known !== undefined) known.needs.push(need.id);
        else removals.push({ span: { line: span.line, endLine: span.endLine }, node: span, what, needs: [need.id] });
      } else {
        const same = additions.find((a) => a.condition === need.include);
        if (same !== undefined) same.needs.push(need.id);
        else additions.push({ condition: need.include, needs: [need.id] });
      }
      changed = true;
      break;
    }
    if (!changed) break;
  }
  // Credit every need a change serves, not only the one that prompted it.
  for (const a of additions) a.needs = needs.filter((n) => n.include === a.condition).map((n) => n.id);
  const fixed = new SysmonConfigFilter(
    configWithFix(
      config,
      removals.map((r) => r.span),
      additions.map((a) => a.condition),
    ),
  );
  const complete = needs.every((n) => fixed.isLogged(n.eventId, n.probe));
  return {
    remove: removals
      .sort((a, b) => a.span.line - b.span.line)
      .map((r) => ({
        line: r.span.line,
        endLine: r.span.endLine,
        what: r.what,
        text: lines
          ?.slice(r.span.line - 1, r.span.endLine)
          .map((l) => l.trim())
          .join('\n'),
        needs: [...new Set(r.needs)],
        shared: isShared(config, r.node),
      })),
    add: additions.map((a) => ({ condition: a.condition, needs: a.needs })),
    snippet: renderIncludeSnippet(additions.map((a) => a.condition)),
    complete,
  };
}

export class FixNotApplicableError extends Error {}

/**
 * The configuration text with the fix applied: removed lines deleted, the snippet inserted just
 * before </EventFiltering> (or in a new <EventFiltering> before </Sysmon>). Keeps the file's line
 * endings. Throws FixNotApplicableError when a removal shares its lines with another element.
 */
export function applyFix(text: string, config: SysmonConfig, fix: Fix): string {
  const shared = fix.remove.find((r) => r.shared);
  if (shared !== undefined) throw new FixNotApplicableError(`line ${shared.line} holds more than the element to remove; edit it by hand`);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (fix.snippet.length > 0) insertSnippet(lines, config, fix.snippet);
  // Insertion is after every removed line (it is at the end of <EventFiltering>), so the
  // removals' line numbers still hold; delete bottom-up.
  for (const r of [...fix.remove].sort((a, b) => b.line - a.line)) lines.splice(r.line - 1, r.endLine - r.line + 1);
  return lines.join(eol);
}

function insertSnippet(lines: string[], config: SysmonConfig, snippet: readonly string[]): void {
  const ef = config.eventFiltering;
  if (ef !== undefined) {
    const i = ef.endLine - 1;
    const line = lines[i];
    const close = line.lastIndexOf('</EventFiltering');
    if (close >= 0) {
      const head = line.slice(0, close);
      const indent = head.trim() === '' ? head : '';
      const inner = snippet.map((l) => `${indent}  ${l}`);
      lines.splice(i, 1, ...(head.trim() === '' ? [...inner, line] : [head, ...inner, line.slice(close)]));
      return;
    }
    const self = /<EventFiltering\s*\/>/.exec(line);
    if (self !== null) {
      const indent = /^\s*/.exec(line)![0];
      lines.splice(i, 1, line.slice(0, self.index) + '<EventFiltering>', ...snippet.map((l) => `${indent}  ${l}`), `${indent}</EventFiltering>${line.slice(self.index + self[0].length)}`);
      return;
    }
  }
  const i = config.root.endLine - 1;
  const line = lines[i];
  const close = line.lastIndexOf('</Sysmon');
  const block = ['  <EventFiltering>', ...snippet.map((l) => `    ${l}`), '  </EventFiltering>'];
  lines.splice(i, 1, ...(close > 0 && line.slice(0, close).trim() !== '' ? [line.slice(0, close), ...block, line.slice(close)] : [...block, line]));
}
