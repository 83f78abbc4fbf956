// Sysmon's field conditions, compiled once into predicates over a lower-cased field value.
//
// Semantics follow Sysmon's rule engine (Sysinternals/SysmonCommon `rules.c`,
// MatchFilterOnSpecificRule), which lower-cases the rule data when the rules are loaded and
// compares case-insensitively:
// - is / is not: whole value equal / different.       is any: equal to one of the `;` items.
// - contains / excludes: substring / not a substring.  contains any / contains all: one / every
//   `;` item is a substring.
// - excludes any: no `;` item is a substring; excludes all: some item is not a substring. (So
//   rules.c; Sysmon's documentation words the two the other way round, "excludes any: does not
//   contain one or more of the values", "excludes all: does not contain any of the values".
//   We follow the engine: it is what runs, and sysmon-modular uses "excludes any" the engine's
//   way, e.g. `<Image condition="excludes any">chrome.exe;firefox.exe</Image>`.)
// - begin with / end with and their `not` forms: prefix / suffix.
// - less than / more than: lexicographic comparison of the lower-cased strings.
// - image: when the rule data has no backslash, compare it with the value's file name (the text
//   after its last backslash), else with the whole value.
// - A substring search in an empty value never matches (FindSubString loops over the value).
// Not modelled: on Windows, rule data containing `%` is expanded as environment variables before
// matching (`%SystemRoot%`); we compare it as written. Both public configurations write
// `%%SystemRoot%%`, which is how Sysmon's events spell csrss's command line.

import type { Condition } from './model.js';

export type Predicate = (lowerValue: string) => boolean;

function has(value: string, needle: string): boolean {
  return value.length > 0 && value.includes(needle);
}

function fileName(value: string): string {
  const i = value.lastIndexOf('\\');
  return i < 0 ? value : value.slice(i + 1);
}

/** Compiles one condition; `data` is the condition's value as written in the configuration. */
export function compileCondition(condition: Condition, data: string): Predicate {
  const d = data.toLowerCase();
  const items = d.split(';');
  switch (condition) {
    case 'is':
      return (v) => v === d;
    case 'is not':
      return (v) => v !== d;
    case 'is any': {
      const set = new Set(items);
      return (v) => set.has(v);
    }
    case 'contains':
      return (v) => has(v, d);
    case 'excludes':
      return (v) => !has(v, d);
    case 'contains any':
      return (v) => items.some((i) => has(v, i));
    case 'excludes any':
      return (v) => !items.some((i) => has(v, i));
    case 'contains all':
      return (v) => items.every((i) => has(v, i));
    case 'excludes all':
      return (v) => !items.every((i) => has(v, i));
    case 'begin with':
      return (v) => v.startsWith(d);
    case 'not begin with':
      return (v) => !v.startsWith(d);
    case 'end with':
      return (v) => v.endsWith(d);
    case 'not end with':
      return (v) => !v.endsWith(d);
    case 'less than':
      return (v) => v < d;
    case 'more than':
      return (v) => v > d;
    case 'image':
      return d.includes('\\') ? (v) => v === d : (v) => fileName(v) === d;
  }
}
