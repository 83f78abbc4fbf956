import { describe, expect, it } from 'vitest';
import { F, FIELD_NAMES, dataOrder, fieldCode, fieldCodeIn, matchAt } from './data-names.js';

describe('EventData names', () => {
  it('finds every field the decoders read by its name, and no other', () => {
    for (const [name, code] of Object.entries(F)) {
      if (code === F.OTHER) continue;
      expect(FIELD_NAMES[code]).toBe(name);
      const text = `<Data Name='${name}'>`;
      const read = code < F.RuleName;
      expect(fieldCode(text, 12, name.length), name).toBe(read ? code : F.OTHER);
      expect(fieldCode(text.replace(name, name.toLowerCase()), 12, name.length), name).toBe(F.OTHER);
      expect(fieldCodeIn(Buffer.from(text, 'latin1'), 12, name.length), name).toBe(read ? code : F.OTHER);
      expect(fieldCodeIn(Buffer.from(text.replace(name, name.toLowerCase()), 'latin1'), 12, name.length), name).toBe(F.OTHER);
    }
  });

  it('expects each name at most once per EventID, in the order Sysmon writes them', () => {
    for (const id of [1, 5, 10, 12, 13, 14]) {
      const order = [...dataOrder(id)];
      expect(new Set(order).size, `EventID ${id}`).toBe(order.length);
      expect(order[0]).toBe(F.RuleName);
    }
    expect([...dataOrder(1)].map((c) => FIELD_NAMES[c]).slice(-4)).toEqual(['ParentProcessId', 'ParentImage', 'ParentCommandLine', 'ParentUser']);
    expect(dataOrder(3).length).toBe(0);
  });

  it('compares in place and never past the text', () => {
    expect(matchAt('xxImage', 2, 'Image')).toBe(true);
    expect(matchAt('xxImag', 2, 'Image')).toBe(false);
    expect(matchAt('xxImagE', 2, 'Image')).toBe(false);
  });
});
