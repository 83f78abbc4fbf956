// The security block without a broker: what the schema accepts and refuses (never echoing a
// secret), how it maps to kafkajs options, and how refusals become one line saying what to fix.
// The same against a real broker: test/kafka/security.test.ts.

import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parsePipeline } from '../pipeline/config.js';
import { KafkaSecurityError, checkBrokers, explainKafkaError, kafkajsSecurity, probeBroker, securityWarnings, type KafkaSecurityConfig } from './security.js';

const tmp = mkdtempSync(join(tmpdir(), 'proctree-sec-'));
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const caFile = join(tmp, 'ca.pem');
writeFileSync(caFile, PEM);

function security(sec: unknown): KafkaSecurityConfig | undefined {
  const c = parsePipeline({ source: { kind: 'kafka', security: sec }, sink: { kind: 'kafka' } });
  return c.source.kind === 'kafka' ? c.source.security : undefined;
}

function problems(sec: unknown): string[] {
  try {
    security(sec);
    return [];
  } catch (e) {
    return (e as ConfigError).problems;
  }
}

describe('the security block', () => {
  it('accepts TLS with a CA and a client certificate, and SASL with the password from the environment or a file', () => {
    expect(security({ tls: { ca_file: caFile, cert_file: 'c.pem', key_file: 'k.pem' }, sasl: { mechanism: 'SCRAM-SHA-512', username: 'u', password_env: 'KAFKA_PASSWORD' } })).toEqual({
      tls: { ca_file: caFile, cert_file: 'c.pem', key_file: 'k.pem', verify_hostname: true, reject_unauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: 'u', password_env: 'KAFKA_PASSWORD' },
    });
    expect(security({ tls: {} })).toEqual({ tls: { verify_hostname: true, reject_unauthorized: true } });
    expect(security(undefined)).toBeUndefined();
  });

  it('refuses a password written in the pipeline without repeating it, and other mistakes by key', () => {
    const secret = 'hunter2-do-not-print';
    const p = problems({ sasl: { mechanism: 'plain', username: 'u', password: secret }, tls: { key_password: secret, cert_file: 'c.pem' } });
    expect(p.join('\n')).not.toContain(secret);
    expect(p).toEqual(
      expect.arrayContaining([
        'source.security.sasl.password: secrets are not written in the pipeline: put it in an environment variable (password_env) or a file (password_file)',
        'source.security.tls.key_password: secrets are not written in the pipeline: put it in an environment variable (key_password_env) or a file (key_password_file)',
        'source.security.tls.key_file: a client certificate needs both cert_file and key_file, got nothing',
      ]),
    );
    expect(problems({ sasl: { mechanism: 'gssapi', username: 'u', password_env: 'X' } })).toEqual([expect.stringMatching(/^source\.security\.sasl\.mechanism: expected plain, scram-sha-256 or scram-sha-512/)]);
    expect(problems({ sasl: { mechanism: 'plain', username: 'u' } })).toEqual(['source.security.sasl.password_env: give exactly one of password_env (an environment variable) or password_file']);
    expect(problems({ sasl: { mechanism: 'plain', username: 'u', password_env: 'not a name!' } })).toEqual(['source.security.sasl.password_env: expected the name of an environment variable']);
    expect(problems({ tls: { verify: false } })).toEqual(['source.security.tls.verify: unknown key']);
  });

  it('maps to kafkajs ssl and sasl options, reading the files and the secret', () => {
    const pwFile = join(tmp, 'pw');
    writeFileSync(pwFile, 's3cret\n');
    const k = kafkajsSecurity(security({ tls: { ca_file: caFile, verify_hostname: false }, sasl: { mechanism: 'scram-sha-256', username: 'u', password_file: pwFile } }), {});
    expect(k.ssl).toMatchObject({ ca: PEM, rejectUnauthorized: true });
    expect(k.ssl?.checkServerIdentity?.('x', {} as never)).toBeUndefined();
    expect(k.sasl).toEqual({ mechanism: 'scram-sha-256', username: 'u', password: 's3cret' });
    const fromEnv = kafkajsSecurity(security({ sasl: { mechanism: 'plain', username: 'u', password_env: 'PW' } }), { PW: 'e-secret' });
    expect(fromEnv).toEqual({ sasl: { mechanism: 'plain', username: 'u', password: 'e-secret' } });
    // Hostname verification is Node's default: no checkServerIdentity override.
    expect(kafkajsSecurity(security({ tls: {} }), {}).ssl).toEqual({ rejectUnauthorized: true });
  });

  it('says which secret cannot be read without naming what was written there', () => {
    const sec = security({ tls: { ca_file: join(tmp, 'none.pem') }, sasl: { mechanism: 'plain', username: 'u', password_env: 'MyPassw0rd' } });
    let err: unknown;
    try {
      kafkajsSecurity(sec, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KafkaSecurityError);
    expect((err as KafkaSecurityError).problems).toEqual([
      `source.security.tls.ca_file: cannot read ${join(tmp, 'none.pem')} (ENOENT)`,
      'source.security.sasl.password_env: the environment variable it names is not set (or is empty)',
    ]);
    expect((err as Error).message).not.toContain('MyPassw0rd');
    expect(() => kafkajsSecurity(security({ sasl: { mechanism: 'plain', username: 'u', password_file: '/nonexistent/hunter2' } }), {})).toThrow(
      /password_file: cannot read the file it names \(ENOENT\)$/,
    );
  });

  it('warns about settings that weaken security', () => {
    expect(securityWarnings(security({ tls: { reject_unauthorized: false } }))).toEqual([expect.stringContaining('any certificate is accepted')]);
    expect(securityWarnings(security({ sasl: { mechanism: 'plain', username: 'u', password_env: 'P' } }))).toEqual([expect.stringContaining('clear text')]);
    expect(securityWarnings(security({ tls: {} }))).toEqual([]);
  });
});

describe('refusals in one line', () => {
  const source = { brokers: ['b:9093'], topic: 'in', group_id: 'g', state_topic: 'st', dead_letter_topic: 'dlq', security: security({ sasl: { mechanism: 'scram-sha-512', username: 'svc', password_env: 'P' } }) };

  it('maps kafkajs errors (also as causes) to what to fix', () => {
    const typed = (type: string): Error => Object.assign(new Error(type), { name: 'KafkaJSProtocolError', type });
    const wrapped = (e: Error): Error => Object.assign(new Error('outer'), { name: 'KafkaJSNonRetriableError', cause: e });
    expect(explainKafkaError(Object.assign(new Error('SASL SCRAM SHA512 authentication failed'), { name: 'KafkaJSSASLAuthenticationError' }), source)).toMatch(
      /SASL SCRAM-SHA-512 authentication as "svc" was refused by b:9093: check source\.security\.sasl\.username and the password in the environment variable in password_env/,
    );
    expect(explainKafkaError(wrapped(typed('TOPIC_AUTHORIZATION_FAILED')), source, 'alerts')).toBe(
      'User:svc is not authorised for topic(s) among in, st, dlq, alerts: the broker\'s ACLs must allow READ and DESCRIBE on in and st, WRITE and DESCRIBE on the others',
    );
    expect(explainKafkaError(typed('GROUP_AUTHORIZATION_FAILED'), source)).toMatch(/consumer group g: .*READ and DESCRIBE/);
    expect(explainKafkaError(typed('TRANSACTIONAL_ID_AUTHORIZATION_FAILED'), source)).toMatch(/prefixed "g\."/);
    expect(explainKafkaError(typed('ILLEGAL_SASL_STATE'), source)).toMatch(/does not use SASL: remove source\.security\.sasl/);
    expect(explainKafkaError(Object.assign(new Error('Connection error: x'), { name: 'KafkaJSConnectionError', code: 'CERT_HAS_EXPIRED' }), source)).toMatch(/not valid now/);
    expect(explainKafkaError(new Error('something else'), source)).toBeNull();
  });

  it('probes a listener that closes the connection and one that is not there', async () => {
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const closed = await probeBroker(`127.0.0.1:${port}`, {});
      expect(closed).toEqual({ ok: false, advice: expect.stringContaining('its listener expects TLS'), message: 'connection closed' });
      await expect(checkBrokers([`127.0.0.1:${port}`], {})).rejects.toThrow(/add source\.security\.tls/);
    } finally {
      server.close();
    }
    // Nobody listening: left to the client's own retries and its "cannot reach" error.
    await expect(checkBrokers([`127.0.0.1:${port}`], {}, 1000)).resolves.toBeUndefined();
  });
});
