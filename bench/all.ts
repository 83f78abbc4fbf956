// `npm run bench`: every benchmark, one core (Node's main thread), figures on stdout.

import { cpus } from 'node:os';
import { benchDecode } from './decode.js';
import { benchEvtx } from './evtx.js';
import { benchIndex } from './index.js';
import { benchMission } from './mission.js';
import { benchReplay } from './replay.js';
import { CORPUS_EVENTS, CORPUS_HOSTS, row } from './util.js';

console.log(`sysmon-proctree benchmarks — node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, corpus ${CORPUS_EVENTS} events / ${CORPUS_HOSTS} hosts`);
console.log('rates are per CPU-second of the single-threaded process (one core); wall-clock rates in the notes');
console.log('-- the mission: EventID 1/13, every event decoded in full, through the trees and the rules');
await benchMission();
console.log('-- the mixed corpus (68% of its events are EventIDs no rule reads, skipped after their EventID)');
const d = await benchDecode();
const i = await benchIndex();
const r = await benchReplay();
row('targets', r.eps >= 150_000 && r.eps >= 10 * d.fxpEps ? 'met' : 'NOT met', `replay >= 150,000 ev/s and >= 10x fast-xml-parser (${(r.eps / d.fxpEps).toFixed(1)}x)`);
void i;
await benchEvtx();
