// Runs python-evtx's evtx_dump.py and libevtx's evtxexport on every .evtx under the samples
// folder when they are installed (Debian: python3-evtx, libevtx-utils), and compares every
// record, including the records evtxexport carves from slack space (-m recovered).

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'vitest';
import { expectSameAsEvtxexport, expectSameAsPython, records } from './compare.js';
import { evtxSamples, haveSamples, skipSamplesWhy } from './samples.js';

function installed(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function run(tool: string, args: string[]): string {
  return execFileSync(tool, args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
}

const haveEvtxexport = installed('evtxexport');
const havePython = installed('evtx_dump.py');

describe('live cross-check with the reference tools', () => {
  if (!haveSamples) it.skip(skipSamplesWhy, () => undefined);
  if (!haveEvtxexport) it.skip('evtxexport not installed (apt-get install libevtx-utils)', () => undefined);
  if (!havePython) it.skip('evtx_dump.py not installed (apt-get install python3-evtx)', () => undefined);
  for (const file of evtxSamples()) {
    const name = path.basename(file);
    it.runIf(haveEvtxexport)(`${name}: evtxexport -f xml`, async () => {
      expectSameAsEvtxexport(await records(file), run('evtxexport', ['-f', 'xml', file]), name);
    });
    it.runIf(haveEvtxexport)(`${name}: --recover carves what evtxexport -m recovered finds`, async () => {
      expectSameAsEvtxexport(await records(file, { recover: true, recoveredOnly: true }), run('evtxexport', ['-m', 'recovered', '-f', 'xml', file]), `${name} (recovered)`);
    });
    it.runIf(havePython)(`${name}: evtx_dump.py`, async () => {
      expectSameAsPython(await records(file), run('evtx_dump.py', [file]), name);
    }, 60_000);
  }
});
