import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test/helpers/cli.js';
import { SMSS_RULE_IDS } from '../rules/smss/config.js';
import { ConfigError, loadPipeline, parsePipeline } from './config.js';

describe('pipeline config', () => {
  it('the bundled replay.yaml says exactly the schema defaults, plus the core process baselines it ships', async () => {
    const bundled = await loadPipeline(resolve(REPO_ROOT, 'pipelines', 'replay.yaml'));
    expect(bundled.rules.baselines.length).toBeGreaterThan(0);
    expect(parsePipeline({}).rules.baselines).toEqual([]);
    expect(bundled).toEqual(parsePipeline({ rules: { baselines: bundled.rules.baselines } }));
    expect(parsePipeline({}).rules.smss.enabled).toEqual([...SMSS_RULE_IDS]);
  });

  it('lists the first 50 problems and counts the rest (a mangled file can have one per line)', () => {
    const raw = { rules: { baselines: Array.from({ length: 80 }, (_, i) => ({ process: `p${i}`, match: {} })) } };
    try {
      parsePipeline(raw, 'x.yaml');
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).problems.length).toBe(80);
      const lines = (e as Error).message.split('\n');
      expect(lines.length).toBe(51);
      expect(lines[50]).toBe('x.yaml: … and 30 more problems');
    }
  });

  it('reports every bad key at once, with its path and what it got', () => {
    try {
      parsePipeline({ rules: { smss: { child_exit_secs: 'thirty', enabled: ['smss.pth'], baseline_values: { X: 'y' } } }, decode: { max_event_bytes: 10 }, sinks: {} }, 'pipelines/x.yaml');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const lines = (e as Error).message.split('\n');
      expect(lines).toContain('pipelines/x.yaml: rules.smss.child_exit_secs: expected a positive number of seconds, got "thirty"');
      expect(lines.some((l) => l.startsWith('pipelines/x.yaml: rules.smss.enabled.0: expected one of smss.path'))).toBe(true);
      expect(lines.some((l) => l.startsWith('pipelines/x.yaml: rules.smss.baseline_values.X:'))).toBe(true);
      expect(lines.some((l) => l.startsWith('pipelines/x.yaml: decode.max_event_bytes:'))).toBe(true);
      expect(lines).toContain('pipelines/x.yaml: sinks: unknown key');
    }
  });

  it('reports YAML syntax errors and unreadable files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proctree-cfg-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'rules: [unclosed\n');
    await expect(loadPipeline(bad)).rejects.toThrow(/bad\.yaml: YAML syntax/);
    await expect(loadPipeline(join(dir, 'missing.yaml'))).rejects.toThrow(/missing\.yaml: cannot read the pipeline file \(ENOENT\)/);
  });
});
