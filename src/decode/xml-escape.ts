// XML escaping for what we render (evtx-dump, the generator): one function, so the two
// renderers cannot drift apart.

/**
 * Escape &, <, >, " (and ' when `apos`) as entities, and control characters XML 1.0 cannot
 * carry as character references.
 */
export function escapeXml(s: string, apos = false): string {
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
    else if (c < 32 && c !== 9 && c !== 10 && c !== 13) rep = `&#x${c.toString(16)};`;
    if (rep !== undefined) {
      out += s.slice(last, i) + rep;
      last = i + 1;
    }
  }
  return last === 0 ? s : out + s.slice(last);
}
