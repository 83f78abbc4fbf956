// A parsed Sysmon configuration (schema 4.x): what the parser gives and the filter reads. Every
// node keeps the lines it spans in the file, so that a decision can name the line that made it
// and a fix can name the lines to remove.

export type Combine = 'and' | 'or';
export type OnMatch = 'include' | 'exclude';

export const CONDITIONS = [
  'is',
  'is not',
  'is any',
  'contains',
  'contains any',
  'contains all',
  'excludes',
  'excludes any',
  'excludes all',
  'begin with',
  'not begin with',
  'end with',
  'not end with',
  'less than',
  'more than',
  'image',
] as const;
export type Condition = (typeof CONDITIONS)[number];

interface Span {
  /** 1-based line of the element's start tag. */
  readonly line: number;
  /** 1-based line of its end tag (the same line for `<X/>` or `<X>v</X>` on one line). */
  readonly endLine: number;
}

/** `<Image condition="end with">smss.exe</Image>`: one field condition. */
export interface FieldCondition extends Span {
  readonly kind: 'field';
  /** The field as written in the configuration. */
  readonly field: string;
  /** Sysmon's spelling when the field is known for the tag, else as written. */
  readonly canonicalField: string;
  readonly condition: Condition;
  /** The text content exactly as Sysmon reads it: entities decoded, white space kept. */
  readonly value: string;
  readonly name?: string;
}

/** `<Rule name groupRelation>`: conditions combined with and / or (default and). */
export interface RuleNode extends Span {
  readonly kind: 'rule';
  readonly name?: string;
  readonly groupRelation: Combine;
  readonly conditions: readonly FieldCondition[];
}

export interface RuleGroupNode extends Span {
  readonly name?: string;
  /** As written; undefined when the attribute is absent. */
  readonly groupRelation?: Combine;
}

/** `<ProcessCreate onmatch="exclude">`: one filter element of one tag. */
export interface EventElement extends Span {
  readonly tag: string;
  readonly eventIds: readonly number[];
  readonly onmatch: OnMatch;
  /** How the element's top-level conditions combine (from the RuleGroup, or the schema default). */
  readonly combine: Combine;
  readonly ruleGroup?: RuleGroupNode;
  readonly children: readonly (FieldCondition | RuleNode)[];
}

export interface SysmonConfig {
  /** Where the text came from (a path, or a name for built-in configurations). */
  readonly source: string;
  readonly schemaVersion: string;
  readonly hashAlgorithms?: string;
  /** Lines of the first <EventFiltering>; undefined when the configuration has none. */
  readonly eventFiltering?: { readonly line: number; readonly endLine: number };
  /** Lines of the root <Sysmon> element. */
  readonly root: { readonly line: number; readonly endLine: number };
  /** Every filter element, in file order. */
  readonly elements: readonly EventElement[];
  /** Things Sysmon may accept but that look wrong (unknown field names), with their lines. */
  readonly warnings: readonly { line: number; message: string }[];
}
