import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineFramer } from './line-framer.js';

/** Lines (text, number) and oversized reports of `input` pushed in pieces cut at `cuts`, then ended. */
function frame(input: Buffer, cuts: number[], max: number): { lines: [string, number][]; oversized: number[] } {
  const lines: [string, number][] = [];
  const oversized: number[] = [];
  const sink = {
    line: (buf: Buffer, a: number, b: number, n: number) => lines.push([buf.toString('utf8', a, b), n]),
    oversized: (n: number) => oversized.push(n),
  };
  const f = new LineFramer(max);
  let at = 0;
  for (const c of [...cuts.filter((c) => c > 0 && c < input.length)].sort((x, y) => x - y)) {
    f.push(input.subarray(at, c), sink);
    at = c;
  }
  f.push(input.subarray(at), sink);
  f.end(sink);
  return { lines, oversized };
}

describe('LineFramer', () => {
  it('gives every non-blank line as bytes, CR stripped, numbered from 1, wherever the chunks are cut (property)', () => {
    const piece = fc.constantFrom('{"a":1}', 'é®', '  ', '\t', '\r', 'x', '\u{1F600}', '{"EventXML":"<Event/>"}');
    const lineArb = fc.array(piece, { maxLength: 6 }).map((p) => p.join(''));
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 20 }), fc.boolean(), fc.array(fc.nat({ max: 400 }), { maxLength: 6 }), (ls, lastNewline, cuts) => {
        const text = ls.join('\n') + (lastNewline && ls.length > 0 ? '\n' : '');
        const input = Buffer.from(text, 'utf8');
        const expected: [string, number][] = [];
        const all = text.split('\n');
        if (lastNewline && ls.length > 0) all.pop();
        all.forEach((l, i) => {
          const s = l.endsWith('\r') ? l.slice(0, -1) : l;
          if (/[^ \t]/.test(s)) expected.push([s, i + 1]);
        });
        expect(frame(input, cuts, 1 << 20)).toEqual({ lines: expected, oversized: [] });
      }),
    );
  });

  it('reports a line longer than the limit once, in bytes, and goes on after it', () => {
    const input = Buffer.from(['{"a":1}', 'é'.repeat(40), '{"b":2}'].join('\n') + '\n', 'utf8');
    // 40 'é' are 80 bytes: over a 60-byte limit though 40 characters.
    for (const cuts of [[], [3], [20, 50], [9, 100]]) {
      expect(frame(input, cuts, 60)).toEqual({ lines: [['{"a":1}', 1], ['{"b":2}', 3]], oversized: [2] });
    }
  });
});
