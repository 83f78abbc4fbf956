import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseLogonId, parseIntField, parseUtcTime, parseUtcTimeIn } from './fields.js';

describe('parseUtcTime', () => {
  it('reads Sysmon and ISO forms to the same ms', () => {
    expect(parseUtcTime('2020-04-25 22:19:00.127')).toBe(Date.UTC(2020, 3, 25, 22, 19, 0, 127));
    expect(parseUtcTime('2022-05-13T08:54:05.1230000Z')).toBe(Date.UTC(2022, 4, 13, 8, 54, 5, 123));
    expect(parseUtcTime('2022-05-13 08:54:05')).toBe(Date.UTC(2022, 4, 13, 8, 54, 5, 0));
  });
  it('reads a time where it lies in a longer text, and nothing beyond its end', () => {
    const text = "<Data Name='UtcTime'>2020-04-25 22:19:00.127</Data>";
    const from = text.indexOf('>') + 1;
    const to = text.indexOf('</');
    expect(parseUtcTime(text, from, to)).toBe(Date.UTC(2020, 3, 25, 22, 19, 0, 127));
    expect(parseUtcTime(text, from, to - 4)).toBe(Date.UTC(2020, 3, 25, 22, 19, 0));
    expect(parseUtcTime(text, from, to - 3)).toBeNaN();
    expect(parseUtcTime(text, from, to + 1)).toBeNaN();
  });
  it('rejects what is not a time', () => {
    for (const bad of ['', 'yesterday', '2020-13-01 00:00:00.000', '2021-02-29 00:00:00.000', '2020-04-25 25:00:00.000', '2020-04-25 22:19:00.', '2020-04-25 22:19:00.127 junk']) {
      expect(parseUtcTime(bad), bad).toBeNaN();
    }
    expect(parseUtcTime('2020-02-29 00:00:00.000')).not.toBeNaN();
  });
  it('gives what Date.UTC gives, for times in any order (one day remembered between calls; property)', () => {
    const two = (n: number) => String(n).padStart(2, '0');
    const time = fc.record({
      year: fc.oneof(fc.integer({ min: 1601, max: 9999 }), fc.constantFrom(2000, 2024, 1900, 2100)),
      month: fc.integer({ min: 1, max: 12 }),
      day: fc.integer({ min: 1, max: 31 }),
      hour: fc.integer({ min: 0, max: 23 }),
      minute: fc.integer({ min: 0, max: 59 }),
      second: fc.integer({ min: 0, max: 60 }),
      ms: fc.integer({ min: 0, max: 999 }),
    });
    fc.assert(
      fc.property(fc.array(time, { minLength: 1, maxLength: 8 }), (times) => {
        for (const t of times) {
          const text = `${t.year}-${two(t.month)}-${two(t.day)} ${two(t.hour)}:${two(t.minute)}:${two(t.second)}.${String(t.ms).padStart(3, '0')}`;
          const valid = new Date(Date.UTC(t.year, t.month - 1, t.day)).getUTCDate() === t.day;
          const want = valid ? Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second, t.ms) : NaN;
          expect(parseUtcTime(text), text).toBe(want);
          expect(parseUtcTimeIn(Buffer.from(text, 'latin1'), 0, text.length), text).toBe(want);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('normaliseLogonId', () => {
  it('compares zero-padded and short hex equal, case-insensitively', () => {
    expect(normaliseLogonId('0x00000000000003E7')).toBe('0x3e7');
    expect(normaliseLogonId('0x3e7')).toBe('0x3e7');
    expect(normaliseLogonId('999')).toBe('0x3e7');
    expect(normaliseLogonId('0x0')).toBe('0x0');
    expect(normaliseLogonId('')).toBe('');
  });
});

describe('parseIntField', () => {
  it('reads decimals and marks absence with -1', () => {
    expect(parseIntField('4')).toBe(4);
    expect(parseIntField('')).toBe(-1);
    expect(parseIntField('x1')).toBe(-1);
  });
});
