// A second local Apache Kafka for the security tests, reached the way production clusters are:
// TLS with a CA and broker certificates made here with the JDK's keytool (openssl only writes
// the client's private key as PEM, which keytool cannot), SCRAM users created when the storage is
// formatted (KIP-900: `kafka-storage format --add-scram`, the KRaft way; there is no ZooKeeper to
// write them to before the broker starts), SASL PLAIN from the listener's JAAS config, and ACLs
// enforced by KRaft's StandardAuthorizer. Listeners:
//   PLAINTEXT  set-up only (the test creates topics and ACLs through it as a super user)
//   SASL_SSL   SASL PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 over TLS
//   MTLS       TLS with a client certificate required (the principal is the certificate's CN)
//   BADNAME    TLS with a certificate issued for another host name (hostname verification)
// Certificates and the broker's data live in a temporary folder removed by stop().

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { freePorts, java, startBroker, stopBroker } from '../../scripts/kafka/local-broker.mjs';

const run = promisify(execFile);

export const PROCESSOR_USER = 'proctree';
/** Topics, groups and transactional ids the processor's user may use: those starting with this. */
export const ALLOWED_PREFIX = 'sec-';

export interface SecureBroker {
  /** Plaintext, super user: for set-up only. */
  admin: string;
  saslSsl: string;
  mtls: string;
  badName: string;
  /** The password of PROCESSOR_USER for PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512. */
  password: string;
  caFile: string;
  /** A CA that signed nothing the broker has. */
  otherCaFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  dir: string;
  stop(): Promise<void>;
}

function keytool(): string {
  const j = java();
  return j === 'java' ? 'keytool' : join(dirname(j), 'keytool');
}

const STOREPASS = 'test-store-pass';

async function kt(dir: string, args: string[]): Promise<void> {
  await run(keytool(), [...args, '-storepass', STOREPASS, '-keypass', STOREPASS], { cwd: dir });
}

/** A key pair in its own PKCS12 keystore, its certificate signed by the CA, the CA in the chain. */
async function signedKeystore(dir: string, name: string, dname: string, san: string): Promise<void> {
  const store = `${name}.p12`;
  await kt(dir, ['-genkeypair', '-alias', name, '-keyalg', 'EC', '-groupname', 'secp256r1', '-dname', dname, '-validity', '3', '-keystore', store, '-storetype', 'PKCS12']);
  await kt(dir, ['-certreq', '-alias', name, '-keystore', store, '-file', `${name}.csr`]);
  await kt(dir, ['-gencert', '-alias', 'ca', '-keystore', 'ca.p12', '-infile', `${name}.csr`, '-outfile', `${name}.pem`, '-rfc', '-validity', '3', ...(san ? ['-ext', `SAN=${san}`] : [])]);
  await kt(dir, ['-importcert', '-alias', 'ca', '-file', 'ca.pem', '-keystore', store, '-noprompt']);
  await kt(dir, ['-importcert', '-alias', name, '-file', `${name}.pem`, '-keystore', store, '-noprompt']);
}

async function makeCertificates(dir: string): Promise<void> {
  await kt(dir, ['-genkeypair', '-alias', 'ca', '-keyalg', 'EC', '-groupname', 'secp256r1', '-dname', 'CN=proctree test CA', '-ext', 'bc:c', '-validity', '3', '-keystore', 'ca.p12', '-storetype', 'PKCS12']);
  await kt(dir, ['-exportcert', '-rfc', '-alias', 'ca', '-keystore', 'ca.p12', '-file', 'ca.pem']);
  await Promise.all([
    signedKeystore(dir, 'broker', 'CN=localhost', 'dns:localhost,ip:127.0.0.1'),
    signedKeystore(dir, 'badname', 'CN=wrong.example', 'dns:wrong.example'),
    kt(dir, ['-importcert', '-alias', 'ca', '-file', 'ca.pem', '-keystore', 'trust.p12', '-storetype', 'PKCS12', '-noprompt']),
    (async () => {
      // The client's key as PEM for Node: made by openssl, its certificate signed by the CA with keytool.
      await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'client.key', '-subj', `/CN=${PROCESSOR_USER}`, '-out', 'client.csr'], { cwd: dir });
      await kt(dir, ['-gencert', '-alias', 'ca', '-keystore', 'ca.p12', '-infile', 'client.csr', '-outfile', 'client.pem', '-rfc', '-validity', '3']);
    })(),
    run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'other-ca.key', '-out', 'other-ca.pem', '-subj', '/CN=some other CA', '-days', '3'], { cwd: dir }),
  ]);
}

export async function startSecureBroker(log: (m: string) => void = () => {}): Promise<SecureBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'proctree-secure-'));
  const password = `pw-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;
  const t0 = Date.now();
  await makeCertificates(dir);
  log(`certificates made with keytool in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const [port, controllerPort, sasl, mtls, bad] = await freePorts(5);
  const store = (prefix: string, file: string) => [
    `${prefix}ssl.keystore.type=PKCS12`,
    `${prefix}ssl.keystore.location=${join(dir, file)}`,
    `${prefix}ssl.keystore.password=${STOREPASS}`,
    `${prefix}ssl.key.password=${STOREPASS}`,
  ];
  const extraProperties = [
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort},SASL_SSL://127.0.0.1:${sasl},MTLS://127.0.0.1:${mtls},BADNAME://127.0.0.1:${bad}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port},SASL_SSL://127.0.0.1:${sasl},MTLS://127.0.0.1:${mtls},BADNAME://127.0.0.1:${bad}`,
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,MTLS:SSL,BADNAME:SSL',
    'listener.name.sasl_ssl.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${PROCESSOR_USER}="${password}";`,
    'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    ...store('', 'broker.p12'),
    'ssl.truststore.type=PKCS12',
    `ssl.truststore.location=${join(dir, 'trust.p12')}`,
    `ssl.truststore.password=${STOREPASS}`,
    'listener.name.mtls.ssl.client.auth=required',
    ...store('listener.name.badname.', 'badname.p12'),
    // The principal of a client certificate is its CN (User:proctree), not the whole DN.
    'ssl.principal.mapping.rules=RULE:^CN=([^,]+).*$/$1/,DEFAULT',
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    // The set-up listener, the controller and the broker's own inter-broker requests.
    'super.users=User:ANONYMOUS',
    'allow.everyone.if.no.acl.found=false',
  ];
  const formatArgs = ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${PROCESSOR_USER},password=${password}]`]);
  const t1 = Date.now();
  await startBroker({ port, controllerPort, extraProperties, formatArgs, log });
  log(`secure broker answered after ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  return {
    admin: `127.0.0.1:${port}`,
    saslSsl: `127.0.0.1:${sasl}`,
    mtls: `127.0.0.1:${mtls}`,
    badName: `127.0.0.1:${bad}`,
    password,
    caFile: join(dir, 'ca.pem'),
    otherCaFile: join(dir, 'other-ca.pem'),
    clientCertFile: join(dir, 'client.pem'),
    clientKeyFile: join(dir, 'client.key'),
    dir,
    async stop() {
      await stopBroker({ port, log });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
