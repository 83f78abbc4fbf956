// The command line as a user meets it: help, exit codes, errors in one line, stdin, --stats,
// --format ecs, --out, --fail-on-alert, and the same alerts whatever the input encoding.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, parseAlerts, runCli } from './helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'proctree-cli-'));
const RULE_FILE = resolve(REPO_ROOT, 'samples', 'rule-smss-child-no-exit.xml');
const FLEET = resolve(REPO_ROOT, 'samples', 'normal-boot-fleet.xml');

describe('proctree --help', () => {
  it('explains the tool and every replay option', () => {
    const top = runCli(['--help']);
    expect(top.status).toBe(0);
    expect(top.stdout).toContain('replay');
    expect(top.stdout).toContain('smss.child-no-exit');
    const r = runCli(['replay', '--help']);
    expect(r.status).toBe(0);
    for (const opt of ['--pipeline', '--out', '--format', '--stats', '--errors', '--fail-on-alert', '--no-progress', '--quiet', 'Exit codes']) expect(r.stdout).toContain(opt);
  });
});

describe('proctree replay exit codes and errors', () => {
  it('exits 2 on a usage error', () => {
    expect(runCli(['replay']).status).toBe(2);
    expect(runCli(['replay', '--format', 'csv', FLEET]).status).toBe(2);
    expect(runCli(['no-such-command']).status).toBe(2);
  });

  it('gives a one-line error and exit 1 for a missing file', () => {
    const r = runCli(['replay', join(tmp, 'nope.xml')]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([`proctree: ${join(tmp, 'nope.xml')}: no such file or folder`]);
    expect(r.stdout).toBe('');
  });

  it('refuses an invalid pipeline naming the bad key, and an unreadable one', () => {
    const bad = join(tmp, 'bad.yaml');
    writeFileSync(bad, 'rules:\n  smss:\n    child_exit_secs: thirty\n    max_lve: 2\n');
    const r = runCli(['replay', '--pipeline', bad, FLEET]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${bad}: rules.smss.child_exit_secs: expected a positive number of seconds, got "thirty"`);
    expect(r.stderr).toContain(`${bad}: rules.smss.max_lve: unknown key`);
    const missing = runCli(['replay', '--pipeline', join(tmp, 'none.yaml'), FLEET]);
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim().split('\n').length).toBe(1);
  });

  it('exits 0 with alerts, and 3 with --fail-on-alert', () => {
    expect(runCli(['replay', '-q', RULE_FILE]).status).toBe(0);
    expect(runCli(['replay', '-q', '--fail-on-alert', RULE_FILE]).status).toBe(3);
    expect(runCli(['replay', '-q', '--fail-on-alert', FLEET]).status).toBe(0);
  });
});

describe('proctree run errors', () => {
  it('says in one line which brokers it could not reach and what to do, and exits 1', () => {
    const file = join(tmp, 'unreachable.yaml');
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    writeFileSync(file, "source:\n  kind: kafka\n  brokers: ['127.0.0.1:1']\nsink:\n  kind: kafka\n");
    const r = runCli(['run', file, '--log-level', 'silent'], { env: { KAFKA_BROKERS: '' } });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      'proctree: Kafka at 127.0.0.1:1 failed: Connection error: connect ECONNREFUSED 127.0.0.1:1. ' +
        'Check source.brokers (or KAFKA_BROKERS) and that the brokers run; `npm run broker:start` starts a local one.',
    ]);
  }, 60_000);

  it('refuses a pipeline whose source is not Kafka', () => {
    const r = runCli(['run', resolve(REPO_ROOT, 'pipelines', 'replay.yaml')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('source.kind and sink.kind must be kafka for proctree run');
  });
});

describe('proctree generate errors', () => {
  it('says in one line which brokers --kafka could not reach, and exits 1', () => {
    const r = runCli(['generate', '--kafka', '127.0.0.1:1', '--topic', 'sysmon', '--events', '10']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      'proctree generate: Kafka at 127.0.0.1:1 failed: Connection error: connect ECONNREFUSED 127.0.0.1:1. ' +
        'Check --kafka and that the brokers run; `npm run broker:start` starts a local one.',
    ]);
  }, 60_000);

  it('says so when the hosts wrote fewer events than --events before --duration ran out', () => {
    const out = join(tmp, 'short.xml');
    const r = runCli(['generate', '--hosts', '1', '--events', '10000', '--duration', '600', '-o', out]);
    expect(r.status).toBe(0);
    const written = readFileSync(out, 'utf8').split('\n').filter((l) => l.startsWith('<Event')).length;
    expect(written).toBeLessThan(10_000);
    expect(r.stderr).toContain(`warning: ${written} of the 10000 events asked for`);
    const enough = runCli(['generate', '--hosts', '20', '--events', '3000', '-o', join(tmp, 'enough.xml')]);
    expect(enough.stderr).not.toContain('warning');
  });

  it('finishes with thousands of live processes on a host (PIDs are not drawn from a full range for ever)', () => {
    // Before, freePid searched 5,741 PIDs forever once they were all live: this ran until killed.
    const r = runCli(['generate', '--hosts', '2', '--host-eps', '1000', '--duration', '150', '-o', '/dev/null'], { timeoutMs: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/proctree generate: \d{6} events/);
  });

  it('lists every option in --help', () => {
    const r = runCli(['generate', '--help']);
    expect(r.status).toBe(0);
    for (const opt of ['--out', '--labels', '--format', '--hosts', '--duration', '--events', '--anomalies', '--decoys', '--no-exit-hosts', '--seed', '--rate', '--kafka']) expect(r.stdout).toContain(opt);
  });
});

describe('proctree replay outputs', () => {
  const reference = parseAlerts(runCli(['replay', '-q', RULE_FILE]).stdout);

  it('reads standard input', () => {
    const r = runCli(['replay', '-q', '-'], { input: readFileSync(RULE_FILE) });
    expect(r.status).toBe(0);
    expect(parseAlerts(r.stdout)).toEqual(reference);
  });

  it('gives the same alerts from UTF-16LE and gzip copies', () => {
    const xml = readFileSync(RULE_FILE, 'utf8');
    const u16 = join(tmp, 'a-utf16.xml');
    writeFileSync(u16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]));
    const gz = join(tmp, 'a.xml.gz');
    writeFileSync(gz, gzipSync(xml));
    expect(parseAlerts(runCli(['replay', '-q', u16]).stdout)).toEqual(reference);
    expect(parseAlerts(runCli(['replay', '-q', gz]).stdout)).toEqual(reference);
  });

  it('writes the summary as JSON with --stats and prints it on stderr', () => {
    const stats = join(tmp, 'stats.json');
    const r = runCli(['replay', '--stats', stats, RULE_FILE]);
    expect(r.stderr).toContain('alerts: 1');
    const s = JSON.parse(readFileSync(stats, 'utf8'));
    expect(s.alerts).toEqual({ total: 1, byRule: expect.objectContaining({ 'smss.child-no-exit': 1, 'smss.path': 0 }) });
    const count = (id: number): number => (readFileSync(RULE_FILE, 'utf8').match(new RegExp(`<EventID>${id}</EventID>`, 'g')) ?? []).length;
    expect(s.eventsByEventId).toEqual({ '1': count(1), '5': count(5), '13': count(13) });
    expect(s.decodeErrors).toEqual({ total: 0, byReason: {} });
    expect(s.files).toBe(1);
    expect(s.bytes).toBe(readFileSync(RULE_FILE).length);
    expect(s.eventsPerSecond).toBeGreaterThan(0);
  });

  it('writes alerts to --out and nothing to stdout', () => {
    const out = join(tmp, 'alerts.jsonl');
    const r = runCli(['replay', '-q', '--out', out, RULE_FILE]);
    expect(r.stdout).toBe('');
    expect(parseAlerts(readFileSync(out, 'utf8'))).toEqual(reference);
  });

  it('writes ECS names with --format ecs', () => {
    const [a] = runCli(['replay', '-q', '--format', 'ecs', RULE_FILE]).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const n = reference[0] as { id: string; rule: string; host: string; time: string; attack: string[]; process: { guid: string; pid: number; image: string } };
    expect(a.event).toMatchObject({ id: n.id, kind: 'alert', category: ['process'], severity_name: 'medium' });
    expect(a.rule.id).toBe(n.rule);
    expect(a.host.name).toBe(n.host);
    expect(a['@timestamp']).toBe(n.time);
    expect(a.process).toMatchObject({ entity_id: n.process.guid, pid: n.process.pid, executable: n.process.image, name: 'smss.exe' });
    expect(a.process.parent.name).toBe('smss.exe');
    expect(a.threat.technique.id).toEqual(n.attack);
  });

  it('gives stable alert ids across runs', () => {
    expect(parseAlerts(runCli(['replay', '-q', RULE_FILE]).stdout)).toEqual(reference);
  });

  it('keeps going over malformed input, counts it, and writes --errors records', () => {
    const xml = readFileSync(RULE_FILE, 'utf8');
    const lines = xml.split('\n');
    // Break one event (truncate it) and add garbage; the rule's events survive.
    const idx = lines.findIndex((l) => l.includes('<Data Name=\'Image\'>C:\\Windows\\System32\\services.exe'));
    lines[idx] = lines[idx].slice(0, 200);
    lines.splice(3, 0, 'garbage line');
    const broken = join(tmp, 'broken.xml');
    writeFileSync(broken, lines.join('\n'));
    const errors = join(tmp, 'errors.jsonl');
    const stats = join(tmp, 'broken-stats.json');
    const r = runCli(['replay', '--errors', errors, '--stats', stats, broken]);
    expect(r.status).toBe(0);
    expect(parseAlerts(r.stdout)).toEqual(reference);
    const recs = readFileSync(errors, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(recs.map((e) => e.reason).sort()).toEqual(['garbage-between-events', 'truncated-event']);
    for (const e of recs) expect(e).toMatchObject({ source: broken, offset: expect.any(Number), snippet: expect.any(String) });
    expect(JSON.parse(readFileSync(stats, 'utf8')).decodeErrors.total).toBe(2);
    expect(r.stderr).toContain('truncated-event');
  });
});

describe('proctree replay --sysmon-config', () => {
  it('judges by the configuration named: the summary and --stats count, per rule, what it could not judge and why', () => {
    const stats = join(tmp, 'no-exits-stats.json');
    // The sample's lingering child: under a configuration that logs no exits, its deadline cannot be judged.
    const r = runCli(['replay', '--sysmon-config', 'no-exits', '--stats', stats, RULE_FILE]);
    expect(r.status).toBe(0);
    expect(parseAlerts(r.stdout)).toEqual([]);
    const line = 'smss.child-no-exit: 1 child smss not judged: no-exits drops EventID 5 for C:\\Windows\\System32\\smss.exe (built-in no-exits line 8)';
    expect(r.stderr).toContain(`    ${line}\n`);
    const s = JSON.parse(readFileSync(stats, 'utf8'));
    expect(s.notJudged).toContainEqual({ rule: 'smss.child-no-exit', count: 1, what: 'child smss not judged', why: line.slice(line.indexOf('no-exits drops')), hosts: ['PC-LINGER'], hostCount: 1, config: 'no-exits' });
    expect(s.unjudgedDeadlines).toBe(1);
    // Under one that logs them, the alert is the sample's.
    expect(parseAlerts(runCli(['replay', '-q', '--sysmon-config', 'everything', RULE_FILE]).stdout)).toEqual(parseAlerts(runCli(['replay', '-q', RULE_FILE]).stdout));
  });

  it('refuses a configuration it cannot read, in one line', () => {
    const r = runCli(['replay', '--sysmon-config', join(tmp, 'nope.xml'), RULE_FILE]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([`proctree: --sysmon-config ${join(tmp, 'nope.xml')}: cannot read the Sysmon configuration: no such file`]);
  });
});
