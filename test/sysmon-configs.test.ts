// The two public Sysmon configurations, read in place from ../shared/sysmon-configs/ (never
// copied here): the facts SOURCES.md there states, the coverage report as golden files, and the
// fix applied to the real text making every rule see what it needs.
// `UPDATE_GOLDEN=1 npx vitest run test/sysmon-configs.test.ts` rewrites test/golden/coverage/;
// a human reads the diff.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPipeline } from '../src/pipeline/config.js';
import { DEFAULT_REPLAY_PIPELINE } from '../src/cli/paths.js';
import {
  applyFix,
  baselineRuleNeeds,
  coverageJson,
  coverageOf,
  EVENT_NEEDS,
  formatCoverageText,
  parseSysmonConfig,
  readSysmonConfigText,
  SysmonConfigFilter,
  type SysmonConfig,
} from '../src/sysmon-config/index.js';
import { REPO_ROOT } from './helpers/cli.js';

const DIR = resolve(REPO_ROOT, '..', 'shared', 'sysmon-configs');
const HAVE = existsSync(DIR);
const SKIP = `public Sysmon configurations not found at ${DIR} (they live beside the repo on development and CI machines)`;
if (!HAVE) console.warn(`skipping Sysmon configuration tests: ${SKIP}`);
const GOLDEN = resolve(REPO_ROOT, 'test', 'golden', 'coverage');
// The report `proctree coverage` prints by default: smss rows, then the shipped baselines' rows.
const BASELINES = baselineRuleNeeds((await loadPipeline(DEFAULT_REPLAY_PIPELINE)).rules.baselines);

const CONFIGS = [
  { name: 'swiftonsecurity', file: 'swiftonsecurity-sysmonconfig-export.xml' },
  { name: 'sysmon-modular', file: 'olafhartong-sysmon-modular-sysmonconfig.xml' },
] as const;

async function load(file: string): Promise<{ shown: string; text: string; config: SysmonConfig; filter: SysmonConfigFilter }> {
  const shown = `../shared/sysmon-configs/${file}`;
  const text = await readSysmonConfigText(resolve(DIR, file));
  const config = parseSysmonConfig(text, shown);
  return { shown, text, config, filter: new SysmonConfigFilter(config) };
}

const need = (id: string) => EVENT_NEEDS.get(id)!;

describe.skipIf(!HAVE)(`public Sysmon configurations${HAVE ? '' : ` (skipped: ${SKIP})`}`, () => {
  describe('SwiftOnSecurity sysmonconfig-export.xml, as SOURCES.md reads it', () => {
    it('drops the master smss creation at line 94 and autochk at line 93, logs child smss creations', async () => {
      const { filter } = await load(CONFIGS[0].file);
      expect(filter.decide(1, need('master-smss-create').probe)).toMatchObject({ logged: false, by: 'exclude-rule', line: 94 });
      const autochk = { ...need('csrss-create').probe, Image: 'C:\\Windows\\System32\\autochk.exe', CommandLine: '\\??\\C:\\Windows\\system32\\autochk.exe *' };
      expect(filter.decide(1, autochk)).toMatchObject({ logged: false, line: 93 });
      expect(filter.decide(1, need('child-smss-create').probe)).toMatchObject({ logged: true, by: 'only-element', line: 84 });
    });

    it('logs exits only under C:\\Users and device paths (line 393): never an smss exit', async () => {
      const { filter } = await load(CONFIGS[0].file);
      expect(filter.decide(5, need('child-smss-exit').probe)).toMatchObject({ logged: false, by: 'no-include-matched', line: 393 });
      expect(filter.decide(5, { Image: 'C:\\Users\\alice\\AppData\\Local\\Temp\\a.exe' })).toMatchObject({ logged: true, line: 394 });
      expect(filter.decide(5, { Image: '\\Device\\HarddiskVolumeShadowCopy1\\x.exe' })).toMatchObject({ logged: true, line: 395 });
    });

    it('logs BootExecute and AppCertDlls writes, no write under Session Manager\\Subsystems', async () => {
      const { filter } = await load(CONFIGS[0].file);
      expect(filter.decide(13, need('reg-set:BootExecute').probe)).toMatchObject({ logged: true, line: 604 });
      const appCert = { ...need('reg-set:BootExecute').probe, TargetObject: 'HKLM\\System\\CurrentControlSet\\Control\\Session Manager\\AppCertDlls\\x' };
      expect(filter.decide(13, appCert)).toMatchObject({ logged: true, line: 668 });
      for (const v of ['Windows', 'Required', 'Optional', 'Kmode', 'Debug']) {
        expect(filter.decide(13, need(`reg-set:Subsystems\\${v}`).probe)).toMatchObject({ logged: false, by: 'no-include-matched', line: 585 });
      }
    });
  });

  describe('sysmon-modular sysmonconfig.xml, as SOURCES.md reads it', () => {
    it('logs exits only under C:\\Users, C:\\Temp, C:\\Windows\\Temp (line 909): never an smss exit', async () => {
      const { filter } = await load(CONFIGS[1].file);
      expect(filter.decide(5, need('child-smss-exit').probe)).toMatchObject({ logged: false, by: 'only-element', line: 909 });
      for (const img of ['C:\\Users\\bob\\a.exe', 'C:\\Temp\\a.exe', 'C:\\Windows\\Temp\\a.exe']) expect(filter.isLogged(5, { Image: img })).toBe(true);
    });

    it('logs BootExecute and SetupExecute writes (contains all), none under Session Manager\\Subsystems', async () => {
      const { filter } = await load(CONFIGS[1].file);
      expect(filter.decide(13, need('reg-set:BootExecute').probe)).toMatchObject({ logged: true, line: 1562 });
      expect(filter.decide(12, need('reg-delete:SetupExecute').probe)).toMatchObject({ logged: true, line: 1565 });
      for (const v of ['Windows', 'Required', 'Optional', 'Kmode', 'Debug']) expect(filter.isLogged(13, need(`reg-set:Subsystems\\${v}`).probe)).toBe(false);
    });

    it('logs process creations only when an include rule matches (line 32): no smss creation at all', async () => {
      // Not in SOURCES.md: ProcessCreate has an include element and an exclude element, so what
      // no include matches is dropped, and no include names smss.exe.
      const { filter } = await load(CONFIGS[1].file);
      for (const id of ['master-smss-create', 'child-smss-create', 'wininit-create', 'winlogon-create']) {
        expect(filter.decide(1, need(id).probe), id).toMatchObject({ logged: false, by: 'no-include-matched', line: 32 });
      }
      // csrss gets through by accident: "dir" (line 219) is a substring of "ObjectDirectory".
      expect(filter.decide(1, need('csrss-create').probe)).toMatchObject({ logged: true, line: 217 });
    });
  });

  for (const { name, file } of CONFIGS) {
    describe(`${name}: coverage report`, () => {
      it('matches the golden text and JSON (UPDATE_GOLDEN=1 rewrites them)', async () => {
        const { shown, text, config } = await load(file);
        const report = coverageOf(config, text, undefined, BASELINES);
        const gotText = formatCoverageText(report, shown);
        const gotJson = coverageJson(report, shown);
        const textFile = resolve(GOLDEN, `${name}.txt`);
        const jsonFile = resolve(GOLDEN, `${name}.json`);
        if (process.env.UPDATE_GOLDEN === '1') {
          mkdirSync(GOLDEN, { recursive: true });
          writeFileSync(textFile, gotText);
          writeFileSync(jsonFile, JSON.stringify(gotJson, null, 2) + '\n');
        }
        expect(existsSync(jsonFile), `${jsonFile} is missing; run UPDATE_GOLDEN=1 npx vitest run test/sysmon-configs.test.ts and review it`).toBe(true);
        expect(gotJson).toEqual(JSON.parse(readFileSync(jsonFile, 'utf8')));
        expect(gotText).toBe(readFileSync(textFile, 'utf8'));
      });

      it('with the fix applied to its text, logs every event every rule needs, and keeps its other exclusions', async () => {
        const { text, config, filter } = await load(file);
        const report = coverageOf(config, text, undefined, BASELINES);
        expect(report.fix).toBeDefined();
        expect(report.fix!.complete).toBe(true);
        const fixedText = applyFix(text, config, report.fix!);
        const fixed = new SysmonConfigFilter(parseSysmonConfig(fixedText, `${name}+fix`));
        for (const n of [...EVENT_NEEDS.values(), ...BASELINES.flatMap((r) => r.needs)]) expect(fixed.isLogged(n.eventId, n.probe), n.id).toBe(true);
        expect(coverageOf(fixed.config, undefined, undefined, BASELINES).rules.map((r) => r.status)).toEqual(report.rules.map(() => 'logs'));
        // Only the deleted lines changed: an ordinary noisy process is still dropped as before.
        const conhost = { ...need('csrss-create').probe, Image: 'C:\\Windows\\System32\\conhost.exe', CommandLine: '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1', ParentImage: 'C:\\Windows\\System32\\cmd.exe' };
        expect(fixed.isLogged(1, conhost)).toBe(filter.isLogged(1, conhost));
      });

      it('each rule\'s own fix makes that rule see everything it needs', async () => {
        const { text, config } = await load(file);
        for (const rc of coverageOf(config, text, undefined, BASELINES).rules) {
          if (rc.fix === undefined) continue;
          const fixed = new SysmonConfigFilter(parseSysmonConfig(applyFix(text, config, rc.fix), `${name}+${rc.rule}`));
          for (const { need: n } of rc.needs) expect(fixed.isLogged(n.eventId, n.probe), `${rc.rule}: ${n.id}`).toBe(true);
        }
      });
    });
  }
});

describe('docs/sysmon-configs.md', () => {
  it('shows the lines to delete and the XML to add exactly as the golden coverage reports give them', () => {
    const doc = readFileSync(resolve(REPO_ROOT, 'docs', 'sysmon-configs.md'), 'utf8');
    for (const { name } of CONFIGS) {
      const golden = JSON.parse(readFileSync(resolve(GOLDEN, `${name}.json`), 'utf8')) as { fix: { snippet: string; remove: { text: string }[] } };
      expect(doc, `${name}: snippet`).toContain('```xml\n' + golden.fix.snippet + '\n```');
      for (const r of golden.fix.remove) expect(doc, `${name}: removal`).toContain('```xml\n' + r.text + '\n```');
    }
  });
});
