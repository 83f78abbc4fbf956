// Renders resolved record trees as Windows Event XML on one line, or as a JSON object
// (Data elements named by their Name attribute, as most EVTX-to-JSON tools do). One line means
// one line: TAB, LF and CR in values (Security 4672's PrivilegeList, multi-line command lines)
// are written as character references.

import { escapeXml } from '../../decode/xml-escape.js';
import type { RChild, RElement } from './resolve.js';

const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;

function isNameChar(c: number, first: boolean): boolean {
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 58) return true;
  if (!first && ((c >= 48 && c <= 57) || c === 45 || c === 46 || c === 0xb7 || (c >= 0x300 && c <= 0x36f) || c === 0x203f || c === 0x2040)) return true;
  return (
    (c >= 0xc0 && c <= 0xd6) || (c >= 0xd8 && c <= 0xf6) || (c >= 0xf8 && c <= 0x2ff) || (c >= 0x370 && c <= 0x37d) || (c >= 0x37f && c <= 0x1fff) ||
    c === 0x200c || c === 0x200d || (c >= 0x2070 && c <= 0x218f) || (c >= 0x2c00 && c <= 0x2fef) || (c >= 0x3001 && c <= 0xd7ff) ||
    (c >= 0xf900 && c <= 0xfdcf) || (c >= 0xfdf0 && c <= 0xfffd) || (c >= 0x10000 && c <= 0xeffff)
  );
}

/**
 * An element or attribute name as a valid XML name. Names come from the file: in a damaged one
 * (or a record carved with --recover) they can hold anything, including line breaks and '<'.
 * Characters a name cannot hold are written as _xHHHH_, as .NET's XmlConvert.EncodeName does.
 */
const encodedNames = new Map<string, string>();

export function xmlName(name: string): string {
  if (PLAIN_NAME.test(name)) return name;
  const hit = encodedNames.get(name);
  if (hit !== undefined) return hit;
  const enc = encodeName(name);
  if (encodedNames.size > 10_000) encodedNames.clear();
  encodedNames.set(name, enc);
  return enc;
}

function encodeName(name: string): string {
  if (name === '') return '_';
  let out = '';
  for (const ch of name) {
    const c = ch.codePointAt(0)!;
    out += isNameChar(c, out === '') ? ch : `_x${c.toString(16).toUpperCase().padStart(4, '0')}_`;
  }
  return out;
}

export function renderXml(el: RElement, extraAttrs = ''): string {
  const name = xmlName(el.name);
  let s = '<' + name;
  const seen = el.attrs.length > 1 ? new Set<string>() : null;
  for (const a of el.attrs) {
    // A repeated attribute is not well-formed XML; only a damaged record has one.
    const an = xmlName(a.name);
    if (seen !== null) {
      if (seen.has(an)) continue;
      seen.add(an);
    }
    s += ` ${an}="${escapeXml(a.value, false, true)}"`;
  }
  s += extraAttrs;
  if (el.children.length === 0) return s + '/>';
  s += '>';
  for (const c of el.children) s += typeof c === 'string' ? escapeXml(c, false, true) : renderXml(c);
  return s + `</${name}>`;
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
