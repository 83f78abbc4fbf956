// Renders resolved record trees as Windows Event XML on one line, or as a JSON object
// (Data elements named by their Name attribute, as most EVTX-to-JSON tools do). One line means
// one line: TAB, LF and CR in values (Security 4672's PrivilegeList, multi-line command lines)
// are written as character references.

import { escapeXml } from '../../decode/xml-escape.js';
import type { RChild, RElement } from './resolve.js';

export function renderXml(el: RElement, extraAttrs = ''): string {
  let s = '<' + el.name;
  for (const a of el.attrs) s += ` ${a.name}="${escapeXml(a.value, false, true)}"`;
  s += extraAttrs;
  if (el.children.length === 0) return s + '/>';
  s += '>';
  for (const c of el.children) s += typeof c === 'string' ? escapeXml(c, false, true) : renderXml(c);
  return s + `</${el.name}>`;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

/** Element -> JSON: text-only elements become strings, attributes go under '#attributes'. */
export function toJson(el: RElement): JsonValue {
  const obj: { [k: string]: JsonValue } = {};
  if (el.attrs.length > 0) {
    const attrs: { [k: string]: JsonValue } = {};
    for (const a of el.attrs) attrs[a.name] = a.value;
    obj['#attributes'] = attrs;
  }
  let text = '';
  let hasElements = false;
  for (const c of el.children) {
    if (typeof c === 'string') {
      text += c;
      continue;
    }
    hasElements = true;
    const named = c.name === 'Data' ? c.attrs.find((a) => a.name === 'Name') : undefined;
    const key = named ? named.value : c.name;
    const value = named ? dataValue(c) : toJson(c);
    const prev = obj[key];
    if (prev === undefined) obj[key] = value;
    else if (Array.isArray(prev) && Object.prototype.hasOwnProperty.call(obj, `${key}#multi`)) prev.push(value);
    else {
      obj[key] = [prev, value];
      Object.defineProperty(obj, `${key}#multi`, { value: true, enumerable: false });
    }
  }
  if (!hasElements && el.attrs.length === 0) return text;
  if (text !== '') obj['#text'] = text;
  return obj;
}

function dataValue(el: RElement): JsonValue {
  const rest: RElement = { name: el.name, attrs: el.attrs.filter((a) => a.name !== 'Name'), children: el.children };
  return toJson(rest);
}

/** The first element of a resolved record (its Event element). */
export function rootElement(root: RChild[]): RElement | undefined {
  for (const c of root) if (typeof c !== 'string') return c;
  return undefined;
}
