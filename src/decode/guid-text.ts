// The canonical ProcessGuid text of four GUID words (guid-words.ts): here, below both the event
// (which renders a GUID the decoder gave only as words when it is first read) and the index
// (whose nodes keep their keys as words).

const DIGITS = '0123456789abcdef';
/** Two hex digits for each byte value. */
const PAIRS: string[] = [];
for (let i = 0; i < 256; i++) PAIRS.push(DIGITS[i >> 4] + DIGITS[i & 15]);

const hex = (w: number): string => PAIRS[w >>> 24] + PAIRS[(w >>> 16) & 255] + PAIRS[(w >>> 8) & 255] + PAIRS[w & 255];

/** The lower-case `{8-4-4-4-12}` text of a GUID given as its four words (GuidWords w0-w3). */
export function guidOfWords(w0: number, w1: number, w2: number, w3: number): string {
  const b = hex(w1);
  const c = hex(w2);
  return `{${hex(w0)}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${hex(w3)}}`;
}
