// Where the real samples live (read in place, never copied into the repo) and how to compare
// record trees with the reference renderings beside them.

import { XMLParser } from 'fast-xml-parser';
import type { RChild, RElement } from '../../src/sources/evtx/resolve.js';
import { SHARED_REAL } from '../helpers/cli.js';
import { realFiles } from '../helpers/real-samples.js';

export { HAVE_REAL as haveSamples, REAL_SKIP_REASON as skipSamplesWhy } from '../helpers/real-samples.js';
export const samplesDir = SHARED_REAL;

export function evtxSamples(): string[] {
  return realFiles('.evtx');
}

type Ordered = Record<string, unknown>;

/** fast-xml-parser's ordered output -> the same element shape the EVTX resolver produces. */
function fromOrdered(items: Ordered[]): RChild[] {
  const out: RChild[] = [];
  for (const it of items) {
    if ('#text' in it) {
      // The parser leaves numeric character references alone; python-evtx writes '®' as &#174;.
      out.push(String(it['#text']).replace(/&#(x?)([0-9a-fA-F]+);/g, (_m, x: string, d: string) => String.fromCodePoint(parseInt(d, x ? 16 : 10))));
      continue;
    }
    const name = Object.keys(it).find((k) => k !== ':@');
    if (name === undefined || name.startsWith('?')) continue;
    const rawAttrs = (it[':@'] ?? {}) as Record<string, string>;
    const attrs = Object.entries(rawAttrs).map(([k, v]) => ({ name: k.slice(1), value: String(v) }));
    out.push({ name, attrs, children: fromOrdered(it[name] as Ordered[]) });
  }
  return out;
}

/** Parses a reference rendering into its Event elements. */
export function referenceEvents(text: string): RElement[] {
  const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, parseAttributeValue: false, trimValues: false, processEntities: true, ignoreDeclaration: true });
  const body = text.startsWith('evtxexport') ? `<Events>${text.slice(text.indexOf('\n'))}</Events>` : text;
  const root = fromOrdered(parser.parse(body) as Ordered[]);
  const events = root.find((c): c is RElement => typeof c !== 'string' && c.name === 'Events');
  if (!events) throw new Error('reference has no <Events> root');
  return events.children.filter((c): c is RElement => typeof c !== 'string' && c.name === 'Event');
}

/**
 * Flattens an event into path -> value: System/EventID, System/Provider@Name,
 * EventData/Data[Image], EventData/Data#2 (unnamed, by position), UserData/...; whitespace-only
 * text between elements is layout, not data.
 */
export function flatten(el: RElement, prefix = '', out = new Map<string, string>()): Map<string, string> {
  const counts = new Map<string, number>();
  for (const a of el.attrs) if (a.name !== 'xmlns') out.set(`${prefix}@${a.name}`, a.value);
  const elems = el.children.filter((c): c is RElement => typeof c !== 'string');
  if (elems.length === 0) {
    const text = el.children.join('');
    if (prefix !== '' && !out.has(prefix)) out.set(prefix, text);
    return out;
  }
  for (const c of elems) {
    const nameAttr = c.name === 'Data' ? c.attrs.find((a) => a.name === 'Name') : undefined;
    let key = nameAttr ? `${c.name}[${nameAttr.value}]` : c.name;
    const k = counts.get(key) ?? 0;
    counts.set(key, k + 1);
    if (k > 0 || (!nameAttr && elems.filter((e) => e.name === c.name).length > 1)) key += `#${k}`;
    const sub: RElement = nameAttr ? { ...c, attrs: c.attrs.filter((a) => a !== nameAttr) } : c;
    flatten(sub, prefix === '' ? key : `${prefix}/${key}`, out);
  }
  return out;
}
