import { readFileSync } from 'node:fs';
import { parseBlock } from './block.js';
import { STRIDE } from './fieldset.js';
for (const f of process.argv.slice(2)) {
  const b = readFileSync(f);
  const r = parseBlock(b.subarray(4096), 0, 4096, false);
  const ids = [];
  for (let i = 0; i < r.slots.length; i += STRIDE) ids.push(r.slots[i + 1]);
  console.log(f.split('/').pop(), 'records', r.records, 'fast', r.fast, 'tree', r.tree, 'empty', r.emptyChunks, 'problems', r.problems.length, r.problems.slice(0, 3));
  console.log(r.slots.slice(0, STRIDE));
}
