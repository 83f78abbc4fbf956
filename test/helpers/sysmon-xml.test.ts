// The rules' unit tests run on HostLog's typed events without XML; this keeps those events
// exactly what the decoder makes of the same log's XML, so the rules see real decoder output.

import { describe, expect, it } from 'vitest';
import { decodeAll } from './engine-run.js';
import { HostLog } from './sysmon-xml.js';

describe('HostLog typed events', () => {
  it('equal the decoded XML of every kind of event it writes', () => {
    const t0 = Date.UTC(2024, 5, 1, 8, 0, 0);
    const h = new HostLog('WS-Typed.corp.example', 7);
    const b = h.boot(t0);
    const user = h.create(b.t + 1000, h.proc(4242, 'C:\\Users\\ann\\a&b <x>.exe', 'a&b "quoted" <x>', b.winlogon, { user: 'CORP\\ann', logonId: '0x00A1B2', session: 1, originalFileName: 'orig.exe' }));
    h.registrySet(b.t + 2000, user, 'HKLM\\System\\CurrentControlSet\\Control\\Session Manager\\Subsystems\\Windows', 'x & y');
    h.registryObject(b.t + 3000, user, 'DeleteValue', 'HKLM\\Software\\k');
    h.network(b.t + 3500, user, '10.1.2.3');
    h.access(b.t + 3600, user, b.winlogon);
    h.exit(b.t + 4000, user);
    h.create(b.t + 5000, h.proc(4243, 'C:\\Windows\\System32\\smss.exe', 'smss.exe', b.master, { logonId: '', user: 'S-1-5-18' }));
    h.create(b.t + 6000, h.proc(4244, 'C:\\Windows\\System32\\smss.exe', 'smss.exe', b.master, { logonId: '0x00000000000003E7' }));
    const decoded = decodeAll(h.events);
    expect(decoded.map((e) => e.eventId)).toEqual(expect.arrayContaining([1, 5, 10, 12, 13]));
    expect(h.typed).toEqual(decoded);
  });
});
