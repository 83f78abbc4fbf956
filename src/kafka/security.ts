// TLS and SASL for Kafka: the `security` block of the Kafka source in pipeline YAML, its mapping
// to kafkajs' `ssl` and `sasl` options, a quick probe of the brokers that turns a refused
// connection into a one-line error saying what to fix, and the same for kafkajs' errors.
//
// Secrets (the SASL password, a client key's passphrase) come from an environment variable or a
// file, never from the YAML itself; they are read once at start and appear in no log line, error,
// --help text or metric (test/kafka/security.test.ts checks all four).

import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import { z } from 'zod';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const secretSource = {
  /** Name of an environment variable holding the secret. */
  password_env: z.string({ error: 'expected the name of an environment variable' }).regex(ENV_NAME, { error: 'expected the name of an environment variable' }).optional(),
  /** File holding the secret (a Kubernetes or Docker secret); one trailing line break is ignored. */
  password_file: z.string({ error: 'expected a file path' }).min(1, { error: 'expected a file path' }).optional(),
};

const INLINE_SECRET = 'secrets are not written in the pipeline: put it in an environment variable (password_env) or a file (password_file)';

export const kafkaTlsSchema = z
  .strictObject({
    /** PEM file of the CA(s) that signed the brokers' certificates; default: Node's bundled public CAs. */
    ca_file: z.string({ error: 'expected a file path' }).min(1).optional(),
    /** Client certificate (PEM) and its key (PEM), for brokers that require one (ssl.client.auth=required). */
    cert_file: z.string({ error: 'expected a file path' }).min(1).optional(),
    key_file: z.string({ error: 'expected a file path' }).min(1).optional(),
    /** Passphrase of an encrypted key_file, from an environment variable or a file. */
    key_password_env: secretSource.password_env,
    key_password_file: secretSource.password_file,
    key_password: z.unknown().optional(),
    /** Check that the broker's certificate names the host connected to. Turn off only for brokers reached by an address their certificate lacks. */
    verify_hostname: z.boolean({ error: 'expected true or false' }).default(true),
    /** Refuse brokers whose certificate does not chain to a trusted CA. false accepts any certificate (tests only: anyone in the middle is accepted too). */
    reject_unauthorized: z.boolean({ error: 'expected true or false' }).default(true),
  })
  .superRefine((t, ctx) => {
    if ((t.cert_file === undefined) !== (t.key_file === undefined)) {
      ctx.addIssue({ code: 'custom', path: [t.cert_file === undefined ? 'cert_file' : 'key_file'], message: 'a client certificate needs both cert_file and key_file' });
    }
    if (t.key_password !== undefined) ctx.addIssue({ code: 'custom', path: ['key_password'], message: INLINE_SECRET.replace(/password_(env|file)/g, 'key_password_$1') });
    if (t.key_password_env !== undefined && t.key_password_file !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['key_password_file'], message: 'give key_password_env or key_password_file, not both' });
    }
  });

export const kafkaSaslSchema = z
  .strictObject({
    /** PLAIN (only over TLS: it sends the password as is), SCRAM-SHA-256 or SCRAM-SHA-512; any case. */
    mechanism: z
      .string({ error: 'expected plain, scram-sha-256 or scram-sha-512' })
      .transform((s) => s.toLowerCase())
      .pipe(z.enum(['plain', 'scram-sha-256', 'scram-sha-512'], { error: 'expected plain, scram-sha-256 or scram-sha-512' })),
    username: z.string({ error: 'expected a user name' }).min(1, { error: 'expected a user name' }),
    ...secretSource,
    password: z.unknown().optional(),
  })
  .superRefine((s, ctx) => {
    if (s.password !== undefined) ctx.addIssue({ code: 'custom', path: ['password'], message: INLINE_SECRET });
    else if ((s.password_env === undefined) === (s.password_file === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['password_env'], message: 'give exactly one of password_env (an environment variable) or password_file' });
    }
  });

export const kafkaSecuritySchema = z.strictObject({
  /** Connect with TLS (listeners of type SSL or SASL_SSL). `tls: {}` trusts Node's bundled public CAs. */
  tls: kafkaTlsSchema.optional(),
  /** Authenticate with SASL (listeners of type SASL_SSL or SASL_PLAINTEXT). */
  sasl: kafkaSaslSchema.optional(),
});

export type KafkaSecurityConfig = z.infer<typeof kafkaSecuritySchema>;

/** What createKafkajsClient passes to kafkajs. */
export interface KafkajsSecurity {
  ssl?: tls.ConnectionOptions;
  sasl?: SASLOptions;
}

/** A security block that cannot be used: one line per problem, naming the key (never the secret). */
export class KafkaSecurityError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'KafkaSecurityError';
  }
}

function readSecret(key: string, env: string | undefined, file: string | undefined, vars: NodeJS.ProcessEnv, problems: string[]): string | undefined {
  // The variable's name and the file's path are not echoed: someone who wrote the secret itself there would see it in the error.
  if (env !== undefined) {
    const v = vars[env];
    if (v === undefined || v === '') problems.push(`${key}_env: the environment variable it names is not set (or is empty)`);
    return v;
  }
  if (file !== undefined) {
    try {
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      problems.push(`${key}_file: cannot read the file it names (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return undefined;
}

function readPem(key: string, file: string, problems: string[]): string | undefined {
  try {
    const pem = readFileSync(file, 'utf8');
    if (!pem.includes('-----BEGIN ')) problems.push(`${key}: ${file} is not PEM (no -----BEGIN line); convert it with openssl (a PKCS12 or DER file)`);
    return pem;
  } catch (e) {
    problems.push(`${key}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    return undefined;
  }
}

/**
 * The kafkajs options for a security block: reads the CA, certificate and key files and the
 * secrets. Throws KafkaSecurityError (keys relative to `prefix`) when one cannot be read.
 */
export function kafkajsSecurity(sec: KafkaSecurityConfig | undefined, env: NodeJS.ProcessEnv = process.env, prefix = 'source.security'): KafkajsSecurity {
  if (sec === undefined) return {};
  const problems: string[] = [];
  const out: KafkajsSecurity = {};
  if (sec.tls !== undefined) {
    const t = sec.tls;
    const ssl: tls.ConnectionOptions = { rejectUnauthorized: t.reject_unauthorized };
    if (t.ca_file !== undefined) ssl.ca = readPem(`${prefix}.tls.ca_file`, t.ca_file, problems);
    if (t.cert_file !== undefined) ssl.cert = readPem(`${prefix}.tls.cert_file`, t.cert_file, problems);
    if (t.key_file !== undefined) ssl.key = readPem(`${prefix}.tls.key_file`, t.key_file, problems);
    const pass = readSecret(`${prefix}.tls.key_password`, t.key_password_env, t.key_password_file, env, problems);
    if (pass !== undefined) ssl.passphrase = pass;
    if (!t.verify_hostname) ssl.checkServerIdentity = () => undefined;
    out.ssl = ssl;
  }
  if (sec.sasl !== undefined) {
    const s = sec.sasl;
    const password = readSecret(`${prefix}.sasl.password`, s.password_env, s.password_file, env, problems) ?? '';
    out.sasl = { mechanism: s.mechanism, username: s.username, password } as SASLOptions;
  }
  if (problems.length > 0) throw new KafkaSecurityError(problems);
  return out;
}

/** Node's TLS error codes that mean "this certificate is not trusted", and what to do. */
function tlsAdvice(code: string | undefined, message: string, broker: string): string | null {
  switch (code) {
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'CERT_UNTRUSTED':
      return `the TLS certificate of ${broker} is not signed by a CA we trust (${message}): set source.security.tls.ca_file to the PEM file of the CA that signed the brokers' certificates`;
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return `the TLS certificate of ${broker} is not valid now (${message}): the broker needs a current certificate (or this machine's clock is wrong)`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `the TLS certificate of ${broker} is not issued for that address (${message}): list the brokers by a name in their certificate, or set source.security.tls.verify_hostname: false`;
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
      return `${broker} does not speak TLS: it is a PLAINTEXT or SASL_PLAINTEXT listener; remove source.security.tls or use the broker's TLS port`;
    case 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE':
    case 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED':
    case 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA':
    case 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN':
      return `${broker} refused our TLS client certificate (${code}): it requires one its truststore accepts; set source.security.tls.cert_file and key_file to a certificate signed by a CA the broker trusts`;
    default:
      if (code?.startsWith('ERR_SSL_') || code?.startsWith('ERR_TLS_')) return `TLS with ${broker} failed (${message}): check source.security.tls`;
      return null;
  }
}

/** What a broker did to our first request. */
export type ProbeOutcome = { ok: true } | { ok: false; advice: string | null; message: string };

/** An ApiVersions v0 request: every listener answers it before any SASL exchange. */
function apiVersionsRequest(): Buffer {
  const clientId = Buffer.from('sysmon-proctree-probe');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  body.writeInt16BE(18, 0); // ApiVersions
  body.writeInt16BE(0, 2);
  body.writeInt32BE(1, 4);
  body.writeInt16BE(clientId.length, 8);
  clientId.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

/**
 * Connects to one broker as the client will (TLS or not) and sends ApiVersions. A listener that
 * expects TLS closes the connection on a plaintext request; a TLS client meets a plaintext
 * listener with a handshake error; an untrusted certificate fails the handshake. kafkajs retries
 * all of these for ~10 s as network errors and then reports them without the cause's code; this
 * finds them at once and says what to fix.
 */
export function probeBroker(broker: string, security: KafkajsSecurity, timeoutMs = 5000): Promise<ProbeOutcome> {
  const i = broker.lastIndexOf(':');
  const host = broker.slice(0, i);
  const port = Number(broker.slice(i + 1));
  return new Promise((resolve) => {
    let settled = false;
    const finish = (o: ProbeOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(o);
    };
    const socket = security.ssl
      ? tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }), ...security.ssl })
      : net.connect({ host, port });
    const timer = setTimeout(() => finish({ ok: false, advice: null, message: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.once(security.ssl ? 'secureConnect' : 'connect', () => socket.write(apiVersionsRequest()));
    const tlsListener = `${broker} answered our first request with TLS: its listener expects TLS (SSL or SASL_SSL); add source.security.tls (with ca_file for a private CA)`;
    let got = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      // A TLS listener answers plaintext with a TLS alert record (0x15 0x03 ..), not a Kafka response.
      if (!security.ssl && got.length >= 2 && got[0] === 0x15 && got[1] === 0x03) return finish({ ok: false, advice: tlsListener, message: 'TLS alert' });
      if (got.length < 8) return;
      // A Kafka response: size, then our correlation id (1).
      if (got.readInt32BE(4) === 1) finish({ ok: true });
      else finish({ ok: false, advice: `${broker} answered with something that is not Kafka: check source.brokers`, message: 'not a Kafka response' });
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN' || e.code === 'EHOSTUNREACH') return finish({ ok: false, advice: null, message: e.message });
      const advice =
        tlsAdvice(e.code, e.message, broker) ??
        (security.ssl && e.message.includes('disconnected before secure TLS connection')
          ? `${broker} closed the connection during the TLS handshake: it is probably not a TLS listener; remove source.security.tls or use the broker's TLS port`
          : null);
      finish({ ok: false, advice, message: e.message });
    });
    socket.once('close', () =>
      finish({
        ok: false,
        advice: security.ssl
          ? null
          : `${broker} closed the connection at our first request: its listener expects TLS (SSL or SASL_SSL); add source.security.tls (with ca_file for a private CA)`,
        message: 'connection closed',
      }),
    );
  });
}

/** A broker refused us for a reason retrying cannot fix. */
export class KafkaConnectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KafkaConnectError';
  }
}

/**
 * Probes the bootstrap brokers; throws KafkaConnectError with the advice when none can be used
 * and one of them said why. Unreachable brokers are left to the client's own retries and errors.
 */
export async function checkBrokers(brokers: readonly string[], security: KafkajsSecurity, timeoutMs = 5000): Promise<void> {
  const outcomes = await Promise.all(brokers.map((b) => probeBroker(b, security, timeoutMs)));
  if (outcomes.some((o) => o.ok)) return;
  const advised = outcomes.find((o): o is { ok: false; advice: string; message: string } => !o.ok && o.advice !== null);
  if (advised) throw new KafkaConnectError(advised.advice);
}

/** The chain of an error and its causes (kafkajs: cause, originalError). */
function chain(e: unknown): (Error & { type?: string; code?: string | number })[] {
  const out: (Error & { type?: string; code?: string | number })[] = [];
  for (let c: unknown = e; c instanceof Error && out.length < 8; c = c.cause ?? (c as { originalError?: unknown }).originalError) out.push(c);
  return out;
}

/**
 * A Kafka error as one line saying what to fix, for the errors security brings (authentication,
 * TLS, ACLs); null for others. Never includes a secret: kafkajs' messages hold none, and only the
 * user name and key names of the configuration are added.
 */
export function explainKafkaError(
  e: unknown,
  source: { brokers: readonly string[]; topic: string; group_id: string; state_topic: string; dead_letter_topic: string; security?: KafkaSecurityConfig },
  sinkTopic?: string,
): string | null {
  const errs = chain(e);
  const has = (pred: (x: Error & { type?: string; code?: string | number }) => boolean) => errs.some(pred);
  const sasl = source.security?.sasl;
  if (e instanceof KafkaConnectError) return e.message;
  if (has((x) => x.name === 'KafkaJSSASLAuthenticationError' || x.type === 'SASL_AUTHENTICATION_FAILED')) {
    const where = sasl?.password_env !== undefined ? 'the environment variable in password_env' : 'the file in password_file';
    return (
      `SASL ${sasl?.mechanism.toUpperCase() ?? ''} authentication as "${sasl?.username ?? '?'}" was refused by ${source.brokers.join(',')}: ` +
      `check source.security.sasl.username and the password in ${where} (and that the broker has a credential for this user and mechanism)`
    );
  }
  if (has((x) => x.type === 'UNSUPPORTED_SASL_MECHANISM')) {
    return `the brokers do not offer SASL ${sasl?.mechanism.toUpperCase() ?? ''} on this listener: set source.security.sasl.mechanism to one the listener enables (sasl.enabled.mechanisms)`;
  }
  if (has((x) => x.type === 'ILLEGAL_SASL_STATE')) {
    return `the listener at ${source.brokers.join(',')} does not use SASL: remove source.security.sasl or connect to the broker's SASL listener`;
  }
  const who = sasl ? `User:${sasl.username}` : 'this client';
  const topics = [...new Set([source.topic, source.state_topic, source.dead_letter_topic, ...(sinkTopic ? [sinkTopic] : [])])].join(', ');
  if (has((x) => x.type === 'TOPIC_AUTHORIZATION_FAILED')) {
    return `${who} is not authorised for topic(s) among ${topics}: the broker's ACLs must allow READ and DESCRIBE on ${source.topic} and ${source.state_topic}, WRITE and DESCRIBE on the others`;
  }
  if (has((x) => x.type === 'GROUP_AUTHORIZATION_FAILED')) {
    return `${who} is not authorised for consumer group ${source.group_id}: the broker's ACLs must allow READ and DESCRIBE on that group`;
  }
  if (has((x) => x.type === 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED')) {
    return `${who} is not authorised for transactional ids ${source.group_id}.*: with guarantee exactly_once the ACLs must allow WRITE and DESCRIBE on transactional ids prefixed "${source.group_id}." (or use guarantee: at_least_once)`;
  }
  if (has((x) => x.type === 'CLUSTER_AUTHORIZATION_FAILED')) {
    return `${who} is not authorised for a cluster-wide request (creating topics, idempotent writes): set source.create_topics: false and create the topics beforehand, or ask for CREATE / IDEMPOTENT_WRITE on the cluster`;
  }
  for (const x of errs) {
    const advice = tlsAdvice(typeof x.code === 'string' ? x.code : undefined, x.message, source.brokers.join(','));
    if (advice) return advice;
  }
  return null;
}

/** Settings that work but weaken security, for a warning at start. */
export function securityWarnings(sec: KafkaSecurityConfig | undefined): string[] {
  const w: string[] = [];
  if (sec?.tls?.reject_unauthorized === false) w.push('source.security.tls.reject_unauthorized is false: any certificate is accepted, so anyone between here and the brokers can read and change the stream');
  if (sec?.tls?.verify_hostname === false && sec.tls.reject_unauthorized !== false) w.push('source.security.tls.verify_hostname is false: any certificate from a trusted CA is accepted for any broker');
  if (sec?.sasl?.mechanism === 'plain' && sec.tls === undefined) w.push('SASL PLAIN without source.security.tls sends the password in clear text');
  return w;
}
