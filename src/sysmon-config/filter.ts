// Whether Sysmon, running a given configuration, writes an event: a port of the decision in
// Sysinternals/SysmonCommon `rules.c` (FilterEventRules, MatchFilterGroup, CombineGroupDone),
// the rule engine Sysmon for Windows and Sysmon for Linux share. Sysmon's documentation says the
// same in prose ("Event filtering entries"): exclude matches take precedence over include
// matches; rules on the same field are OR, on different fields AND, unless a RuleGroup says "or".
//
// For an event of tag T (RegistryEvent for 12, 13 and 14; PipeEvent for 17 and 18; ...):
// 1. T has no element in the configuration: Sysmon's default for T (events.ts).
// 2. The onmatch="exclude" elements of T are tried first, then the onmatch="include" ones; the
//    first that matches decides: exclude -> not logged, include -> logged.
// 3. Nothing matched: if T has exactly one element, its onmatch decides the rest (exclude: log
//    everything else; include: log nothing else); with two or more elements, not logged. So
//    `<ProcessCreate onmatch="exclude"/>` alone logs every creation, `<ProcessCreate
//    onmatch="include"/>` none, and an include element beside an exclude one means "only what
//    the includes match, minus what the excludes match".
// An element matches when its top-level items combine to true under its combine ("and" or
// "or"): an item is a field condition or a <Rule>. In "and", conditions on the same field are
// OR-ed together (any one of them satisfies that field) and a <Rule> must hold; in "or", any
// item holding is enough. An empty element matches nothing. Inside a <Rule>, its conditions
// combine by its own groupRelation, with no OR between same-field conditions.
// A field missing from the event matches no condition, and so does a field outside the event's
// schema whatever the caller passes (Sysmon: RegistryEvent conditions on Details never match an
// EventID 12; a condition on a field its tag does not have never matches).
//
// Hot path: conditions are compiled once (lower-cased needles); a decision lower-cases each field
// it reads at most once, into arrays reused across calls, and allocates nothing unless asked for
// the reason (decide()).

import { compileCondition, type Predicate } from './conditions.js';
import { canonicalField, eventTag, eventTagForId, FIELDS_ABSENT_FROM, UNFILTERABLE_EVENT_IDS, type SysmonEventTag } from './events.js';
import type { EventElement, FieldCondition, RuleNode, SysmonConfig } from './model.js';

export type DecisionBy =
  /** An onmatch="exclude" element matched. */
  | 'exclude-rule'
  /** An onmatch="include" element matched. */
  | 'include-rule'
  /** Nothing matched; the tag's only element decided by its onmatch. */
  | 'only-element'
  /** Nothing matched and the tag has several elements: not logged. */
  | 'no-include-matched'
  /** The configuration has no element for the tag: Sysmon's default. */
  | 'tag-absent'
  /** EventIDs 4, 16, 255, and IDs this build does not know: always logged. */
  | 'unfilterable';

export interface Decision {
  readonly logged: boolean;
  /** The line that decided: the matching condition or <Rule> (the element for an "and" element), or the only element. */
  readonly line?: number;
  readonly reason: string;
  readonly by: DecisionBy;
  /** The element that decided, when one did. */
  readonly element?: EventElement;
  /** What matched: a condition, a <Rule>, or the whole element (an "and" element). */
  readonly matched?: FieldCondition | RuleNode | EventElement;
}

interface CField {
  readonly slot: number;
  readonly pred: Predicate;
  readonly node: FieldCondition;
  /** In an "and" element: a later top-level condition tests the same field. */
  readonly sameFieldLater: boolean;
}

interface CRule {
  readonly node: RuleNode;
  readonly and: boolean;
  readonly fields: readonly CField[];
}

type CItem = { readonly field: CField; readonly rule?: undefined } | { readonly rule: CRule; readonly field?: undefined };

interface CElement {
  readonly el: EventElement;
  readonly and: boolean;
  readonly items: readonly CItem[];
}

interface TagFilter {
  readonly tag: SysmonEventTag;
  /** Exclude elements, then include elements, each in file order. */
  readonly ordered: readonly CElement[];
  readonly count: number;
}

const ELEMENT_MATCHED = -1;
const NO_MATCH = -2;

export class SysmonConfigFilter {
  private readonly byId = new Map<number, TagFilter>();
  private readonly slotNames: string[] = [];
  private readonly slotOf = new Map<string, number>();
  // Per-call caches, reused: lower-cased values by slot, valid where stamp[slot] === call.
  private values: (string | undefined)[] = [];
  /** Slots of fields the current EventID does not have (see FIELDS_ABSENT_FROM). */
  private absentSlots = new Map<number, ReadonlySet<number>>();
  private absent: ReadonlySet<number> | undefined;
  private stamps: number[] = [];
  private matchedIn: number[] = [];
  private call = 0;
  private elementRun = 0;
  // The last run's outcome (run() fills these; no allocation per event).
  private outLogged = false;
  private outBy: DecisionBy = 'unfilterable';
  private outElement: CElement | undefined;
  private outItem = NO_MATCH;
  private outTag: TagFilter | undefined;

  constructor(readonly config: SysmonConfig) {
    const byTag = new Map<string, EventElement[]>();
    for (const el of config.elements) {
      const list = byTag.get(el.tag) ?? [];
      list.push(el);
      byTag.set(el.tag, list);
    }
    const seen = new Set<string>();
    for (const el of config.elements) {
      if (seen.has(el.tag)) continue;
      seen.add(el.tag);
      const list = byTag.get(el.tag)!;
      const ordered = [...list.filter((e) => e.onmatch === 'exclude'), ...list.filter((e) => e.onmatch === 'include')].map((e) => this.compileElement(e));
      const tf: TagFilter = { tag: eventTagForId(el.eventIds[0])!, ordered, count: list.length };
      for (const id of el.eventIds) this.byId.set(id, tf);
    }
    for (const [id, names] of FIELDS_ABSENT_FROM) {
      const slots = names.map((n) => this.slotOf.get(n)).filter((x): x is number => x !== undefined);
      if (slots.length > 0) this.absentSlots.set(id, new Set(slots));
    }
    this.values = new Array<string | undefined>(this.slotNames.length).fill(undefined);
    this.stamps = new Array<number>(this.slotNames.length).fill(0);
    this.matchedIn = new Array<number>(this.slotNames.length).fill(0);
  }

  /** Whether Sysmon logs this event under the configuration. `fields` uses Sysmon's field names. */
  isLogged(eventId: number, fields: Readonly<Record<string, string | undefined>>): boolean {
    this.run(eventId, fields);
    return this.outLogged;
  }

  /**
   * Whether every event of this EventID is logged (true) or none is (false), whatever its fields;
   * undefined when it depends on them. Lets a caller skip building fields for a decision.
   */
  constantDecision(eventId: number): boolean | undefined {
    if (UNFILTERABLE_EVENT_IDS.has(eventId)) return true;
    const tf = this.byId.get(eventId);
    if (tf === undefined) return eventTagForId(eventId)?.loggedByDefault ?? true;
    if (tf.ordered.some((ce) => ce.items.length > 0)) return undefined;
    // No element has a condition: nothing matches, so the only element's onmatch decides, or with several, nothing is logged.
    return tf.count === 1 ? tf.ordered[0].el.onmatch === 'exclude' : false;
  }

  /** Whether the event is logged, the line that decided and why. */
  decide(eventId: number, fields: Readonly<Record<string, string | undefined>>): Decision {
    this.run(eventId, fields);
    return this.describe(eventId);
  }

  private slot(field: string): number {
    let s = this.slotOf.get(field);
    if (s === undefined) {
      s = this.slotNames.length;
      this.slotNames.push(field);
      this.slotOf.set(field, s);
    }
    return s;
  }

  private compileField(node: FieldCondition, sameFieldLater: boolean, tag: SysmonEventTag | undefined): CField {
    const known = tag?.fields === undefined || canonicalField(tag, node.canonicalField) !== undefined;
    return { slot: this.slot(node.canonicalField), pred: known ? compileCondition(node.condition, node.value) : () => false, node, sameFieldLater };
  }

  private compileElement(el: EventElement): CElement {
    const and = el.combine === 'and';
    const tag = eventTag(el.tag);
    const items: CItem[] = el.children.map((c, i) => {
      if (c.kind === 'rule') {
        return { rule: { node: c, and: c.groupRelation === 'and', fields: c.conditions.map((f) => this.compileField(f, false, tag)) } };
      }
      const later = el.children.slice(i + 1).some((o) => o.kind === 'field' && o.canonicalField === c.canonicalField);
      return { field: this.compileField(c, and && later, tag) };
    });
    return { el, and, items };
  }

  private value(slot: number, fields: Readonly<Record<string, string | undefined>>): string | undefined {
    if (this.stamps[slot] !== this.call) {
      this.stamps[slot] = this.call;
      const v = this.absent?.has(slot) === true ? undefined : fields[this.slotNames[slot]];
      this.values[slot] = v === undefined ? undefined : v.toLowerCase();
    }
    return this.values[slot];
  }

  private test(f: CField, fields: Readonly<Record<string, string | undefined>>): boolean {
    const v = this.value(f.slot, fields);
    return v !== undefined && f.pred(v);
  }

  private testRule(r: CRule, fields: Readonly<Record<string, string | undefined>>): boolean {
    if (r.and) {
      for (const f of r.fields) if (!this.test(f, fields)) return false;
      return true;
    }
    for (const f of r.fields) if (this.test(f, fields)) return true;
    return false;
  }

  /** ELEMENT_MATCHED, the index of the item that matched (an "or" element), or NO_MATCH. */
  private matchElement(ce: CElement, fields: Readonly<Record<string, string | undefined>>): number {
    const items = ce.items;
    if (items.length === 0) return NO_MATCH;
    if (!ce.and) {
      for (let i = 0; i < items.length; i++) {
        const it = items[i];
        if (it.rule !== undefined ? this.testRule(it.rule, fields) : this.test(it.field, fields)) return i;
      }
      return NO_MATCH;
    }
    const run = ++this.elementRun;
    for (const it of items) {
      if (it.rule !== undefined) {
        if (!this.testRule(it.rule, fields)) return NO_MATCH;
        continue;
      }
      const f = it.field;
      if (this.matchedIn[f.slot] === run) continue; // this field already holds
      if (this.test(f, fields)) {
        this.matchedIn[f.slot] = run;
        continue;
      }
      if (f.sameFieldLater) continue; // another condition on the field may still hold
      return NO_MATCH;
    }
    return ELEMENT_MATCHED;
  }

  private run(eventId: number, fields: Readonly<Record<string, string | undefined>>): void {
    this.call++;
    this.absent = this.absentSlots.get(eventId);
    this.outElement = undefined;
    this.outItem = NO_MATCH;
    const tf = UNFILTERABLE_EVENT_IDS.has(eventId) ? undefined : this.byId.get(eventId);
    this.outTag = tf;
    if (tf === undefined) {
      const tag = UNFILTERABLE_EVENT_IDS.has(eventId) ? undefined : eventTagForId(eventId);
      if (tag === undefined) {
        this.outBy = 'unfilterable';
        this.outLogged = true;
      } else {
        this.outBy = 'tag-absent';
        this.outLogged = tag.loggedByDefault;
      }
      return;
    }
    for (const ce of tf.ordered) {
      const m = this.matchElement(ce, fields);
      if (m !== NO_MATCH) {
        this.outElement = ce;
        this.outItem = m;
        this.outLogged = ce.el.onmatch === 'include';
        this.outBy = this.outLogged ? 'include-rule' : 'exclude-rule';
        return;
      }
    }
    if (tf.count === 1) {
      this.outElement = tf.ordered[0];
      this.outBy = 'only-element';
      this.outLogged = tf.ordered[0].el.onmatch === 'exclude';
    } else {
      this.outBy = 'no-include-matched';
      this.outLogged = false;
    }
  }

  private describe(eventId: number): Decision {
    const logged = this.outLogged;
    const by = this.outBy;
    const ce = this.outElement;
    switch (by) {
      case 'unfilterable':
        return { logged, by, reason: `EventID ${eventId} is not filtered by Sysmon's configuration` };
      case 'tag-absent': {
        const tag = eventTagForId(eventId)!;
        return {
          logged,
          by,
          reason:
            `the configuration has no <${tag.tag}> element; Sysmon's default for ${tag.tag} is to ${logged ? 'log' : 'not log'} its events` +
            (tag.uncertainDefault === true ? ' (our reading of Sysmon\'s manifest, not documented)' : ''),
        };
      }
      case 'only-element': {
        const el = ce!.el;
        return {
          logged,
          by,
          line: el.line,
          element: el,
          reason: logged
            ? `no exclude rule matched; the only <${el.tag}> element (onmatch="exclude", line ${el.line}) logs everything else`
            : `no rule matched; the only <${el.tag}> element (onmatch="include", line ${el.line}) logs nothing else`,
        };
      }
      case 'no-include-matched': {
        const tf = this.outTag!;
        const includes = tf.ordered.filter((c) => c.el.onmatch === 'include').map((c) => c.el.line);
        return {
          logged,
          by,
          line: includes[0],
          reason:
            includes.length > 0
              ? `no include rule of <${tf.tag.tag}> matched (onmatch="include" at line${includes.length > 1 ? 's' : ''} ${includes.join(', ')}), so it is not logged`
              : `no rule matched and <${tf.tag.tag}> has ${tf.count} exclude elements (lines ${tf.ordered.map((c) => c.el.line).join(', ')}); Sysmon logs nothing unmatched when a tag has more than one element`,
        };
      }
      case 'include-rule':
      case 'exclude-rule': {
        const el = ce!.el;
        const verb = by === 'include-rule' ? 'included' : 'excluded';
        if (this.outItem === ELEMENT_MATCHED) {
          return {
            logged,
            by,
            line: el.line,
            element: el,
            matched: el,
            reason: `${verb} by <${el.tag} onmatch="${el.onmatch}"> at line ${el.line}: all of its ${el.children.length} conditions hold (groupRelation "and")`,
          };
        }
        const item = el.children[this.outItem];
        return {
          logged,
          by,
          line: item.line,
          element: el,
          matched: item,
          reason: `${verb} by ${describeNode(item)} (line ${item.line}) of <${el.tag} onmatch="${el.onmatch}"> at line ${el.line}`,
        };
      }
    }
  }
}

export function describeNode(node: FieldCondition | RuleNode): string {
  if (node.kind === 'field') return `${node.field} ${node.condition} "${node.value}"`;
  const name = node.name !== undefined && node.name !== '' ? ` name="${node.name}"` : '';
  return `<Rule${name} groupRelation="${node.groupRelation}"> (${node.conditions.map((c) => describeNode(c)).join(` ${node.groupRelation} `)})`;
}

