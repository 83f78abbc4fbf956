// XML entity decoding for values the fast scanner extracts. Only called when a value holds '&'.

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decode the five XML entities and numeric character references; unknown entities stay as written. */
export function decodeEntities(s: string): string {
  let out = '';
  let last = 0;
  let i = s.indexOf('&');
  while (i !== -1) {
    const semi = s.indexOf(';', i + 1);
    if (semi === -1 || semi - i > 12) break;
    let rep: string | undefined;
    if (s.charCodeAt(i + 1) === 35) {
      const hex = (s.charCodeAt(i + 2) | 32) === 120;
      const code = hex ? parseInt(s.slice(i + 3, semi), 16) : parseInt(s.slice(i + 2, semi), 10);
      if (Number.isInteger(code) && code >= 0 && code <= 0x10ffff) rep = String.fromCodePoint(code);
    } else {
      rep = NAMED[s.slice(i + 1, semi)];
    }
    if (rep !== undefined) {
      out += s.slice(last, i) + rep;
      last = semi + 1;
    }
    i = s.indexOf('&', semi + 1);
  }
  return last === 0 ? s : out + s.slice(last);
}
