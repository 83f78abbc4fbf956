// `proctree coverage` as a user runs it (the built CLI: `npm run build` first, as `npm test` does).

import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from './helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'proctree-coverage-'));
const SHARED = resolve(REPO_ROOT, '..', 'shared', 'sysmon-configs');
const HAVE = existsSync(SHARED);
const GOLDEN = resolve(REPO_ROOT, 'test', 'golden', 'coverage');

describe('proctree coverage', () => {
  it('explains itself in --help', () => {
    const r = runCli(['coverage', '--help']);
    expect(r.status).toBe(0);
    for (const s of ['--json', 'swiftonsecurity', 'sysmon-modular', 'everything', 'no-exits', 'Exit codes', '<EventFiltering>']) expect(r.stdout).toContain(s);
    expect(runCli(['--help']).stdout).toContain('coverage');
  });

  it('exits 2 on a usage error', () => {
    expect(runCli(['coverage']).status).toBe(2);
    expect(runCli(['coverage', '--yaml', 'everything']).status).toBe(2);
  });

  it('exits 1 with one line naming the file and line of an invalid configuration', () => {
    const bad = join(tmp, 'bad.xml');
    writeFileSync(bad, '<Sysmon schemaversion="4.90">\n  <EventFiltering>\n    <ProcessTerminate>\n    </ProcessTerminate>\n  </EventFiltering>\n</Sysmon>\n');
    const r = runCli(['coverage', bad]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      `proctree coverage: ${bad}:3: <ProcessTerminate> has no onmatch attribute; add onmatch="include" (log only what matches) or onmatch="exclude" (log all but what matches)`,
    ]);
    const broken = join(tmp, 'broken.xml');
    writeFileSync(broken, '<Sysmon schemaversion="4.90">\n<EventFiltering>\n<ProcessCreate onmatch="exclude">\n<Image>Tom & Jerry.exe</Image>\n');
    const b = runCli(['coverage', broken]);
    expect(b.status).toBe(1);
    expect(b.stderr.trim().split('\n')).toEqual([`proctree coverage: ${broken}:4: not well-formed XML: a bare "&"; write it as &amp; (and a < in a value as &lt;)`]);
  });

  it('exits 1 with one line for a file it cannot read', () => {
    const r = runCli(['coverage', join(tmp, 'none.xml')]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([`proctree coverage: ${join(tmp, 'none.xml')}: cannot read the Sysmon configuration: no such file`]);
  });

  it('reports the built-in configurations by name', () => {
    const all = runCli(['coverage', 'everything']);
    expect(all.status).toBe(0);
    expect(all.stdout).toContain('This configuration logs every event the smss and core process rules need.');
    const noExits = runCli(['coverage', '--json', 'no-exits']);
    expect(noExits.status).toBe(0);
    const j = JSON.parse(noExits.stdout) as { rules: { rule: string; status: string; missing: string[] }[] };
    // Without exits: the smss child exit, each lifetime check, and the instance counts of the
    // processes that do not live as long as the boot (a dead csrss would still count).
    expect(j.rules.filter((r) => r.status !== 'logs')).toEqual([
      expect.objectContaining({ rule: 'smss.child-no-exit', status: 'partial', missing: ['child-smss-exit'] }),
      expect.objectContaining({ rule: 'core.csrss.instances', status: 'partial', missing: ['csrss-exit'] }),
      expect.objectContaining({ rule: 'core.wininit.lifetime', status: 'partial', missing: ['wininit-exit'] }),
      expect.objectContaining({ rule: 'core.services.lifetime', status: 'partial', missing: ['services-exit'] }),
      expect.objectContaining({ rule: 'core.lsass.lifetime', status: 'partial', missing: ['lsass-exit'] }),
      expect.objectContaining({ rule: 'core.winlogon.instances', status: 'partial', missing: ['winlogon-exit'] }),
    ]);
    // A pipeline without baselines: the smss rows alone.
    const smssOnly = join(tmp, 'smss-only.yaml');
    writeFileSync(smssOnly, 'rules:\n  smss: {}\n');
    const s = runCli(['coverage', '--json', '--pipeline', smssOnly, 'everything']);
    expect(s.status).toBe(0);
    expect((JSON.parse(s.stdout) as { rules: { rule: string }[] }).rules.every((r) => r.rule.startsWith('smss.'))).toBe(true);
    const badPipeline = runCli(['coverage', '--pipeline', join(tmp, 'none.yaml'), 'everything']);
    expect(badPipeline.status).toBe(1);
    expect(badPipeline.stderr).toContain(`proctree coverage: ${join(tmp, 'none.yaml')}: cannot read the pipeline file`);
  });

  describe.skipIf(!HAVE)(`the public configurations${HAVE ? '' : ` (skipped: ${SHARED} not found)`}`, () => {
    for (const [name, file] of [
      ['swiftonsecurity', 'swiftonsecurity-sysmonconfig-export.xml'],
      ['sysmon-modular', 'olafhartong-sysmon-modular-sysmonconfig.xml'],
    ]) {
      it(`prints the golden report for ${name}, as a table and as JSON`, () => {
        const path = `../shared/sysmon-configs/${file}`;
        const text = runCli(['coverage', path]);
        expect(text.stderr).toBe('');
        expect(text.status).toBe(0);
        expect(text.stdout).toBe(readFileSync(resolve(GOLDEN, `${name}.txt`), 'utf8'));
        const json = runCli(['coverage', '--json', path]);
        expect(json.status).toBe(0);
        expect(JSON.parse(json.stdout)).toEqual(JSON.parse(readFileSync(resolve(GOLDEN, `${name}.json`), 'utf8')));
        // By name, the same report about the file it resolves to.
        const byName = runCli(['coverage', '--json', name]);
        expect(byName.status).toBe(0);
        const a = JSON.parse(byName.stdout) as { config: { file: string }; rules: unknown };
        expect(a.config.file).toBe(resolve(SHARED, file));
        expect(a.rules).toEqual((JSON.parse(json.stdout) as { rules: unknown }).rules);
      });
    }
  });
});
