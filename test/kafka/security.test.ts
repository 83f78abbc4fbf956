// TLS, SASL and ACLs against a real broker (secure-broker.ts starts one for this file): every
// mechanism connects with a pipeline's `security` block; `proctree run` consumes and produces as
// an ACL-limited SCRAM user over TLS; a wrong password, an unknown CA, a plaintext client on the
// TLS port, a missing client certificate, a certificate for another host and a topic outside the
// ACLs are each refused at once with one line saying what to fix; and the secret appears in no
// log line, error, --help text or metric.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, ResourcePatternTypes, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { KafkaClient } from '../../src/kafka/client.js';
import { createKafkajsClient } from '../../src/kafka/kafkajs-client.js';
import { explainKafkaError, kafkajsSecurity, type KafkaSecurityConfig } from '../../src/kafka/security.js';
import { parsePipeline } from '../../src/pipeline/config.js';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { randomName, waitForMessages } from './helpers.js';
import { ALLOWED_PREFIX, PROCESSOR_USER, startSecureBroker, type SecureBroker } from './secure-broker.js';

const BIN = resolve(REPO_ROOT, 'bin', 'proctree.js');
const PASSWORD_ENV = 'PROCTREE_TEST_KAFKA_PASSWORD';

let broker: SecureBroker;
let admin: Kafka;
const topics = { input: `${ALLOWED_PREFIX}${randomName('in')}`, alerts: `${ALLOWED_PREFIX}${randomName('alerts')}`, state: `${ALLOWED_PREFIX}${randomName('state')}`, dlq: `${ALLOWED_PREFIX}${randomName('dlq')}` };
const forbidden = randomName('forbidden');

beforeAll(async () => {
  broker = await startSecureBroker((m) => process.stderr.write(`security tests: ${m}\n`));
  admin = new Kafka({ clientId: 'security-setup', brokers: [broker.admin], logLevel: logLevel.NOTHING });
  const a = admin.admin();
  await a.connect();
  try {
    await a.createTopics({ topics: [...Object.values(topics), forbidden].map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true });
    const allow = (resourceType: AclResourceTypes, operations: AclOperationTypes[], resourceName = ALLOWED_PREFIX, resourcePatternType = ResourcePatternTypes.PREFIXED) =>
      operations.map((operation) => ({ resourceType, resourceName, resourcePatternType, principal: `User:${PROCESSOR_USER}`, host: '*', operation, permissionType: AclPermissionTypes.ALLOW }));
    // The processor's user: its own topics, group and transactional ids, nothing else.
    await a.createAcls({
      acl: [
        ...allow(AclResourceTypes.TOPIC, [AclOperationTypes.READ, AclOperationTypes.WRITE, AclOperationTypes.DESCRIBE]),
        ...allow(AclResourceTypes.GROUP, [AclOperationTypes.READ, AclOperationTypes.DESCRIBE]),
        ...allow(AclResourceTypes.TRANSACTIONAL_ID, [AclOperationTypes.WRITE, AclOperationTypes.DESCRIBE]),
      ],
    });
  } finally {
    await a.disconnect();
  }
}, 120_000);

afterAll(async () => {
  await broker?.stop();
});

function scram(mechanism: string, extra: Record<string, unknown> = {}): KafkaSecurityConfig {
  return { tls: { ca_file: broker.caFile }, sasl: { mechanism, username: PROCESSOR_USER, password_env: PASSWORD_ENV }, ...extra } as KafkaSecurityConfig;
}

/** A client built the way `proctree run` builds it: pipeline YAML -> schema -> kafkajsSecurity -> kafkajs. */
function clientFor(bootstrap: string, security: Record<string, unknown>, password = broker.password): KafkaClient {
  const config = parsePipeline({ source: { kind: 'kafka', brokers: [bootstrap], topic: topics.input, security }, sink: { kind: 'kafka' } });
  if (config.source.kind !== 'kafka') throw new Error('not kafka');
  return createKafkajsClient({ brokers: config.source.brokers, clientId: randomName('sec'), security: kafkajsSecurity(config.source.security, { [PASSWORD_ENV]: password }) });
}

describe('TLS and SASL against a real broker', () => {
  it('connects with SASL PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 over TLS and with a client certificate, and produces and consumes', async () => {
    const ways: [string, string, Record<string, unknown>][] = [
      ['plain', broker.saslSsl, scram('PLAIN')],
      ['scram-sha-256', broker.saslSsl, scram('scram-sha-256')],
      ['scram-sha-512', broker.saslSsl, scram('SCRAM-SHA-512')],
      ['client certificate', broker.mtls, { tls: { ca_file: broker.caFile, cert_file: broker.clientCertFile, key_file: broker.clientKeyFile } }],
      ['no hostname check', broker.badName, { tls: { ca_file: broker.caFile, verify_hostname: false } }],
    ];
    const topic = topics.dlq;
    for (const [name, bootstrap, security] of ways) {
      const producer = await clientFor(bootstrap, security).producer();
      try {
        await producer.send([{ topic, messages: [{ key: name, value: `via ${name}` }] }]);
      } finally {
        await producer.close();
      }
    }
    // Read back as the set-up super user: the processor's user may join only groups of its own prefix.
    const got = await waitForMessages(createKafkajsClient({ brokers: [broker.admin], clientId: randomName('read') }), topic, { count: ways.length, readCommitted: false, timeoutMs: 20_000 });
    expect(got.map((m) => m.value?.toString()).sort()).toEqual(ways.map(([n]) => `via ${n}`).sort());
  });
});

describe('a wrong password, in process', () => {
  it('kafkajs and our logger see no secret: every pino line and the error are free of it', async () => {
    const wrong = `not-${broker.password}`;
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, { write: (l: string) => void lines.push(l) });
    const client = createKafkajsClient({ brokers: [broker.saslSsl], clientId: randomName('pw'), logger, security: kafkajsSecurity(scram('scram-sha-512'), { [PASSWORD_ENV]: wrong }) });
    const err = await client.admin().then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).not.toBeNull();
    const explained = explainKafkaError(err, { brokers: [broker.saslSsl], topic: 't', group_id: 'g', state_topic: 's', dead_letter_topic: 'd', security: scram('scram-sha-512') });
    expect(explained).toMatch(/authentication as "proctree" was refused/);
    const everything = [...lines, String(err?.stack), JSON.stringify(err), String((err?.cause as Error | undefined)?.stack), explained].join('\n');
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(broker.password);
  });
});

interface Run {
  code: number | null;
  stderr: string;
  ms: number;
}

/** `proctree run` on a pipeline with this source; stops it (SIGTERM) once `until` sees its stderr, or lets it fail. */
async function proctreeRun(source: Record<string, unknown>, env: Record<string, string>, until?: (stderr: string) => Promise<boolean> | boolean, logLevel = 'info'): Promise<Run> {
  const file = join(broker.dir, `${randomName('pipeline')}.yaml`);
  const yaml = {
    source: {
      kind: 'kafka',
      brokers: [broker.saslSsl],
      topic: topics.input,
      group_id: `${ALLOWED_PREFIX}group`,
      state_topic: topics.state,
      dead_letter_topic: topics.dlq,
      create_topics: false,
      idle_timeout_secs: 0,
      session_timeout_secs: 10,
      snapshot_interval_secs: 1,
      ...source,
    },
    sink: { kind: 'kafka', topic: topics.alerts },
    metrics: { port: 0, host: '127.0.0.1' },
  };
  writeFileSync(file, stringify(yaml));
  const { KAFKA_BROKERS: _ignored, ...rest } = process.env;
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, 'run', '--log-level', logLevel, file], { env: { ...rest, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit');
  const killer = setTimeout(() => child.kill('SIGKILL'), 45_000);
  try {
    if (until) {
      for (;;) {
        const done = await Promise.race([exited.then(() => 'exited' as const), new Promise<'tick'>((r) => setTimeout(() => r('tick'), 200))]);
        if (done === 'exited') break;
        if (await until(stderr)) {
          child.kill('SIGTERM');
          break;
        }
      }
    }
    const [code] = (await exited) as [number | null];
    return { code, stderr, ms: Date.now() - started };
  } finally {
    clearTimeout(killer);
  }
}

function metricsPort(stderr: string): number | undefined {
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const o = JSON.parse(line) as { msg?: string; port?: number };
    if (o.msg?.startsWith('metrics on') && typeof o.port === 'number') return o.port;
  }
  return undefined;
}

describe('proctree run with TLS, SCRAM and ACLs', () => {
  it('consumes and alerts as the ACL-limited user, and the password is in no log line or metric', async () => {
    const events = readFileSync(resolve(REPO_ROOT, 'samples', 'rule-smss-path.xml'), 'utf8').match(/<Event [\s\S]*?<\/Event>/g)!;
    const p = admin.producer();
    await p.connect();
    await p.send({ topic: topics.input, messages: events.map((value) => ({ key: /<Computer>([^<]*)</.exec(value)![1], value })) });
    await p.disconnect();
    const passwordFile = join(broker.dir, 'password');
    writeFileSync(passwordFile, `${broker.password}\n`);
    let metrics = '';
    const alertsClient = createKafkajsClient({ brokers: [broker.admin], clientId: randomName('alerts') });
    const r = await proctreeRun({ security: { tls: { ca_file: broker.caFile }, sasl: { mechanism: 'scram-sha-512', username: PROCESSOR_USER, password_file: passwordFile } } }, {}, async (stderr) => {
      const port = metricsPort(stderr);
      if (port === undefined || !stderr.includes('"consuming"')) return false;
      const m = await fetch(`http://127.0.0.1:${port}/metrics`).then((x) => x.text());
      if (!/proctree_alerts_total\{rule="smss.path"\} [1-9]/.test(m)) return false;
      metrics = m;
      return true;
    }, 'debug');
    expect(r.code, r.stderr).toBe(0);
    const alerts = await waitForMessages(alertsClient, topics.alerts, { count: 1, timeoutMs: 15_000 });
    expect(JSON.parse(alerts[0].value!.toString()).rule).toBe('smss.path');
    expect(metrics).toContain('proctree_events_total');
    for (const text of [r.stderr, metrics]) expect(text).not.toContain(broker.password);
  });

  it('refuses a wrong password in one line that says what to fix, with neither password in any output', async () => {
    const wrong = `wrong-${broker.password.split('').reverse().join('')}`;
    const r = await proctreeRun({ security: scram('scram-sha-256') }, { [PASSWORD_ENV]: wrong }, undefined, 'debug');
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('proctree:'));
    expect(lines).toEqual([expect.stringMatching(/SASL SCRAM-SHA-256 authentication as "proctree" was refused .*check source\.security\.sasl\.username and the password in the environment variable in password_env/)]);
    expect(r.stderr).not.toContain(wrong);
    expect(r.stderr).not.toContain(broker.password);
    expect(r.ms).toBeLessThan(15_000);
  });

  it('refuses an unknown CA, a plaintext client on the TLS port, a missing client certificate and a certificate for another host, each at once in one line', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ security: scram('scram-sha-512', { tls: { ca_file: broker.otherCaFile } }) }, /not signed by a CA we trust .*set source\.security\.tls\.ca_file/],
      [{ security: scram('scram-sha-512', { tls: {} }) }, /not signed by a CA we trust/],
      [{}, /its listener expects TLS .*add source\.security\.tls/],
      [{ brokers: [broker.mtls], security: { tls: { ca_file: broker.caFile } } }, /refused our TLS client certificate.*cert_file and key_file/],
      [{ brokers: [broker.badName], security: { tls: { ca_file: broker.caFile } } }, /not issued for that address.*verify_hostname: false/],
      [{ brokers: [broker.admin], security: { tls: { ca_file: broker.caFile } } }, /not .*TLS.*remove source\.security\.tls or use the broker's TLS port/],
    ];
    for (const [source, want] of cases) {
      const r = await proctreeRun(source, { [PASSWORD_ENV]: broker.password });
      expect(r.code, r.stderr).toBe(1);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('proctree:'));
      expect(lines, r.stderr).toEqual([expect.stringMatching(want)]);
      expect(r.ms, r.stderr).toBeLessThan(8000);
      expect(r.stderr).not.toContain(broker.password);
    }
  });

  it('says clearly that a topic outside the ACLs is not authorised, instead of hanging', async () => {
    const r = await proctreeRun({ topic: forbidden, security: scram('scram-sha-512') }, { [PASSWORD_ENV]: broker.password });
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('proctree:'));
    expect(lines, r.stderr).toEqual([expect.stringMatching(/User:proctree is not authorised for topic\(s\) among .*READ and DESCRIBE/)]);
    expect(r.ms).toBeLessThan(20_000);
  });

  it('never shows the secret in --help, and refuses a password written in the pipeline without echoing it', () => {
    const help = runCli(['run', '--help'], { env: { [PASSWORD_ENV]: broker.password } });
    expect(help.status).toBe(0);
    expect(help.stdout + help.stderr).not.toContain(broker.password);
    const file = join(broker.dir, 'inline.yaml');
    writeFileSync(file, stringify({ source: { kind: 'kafka', security: { sasl: { mechanism: 'plain', username: 'u', password: broker.password } } }, sink: { kind: 'kafka' } }));
    const r = runCli(['run', file]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`proctree: ${file}: source.security.sasl.password: secrets are not written in the pipeline: put it in an environment variable (password_env) or a file (password_file)`);
  });
});
