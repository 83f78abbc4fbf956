// The parsed shape of Binary XML: what a template definition (or a template-less fragment) holds.
// Values are not resolved here; substitutions point into the instance's value array.

import type { SubstValues } from './subst.js';

export const K_ELEMENT = 0;
export const K_TEXT = 1;
export const K_SUBST = 2;
export const K_CHARREF = 3;
export const K_ENTITYREF = 4;
export const K_CDATA = 5;
export const K_PI = 6;
export const K_TEMPLATE = 7;

export interface XElement {
  kind: typeof K_ELEMENT;
  name: string;
  attrs: XAttr[];
  children: XNode[];
}
export interface XAttr {
  name: string;
  value: XNode[];
}
export interface XText {
  kind: typeof K_TEXT;
  text: string;
}
export interface XSubst {
  kind: typeof K_SUBST;
  index: number;
  /** Declared type; the instance's value array carries the actual one. */
  type: number;
  /** Optional substitution: a null value removes the attribute it sits in. */
  optional: boolean;
}
export interface XCharRef {
  kind: typeof K_CHARREF;
  code: number;
}
export interface XEntityRef {
  kind: typeof K_ENTITYREF;
  name: string;
}
export interface XCData {
  kind: typeof K_CDATA;
  text: string;
}
export interface XPi {
  kind: typeof K_PI;
  target: string;
  data: string;
}
export interface XTemplateInstance {
  kind: typeof K_TEMPLATE;
  template: Template;
  values: SubstValues;
}
export type XNode = XElement | XText | XSubst | XCharRef | XEntityRef | XCData | XPi | XTemplateInstance;

/** A template definition, compiled once per chunk and shared by every record that uses it. */
export interface Template {
  /** Chunk-relative offset of the definition it was compiled from (shared templates: in the first chunk that held it). */
  offset: number;
  guid: string;
  nodes: XNode[];
  /** Field plan, built on first use by extract.ts. */
  plan: unknown;
  /** XML rendering program, built on first use by record-xml.ts. */
  render: unknown;
}
