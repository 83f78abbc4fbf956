import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeXml } from '../../decode/xml-escape.js';
import { ByteSink, Piece } from './byte-sink.js';

/** The sink's rendering of `text` as UTF-16LE at an odd offset of a larger buffer (as in a chunk). */
function viaUtf16(text: string, sinkBytes = 4): { units: number; out: string } {
  const src = Buffer.concat([Buffer.from([0xaa]), Buffer.from(text, 'utf16le'), Buffer.from([0xbb, 0xcc])]);
  const sink = new ByteSink(Buffer.alloc(sinkBytes));
  sink.piece(new Piece(Buffer.from('<')));
  const units = sink.utf16(src, 1, 1 + 2 * text.length);
  return { units, out: sink.buf.toString('utf8', 0, sink.pos) };
}

// Characters each path of utf16() takes: plain ASCII (the four-unit steps), ASCII with an escape,
// two- and three-byte UTF-8, the line separators written as references.
const CHARS = ['a', 'Z', '0', ' ', '\\', '.', '&', '<', '>', '"', '\t', '\n', '\r', '\u0001', '\u007f', 'é', '\u0085', 'ſ', '\u2028', '\u2029', '€', '中'];

describe('ByteSink', () => {
  it('writes UTF-16 text as escaped UTF-8, whatever the characters and wherever they fall in the four-unit steps', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...CHARS), { maxLength: 40 }), (chars) => {
        const text = chars.join('');
        expect(viaUtf16(text)).toEqual({ units: text.length, out: '<' + escapeXml(text, false, true) });
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses text with a surrogate, after an ASCII run or inside one', () => {
    for (const text of ['abcdefgh\ud83d\ude00', 'ab\ud800cdefghij', '\udc00', 'abcdefghijklmnop\ud800']) {
      const src = Buffer.from(text, 'utf16le');
      const sink = new ByteSink(Buffer.alloc(8));
      sink.piece(new Piece(Buffer.from('x')));
      expect(sink.utf16(src, 0, src.length)).toBe(-1);
      expect(sink.pos).toBe(1);
    }
  });

  it('copies pieces of every length, growing the buffer as needed', () => {
    const sink = new ByteSink(Buffer.alloc(1));
    let expected = '';
    for (let n = 0; n <= 41; n++) {
      const text = 'abcdefghijklmnopqrstuvwxyz0123456789<>/="'.slice(0, n);
      sink.piece(new Piece(Buffer.from(text)));
      expected += text;
    }
    expect(sink.buf.toString('utf8', 0, sink.pos)).toBe(expected);
  });

  it('writes into a buffer handed over mid-way (evtx-dump swaps its output buffers)', () => {
    const sink = new ByteSink(Buffer.alloc(64));
    sink.piece(new Piece(Buffer.from('first piece')));
    sink.buf = Buffer.alloc(64);
    sink.pos = 0;
    sink.piece(new Piece(Buffer.from('<Data Name="x">')));
    const src = Buffer.from('C:\\Windows\\System32\\smss.exe', 'utf16le');
    sink.utf16(src, 0, src.length);
    expect(sink.buf.toString('utf8', 0, sink.pos)).toBe('<Data Name="x">C:\\Windows\\System32\\smss.exe');
  });
});
