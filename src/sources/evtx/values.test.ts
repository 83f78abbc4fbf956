// Every value type from hand-built bytes, against the text Windows' XML rendering carries.

import { describe, expect, it } from 'vitest';
import * as F from './format.js';
import { arrayItems, filetimeText, GuidCache, guidText, scalarText, TextCache, utf16 } from './values.js';

const b = (...bytes: number[]): Buffer => Buffer.from(bytes);
const text = (type: number, buf: Buffer): string => scalarText(buf, 0, buf.length, type);

describe('EVTX value types', () => {
  it('strings: UTF-16 without trailing NULs, ANSI as latin1', () => {
    expect(text(F.VT_STRING, Buffer.from('smss.exe\0\0', 'utf16le'))).toBe('smss.exe');
    expect(text(F.VT_STRING, Buffer.from('Microsoft® Windows®', 'utf16le'))).toBe('Microsoft® Windows®');
    expect(text(F.VT_STRING, Buffer.from('x'.repeat(100) + 'ü', 'utf16le'))).toBe('x'.repeat(100) + 'ü');
    expect(text(F.VT_ANSI_STRING, Buffer.from('abc\0', 'latin1'))).toBe('abc');
    expect(utf16(Buffer.from('ab', 'utf16le'), 0, 3)).toBe('a'); // an odd byte count drops the half character
  });
  it('integers, signed and unsigned, all widths', () => {
    expect(text(F.VT_INT8, b(0xff))).toBe('-1');
    expect(text(F.VT_UINT8, b(0xff))).toBe('255');
    expect(text(F.VT_INT16, b(0x00, 0x80))).toBe('-32768');
    expect(text(F.VT_UINT16, b(0x01, 0x02))).toBe('513');
    expect(text(F.VT_INT32, b(0xfe, 0xff, 0xff, 0xff))).toBe('-2');
    expect(text(F.VT_UINT32, b(0xff, 0xff, 0xff, 0xff))).toBe('4294967295');
    expect(text(F.VT_INT64, b(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))).toBe('-1');
    expect(text(F.VT_UINT64, b(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))).toBe('18446744073709551615');
    expect(text(F.VT_UINT64, b(0x2a, 0, 0, 0, 1, 0, 0, 0))).toBe('4294967338');
  });
  it('hex integers zero-padded, as python-evtx and evtxexport print LogonId and Keywords', () => {
    expect(text(F.VT_HEXINT32, b(0xe7, 0x03, 0, 0))).toBe('0x000003e7');
    expect(text(F.VT_HEXINT64, b(0xe7, 0x03, 0, 0, 0, 0, 0, 0))).toBe('0x00000000000003e7');
    expect(text(F.VT_HEXINT64, b(0, 0, 0, 0, 0, 0, 0, 0x80))).toBe('0x8000000000000000');
    expect(text(F.VT_SIZET, b(0x10, 0, 0, 0, 0, 0, 0, 0))).toBe('0x0000000000000010');
  });
  it('reals and booleans', () => {
    const r64 = Buffer.alloc(8);
    r64.writeDoubleLE(1.5);
    expect(text(F.VT_REAL64, r64)).toBe('1.5');
    const r32 = Buffer.alloc(4);
    r32.writeFloatLE(0.25);
    expect(text(F.VT_REAL32, r32)).toBe('0.25');
    expect(text(F.VT_BOOL, b(1, 0, 0, 0))).toBe('true');
    expect(text(F.VT_BOOL, b(0, 0, 0, 0))).toBe('false');
  });
  it('GUIDs upper-case in braces, mixed-endian as Windows stores them', () => {
    // {5770385F-C22A-43E0-BF4C-06F5698FFBD9}: the Sysmon provider GUID
    const g = b(0x5f, 0x38, 0x70, 0x57, 0x2a, 0xc2, 0xe0, 0x43, 0xbf, 0x4c, 0x06, 0xf5, 0x69, 0x8f, 0xfb, 0xd9);
    expect(text(F.VT_GUID, g)).toBe('{5770385F-C22A-43E0-BF4C-06F5698FFBD9}');
    expect(guidText(g, 0, true)).toBe('{5770385f-c22a-43e0-bf4c-06f5698ffbd9}');
  });
  it('SIDs', () => {
    expect(text(F.VT_SID, b(1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0))).toBe('S-1-5-18');
    expect(text(F.VT_SID, b(1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 0x02, 0, 0))).toBe('S-1-5-32-544');
    expect(() => text(F.VT_SID, b(1, 3, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0))).toThrow(F.EvtxFormatError);
  });
  it('FILETIME with 100 ns digits, SYSTEMTIME with ms', () => {
    // 2017-12-26T13:10:29.1368792Z
    const ticks = (BigInt(Date.UTC(2017, 11, 26, 13, 10, 29, 136)) + 11644473600000n) * 10000n + 8792n;
    const ft = Buffer.alloc(8);
    ft.writeBigUInt64LE(ticks);
    expect(filetimeText(ft, 0)).toBe('2017-12-26T13:10:29.1368792Z');
    expect(text(F.VT_FILETIME, ft)).toBe('2017-12-26T13:10:29.1368792Z');
    const st = Buffer.alloc(16);
    [2020, 4, 6, 25, 22, 19, 0, 127].forEach((v, i) => st.writeUInt16LE(v, 2 * i));
    expect(text(F.VT_SYSTEMTIME, st)).toBe('2020-04-25T22:19:00.1270000Z');
  });
  it('FILETIME split into ms and 100 ns exactly, whatever the 64 bits (against BigInt arithmetic)', () => {
    const ft = Buffer.alloc(8);
    const pairs: [number, number][] = [];
    for (const hi of [0, 1, 0x01d3_7e41, 0x01ff_ffff, 0x7fff_ffff, 0xffff_ffff]) for (const lo of [0, 1, 9999, 10000, 0x8000_0000, 0xffff_ffff]) pairs.push([hi, lo]);
    // And pseudo-random ones across the whole range (a fixed LCG: repeatable).
    for (let i = 0, x = 12345; i < 500; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      pairs.push([i < 250 ? x % 0x0300_0000 : x, (Math.imul(x, 69069) + 1) >>> 0]);
    }
    for (const [hi, lo] of pairs) {
      ft.writeUInt32LE(lo, 0);
      ft.writeUInt32LE(hi, 4);
      const ticks = (BigInt(hi) << 32n) | BigInt(lo);
      const iso = new Date(Number(ticks / 10000n) - 11644473600000).toISOString();
      const want = iso.slice(0, 23) + String(ticks % 10000n).padStart(4, '0') + 'Z';
      expect(filetimeText(ft, 0), `${hi}:${lo}`).toBe(want);
    }
  });
  it('binary as upper-case hex', () => {
    expect(text(F.VT_BINARY, b(0xe1, 0x07, 0x0c))).toBe('E1070C');
    expect(text(F.VT_NULL, b())).toBe('');
  });
  it('arrays: NUL-separated strings, fixed-size items', () => {
    const strs = Buffer.from(['10.00.', '15063', '', 'Multiprocessor Free', ''].join('\u0000'), 'utf16le');
    expect(arrayItems(strs, 0, strs.length, F.VT_ARRAY | F.VT_STRING)).toEqual(['10.00.', '15063', '', 'Multiprocessor Free']);
    expect(arrayItems(b(1, 0, 2, 0), 0, 4, F.VT_ARRAY | F.VT_UINT16)).toEqual(['1', '2']);
    expect(() => arrayItems(b(1, 2), 0, 2, F.VT_ARRAY | F.VT_BINARY)).toThrow(F.EvtxFormatError);
  });
  it('a value too short for its type is a format error, not garbage', () => {
    expect(() => text(F.VT_GUID, b(1, 2, 3))).toThrow(/needs 16/);
    expect(() => scalarText(b(0), 0, 1, 0x7f)).toThrow(/unknown value type/);
  });
  it('TextCache: the same string for the same bytes, the right text for any bytes', () => {
    const cache = new TextCache();
    const at = (s: string, pad = 0): [Buffer, number, number] => {
      const buf = Buffer.concat([Buffer.alloc(pad), Buffer.from(s + '\0', 'utf16le')]);
      return [buf, pad, buf.length];
    };
    const a = cache.utf16(...at('C:\\Windows\\System32\\svchost.exe'));
    const b2 = cache.utf16(...at('C:\\Windows\\System32\\svchost.exe', 3));
    expect(a).toBe('C:\\Windows\\System32\\svchost.exe');
    expect(Object.is(a, b2)).toBe(true);
    // Many texts (collisions replace entries), surrogates, odd sizes and long texts read as utf16() reads them.
    const texts = Array.from({ length: 20_000 }, (_, i) => `NT AUTHORITY\\user${i % 5000}${i % 7 === 0 ? '\ud83d\ude00' : ''}${i % 11 === 0 ? '\ud800' : ''}`);
    texts.push('', 'x'.repeat(1000), 'é'.repeat(300));
    for (const t of texts) {
      const [buf, s, e] = at(t, t.length & 1);
      expect(cache.utf16(buf, s, e)).toBe(utf16(buf, s, e));
      expect(cache.utf16(buf, s, e - 1)).toBe(utf16(buf, s, e - 1));
    }
  });
  it('FILETIMEs of consecutive and far-apart days', () => {
    // 2021-04-22T22:09:26.0161234Z, then a second later on the next day, then back in 1601.
    const ft = (ms: number, rest = 0): Buffer => {
      const ticks = BigInt(ms + 11644473600000) * 10000n + BigInt(rest);
      const out = Buffer.alloc(8);
      out.writeBigUInt64LE(ticks);
      return out;
    };
    const t0 = Date.UTC(2021, 3, 22, 23, 59, 59, 16);
    expect(filetimeText(ft(t0, 1234), 0)).toBe('2021-04-22T23:59:59.0161234Z');
    expect(filetimeText(ft(t0 + 1000), 0)).toBe('2021-04-23T00:00:00.0160000Z');
    expect(filetimeText(ft(t0 - 86400_000 * 366), 0)).toBe('2020-04-21T23:59:59.0160000Z');
    expect(filetimeText(b(0, 0, 0, 0, 0, 0, 0, 0), 0)).toBe('1601-01-01T00:00:00.0000000Z');
    expect(filetimeText(ft(t0, 1234), 0)).toBe('2021-04-22T23:59:59.0161234Z');
  });
  it('GuidCache: lower-case GUID texts, the same string for the same bytes', () => {
    const cache = new GuidCache();
    const g = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const first = cache.lower(g, 0);
    expect(first).toBe(guidText(g, 0, true));
    expect(Object.is(cache.lower(Buffer.concat([Buffer.alloc(5), g]), 5), first)).toBe(true);
    for (let i = 0; i < 20_000; i++) {
      const b = Buffer.alloc(16);
      b.writeUInt32LE(i % 3000, 0);
      b.writeUInt32LE((i * 7919) % 5, 12);
      expect(cache.lower(b, 0)).toBe(guidText(b, 0, true));
    }
  });
});
