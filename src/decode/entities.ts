// XML entity decoding for values the fast scanner extracts. Only called when a value holds '&'.

/**
 * The replacement of the named entity s[a, b) (between '&' and ';'): the five XML names, read in
 * place; undefined for any other name, which stays as written, as fast-xml-parser leaves it (no
 * table keyed by the name's text: a plain object would answer `constructor` or `__proto__`).
 */
function named(s: string, a: number, b: number): string | undefined {
  const c = s.charCodeAt(a);
  switch (b - a) {
    case 2:
      if (s.charCodeAt(a + 1) === 116 /* t */) {
        if (c === 108 /* l */) return '<';
        if (c === 103 /* g */) return '>';
      }
      break;
    case 3:
      if (c === 97 && s.charCodeAt(a + 1) === 109 && s.charCodeAt(a + 2) === 112) return '&';
      break;
    case 4:
      if (c === 113 && s.charCodeAt(a + 1) === 117 && s.charCodeAt(a + 2) === 111 && s.charCodeAt(a + 3) === 116) return '"';
      if (c === 97 && s.charCodeAt(a + 1) === 112 && s.charCodeAt(a + 2) === 111 && s.charCodeAt(a + 3) === 115) return "'";
      break;
  }
  return undefined;
}

/** Decode the five XML entities and numeric character references; unknown entities stay as written. */
export function decodeEntities(s: string): string {
  let out = '';
  let last = 0;
  let i = s.indexOf('&');
  while (i !== -1) {
    const semi = s.indexOf(';', i + 1);
    if (semi === -1) break;
    let rep: string | undefined;
    if (semi - i > 12) {
      // No entity this long: left as written, and the ones after it still decoded.
    } else if (s.charCodeAt(i + 1) === 35) {
      const hex = (s.charCodeAt(i + 2) | 32) === 120;
      const code = hex ? parseInt(s.slice(i + 3, semi), 16) : parseInt(s.slice(i + 2, semi), 10);
      if (Number.isInteger(code) && code >= 0 && code <= 0x10ffff) rep = String.fromCodePoint(code);
    } else {
      rep = named(s, i + 1, semi);
    }
    if (rep !== undefined) {
      out += s.slice(last, i) + rep;
      last = semi + 1;
    }
    i = s.indexOf('&', semi + 1);
  }
  return last === 0 ? s : out + s.slice(last);
}
