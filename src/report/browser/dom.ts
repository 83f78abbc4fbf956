// The only way the viewer makes elements: values become text nodes, attributes are set one by
// one. Nothing from the data ever goes through innerHTML (Sysmon command lines are
// attacker-controlled), and links are built only by code that validated them.

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  id?: string;
  title?: string;
  /** Other attributes: data-*, aria-*, role, type, value, for, href (validated by the caller). */
  attrs?: Record<string, string | number | boolean | null | undefined>;
}

function apply(el: Element, props: Props | undefined): void {
  if (props === undefined) return;
  if (props.class !== undefined) el.setAttribute('class', props.class);
  if (props.id !== undefined) el.setAttribute('id', props.id);
  if (props.title !== undefined) el.setAttribute('title', props.title);
  if (props.attrs !== undefined) {
    for (const [k, v] of Object.entries(props.attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (/^on/i.test(k)) throw new Error(`refusing event-handler attribute ${k}`);
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
}

function append(el: Element, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  apply(el, props);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (/^on/i.test(k)) throw new Error(`refusing event-handler attribute ${k}`);
    el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

/** A small table: header cells, then rows of cells. */
export function table(head: readonly string[], rows: readonly (readonly Child[])[], props?: Props): HTMLTableElement {
  return h(
    'table',
    props,
    h('thead', undefined, h('tr', undefined, ...head.map((c) => h('th', { attrs: { scope: 'col' } }, c)))),
    h('tbody', undefined, ...rows.map((r) => h('tr', undefined, ...r.map((c) => h('td', undefined, c))))),
  );
}

export function option(value: string, label: string): HTMLOptionElement {
  const o = h('option', undefined, label);
  o.value = value;
  return o;
}
