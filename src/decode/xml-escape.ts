// XML escaping for what we render (evtx-dump, the generator): one function, so the two
// renderers cannot drift apart.

/**
 * Escape &, <, >, " (and ' when `apos`) as entities, and control characters XML 1.0 cannot
 * carry as character references. With `oneLine`, also TAB, LF and CR (and NEL, U+2028, U+2029,
 * which some line splitters break on) as character references (`&#9;` `&#10;` `&#13;`), so that
 * an element always fits on one line and a value keeps its line breaks exactly: an XML parser
 * normalises a raw CR LF in text to LF, and raw TAB, LF, CR in an attribute value to spaces, but
 * keeps the referenced characters.
 */
export function escapeXml(s: string, apos = false, oneLine = false): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c === 38) rep = '&amp;';
    else if (c === 60) rep = '&lt;';
    else if (c === 62) rep = '&gt;';
    else if (c === 34) rep = '&quot;';
    else if (c === 39 && apos) rep = '&apos;';
    else if (c < 32) {
      if (c !== 9 && c !== 10 && c !== 13) rep = `&#x${c.toString(16)};`;
      else if (oneLine) rep = `&#${c};`;
    } else if (oneLine && (c === 0x85 || c === 0x2028 || c === 0x2029)) rep = `&#${c};`;
    if (rep !== undefined) {
      out += s.slice(last, i) + rep;
      last = i + 1;
    }
  }
  return last === 0 ? s : out + s.slice(last);
}

/** JSON.stringify, with NEL, U+2028 and U+2029 escaped too (JSON allows them raw; some line splitters break on them). */
export function oneLineJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
