// A single-node Apache Kafka (KRaft) broker on 127.0.0.1 for tests and local use, run from jars
// that Maven fetches from Maven Central (this machine has no Docker engine). Used by
// scripts/broker.mjs (npm run broker:start/stop) and by the vitest global set-up, so both start
// the broker the same way. Plain Node, no build step.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

export const DEFAULT_KAFKA_VERSION = '4.4.0';
const POM = fileURLToPath(new URL('./pom.xml', import.meta.url));

export class BrokerError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'BrokerError';
  }
}

/** Where the jars of one Kafka version are cached between runs (outside the repository). */
export function jarsDir(version = DEFAULT_KAFKA_VERSION) {
  if (process.env.KAFKA_JARS_DIR) return process.env.KAFKA_JARS_DIR;
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'sysmon-proctree', `kafka-${version}`);
}

/** The temporary folder holding one broker's config, data, log and pid file; keyed by port so stop finds it. */
export function stateDir(port) {
  return path.join(os.tmpdir(), `sysmon-proctree-broker-${port}`);
}

const COMPLETE = '.complete';

/** Fetches the broker jars with Maven unless they are already cached; returns the jar folder. */
export function fetchJars({ version = DEFAULT_KAFKA_VERSION, log = defaultLog } = {}) {
  const dir = jarsDir(version);
  if (fs.existsSync(path.join(dir, COMPLETE))) return dir;
  if (spawnSync('mvn', ['-v'], { stdio: 'ignore' }).status !== 0) {
    throw new BrokerError(
      'Maven (mvn) is needed to fetch the Kafka broker jars from Maven Central: install it (apt-get install maven) ' +
        'or point KAFKA_BROKERS at a running broker.',
    );
  }
  log(`fetching Apache Kafka ${version} jars from Maven Central into ${dir}`);
  // Copy into a private folder, then rename: a concurrent start never sees half a class path.
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const mvn = spawnSync(
    'mvn',
    ['-q', '-B', '-f', POM, 'dependency:copy-dependencies', `-Dkafka.version=${version}`, `-DoutputDirectory=${tmp}`],
    { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' },
  );
  if (mvn.status !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new BrokerError(
      `mvn could not fetch Apache Kafka ${version} (exit ${mvn.status}); check that Maven Central is reachable ` +
        `or set KAFKA_BROKERS.\n${(mvn.stdout + mvn.stderr).trim().split('\n').slice(-20).join('\n')}`,
    );
  }
  fs.writeFileSync(path.join(tmp, COMPLETE), `${version}\n`);
  try {
    fs.renameSync(tmp, dir);
  } catch (err) {
    // Another process finished first; its copy is as good as ours.
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(path.join(dir, COMPLETE))) throw err;
  }
  return dir;
}

/** Settings for a single combined broker+controller node; replication factor 1 everywhere so transactions work. */
export function serverProperties({ port, controllerPort, dataDir }) {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${dataDir}`,
    // Topics are created on purpose (admin or the processor), so a typo in a topic name fails loudly.
    'auto.create.topics.enable=false',
    'num.partitions=3',
    'offsets.topic.replication.factor=1',
    // Few internal partitions: coordinators load faster on a fresh test broker.
    'offsets.topic.num.partitions=5',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=5',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    '',
  ].join('\n');
}

const LOG4J = [
  'status = warn',
  'appender.out.type = Console',
  'appender.out.name = out',
  'appender.out.layout.type = PatternLayout',
  'appender.out.layout.pattern = [%d] %p %m (%c)%n',
  'rootLogger.level = info',
  'rootLogger.appenderRef.out.ref = out',
  // The config dumps of every component are thousands of lines that nobody reads.
  'logger.config.name = org.apache.kafka.common.config.AbstractConfig',
  'logger.config.level = warn',
  '',
].join('\n');

export function java() {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

/** Blames Java only when Java is the cause: a missing binary or class files too new for it. */
function javaHint(result) {
  if (result.error?.code === 'ENOENT') return `; no Java at '${java()}' (Kafka 4 needs Java 17+; set JAVA_HOME)`;
  if (/UnsupportedClassVersionError/.test(result.stderr ?? '')) return `; this Java is too old (Kafka 4 needs Java 17+; set JAVA_HOME)`;
  return '';
}

/** A KRaft cluster id: 16 random bytes, base64url; Kafka avoids ids starting with '-' (they look like options). */
function clusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function readPid(dir) {
  try {
    return Number(fs.readFileSync(path.join(dir, 'broker.pid'), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** True when pid is alive and is the kafka.Kafka JVM started with this folder's config (guards against pid reuse). */
function isOurBroker(pid, dir) {
  if (!pid) return false;
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.includes('kafka.Kafka') && cmd.includes(dir);
  } catch {
    try {
      process.kill(pid, 0);
      return true; // no /proc (macOS): trust the pid file
    } catch {
      return false;
    }
  }
}

function portInUse(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** The kernel's range of ephemeral ports ([32768, 60999] on Linux by default), or null. */
function ephemeralRange() {
  try {
    const [lo, hi] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isInteger(lo) && Number.isInteger(hi) ? [lo, hi] : null;
  } catch {
    return null;
  }
}

/** Listens on 127.0.0.1:port (0: any), resolves with the server, or null where the port is taken. */
function listenOn(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/**
 * n distinct free TCP ports on 127.0.0.1 (for brokers that tests start beside a developer's own).
 * All n listen at once before any closes: asked one after another, the kernel may hand out the
 * same port twice, and Kafka refuses two listeners on one port. Where the kernel says which
 * ports it hands to outgoing connections, the ports come from below that range: the seconds
 * until the broker binds them, no client of another test can take one as its local port.
 */
export async function freePorts(n) {
  const servers = [];
  const range = ephemeralRange();
  const below = range !== null && range[0] > 12000 ? range[0] : 0;
  try {
    for (let tries = 0; servers.length < n && tries < 200; tries++) {
      const port = below > 0 ? 10000 + Math.floor(Math.random() * (below - 10000)) : 0;
      if (port !== 0 && servers.some((s) => s.address().port === port)) continue;
      const server = await listenOn(port);
      if (server !== null) servers.push(server);
    }
    if (servers.length < n) throw new Error(`found ${servers.length} of ${n} free ports on 127.0.0.1`);
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(() => resolve()))));
  }
}

/** Resolves with the cluster id once a Kafka broker answers a metadata request at bootstrap. */
export async function describeCluster(bootstrap, timeoutMs = 2000) {
  const kafka = new Kafka({
    clientId: 'sysmon-proctree-broker-check',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    return await admin.describeCluster();
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

function logTail(dir, lines = 30) {
  try {
    return fs.readFileSync(path.join(dir, 'broker.log'), 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no broker log)';
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts a broker on 127.0.0.1:port (idempotent: a broker of ours already there is reused) and
 * resolves once it answers metadata requests with the cluster id it was formatted with.
 */
export async function startBroker({
  port = 9092,
  controllerPort = port + 1,
  version = DEFAULT_KAFKA_VERSION,
  timeoutMs = 90_000,
  log = defaultLog,
  // For brokers with more listeners (TLS, SASL, ACLs: test/kafka/secure-broker.ts): lines added
  // to server.properties (a key given again overrides the default above it), and arguments added
  // to the storage format (e.g. --add-scram). The PLAINTEXT listener on `port` stays: the start-up
  // check and test set-up use it.
  extraProperties = [],
  formatArgs = [],
  // Start again on the data a stopBroker({ keepData: true }) left (same cluster id, topics, offsets,
  // groups, transactions): a broker restarted mid-stream, for fault tests. Without such data it
  // starts fresh as usual.
  keepData = false,
} = {}) {
  const bootstrap = `127.0.0.1:${port}`;
  const dir = stateDir(port);
  const running = readPid(dir);
  if (isOurBroker(running, dir)) {
    await waitUntilAnswers({ bootstrap, dir, pid: running, timeoutMs, expectedId: readClusterId(dir) });
    return { bootstrap, pid: running, dir, reused: true };
  }
  if (keepData && readClusterId(dir) && fs.existsSync(path.join(dir, 'data', 'meta.properties'))) {
    for (const p of [port, controllerPort]) {
      if (await portInUse(p)) throw new BrokerError(`127.0.0.1:${p} is already in use by another program; the broker on port ${port} cannot start again.`);
    }
    const pid = launch({ dir, jars: fetchJars({ version, log }), props: path.join(dir, 'server.properties') });
    try {
      await waitUntilAnswers({ bootstrap, dir, pid, timeoutMs, expectedId: readClusterId(dir) });
    } catch (err) {
      await stopBroker({ port, log: () => {} });
      throw err;
    }
    return { bootstrap, pid, dir, reused: false };
  }
  for (const p of [port, controllerPort]) {
    if (await portInUse(p)) {
      throw new BrokerError(
        `127.0.0.1:${p} is already in use by another program; stop it, choose another port with KAFKA_PORT, ` +
          `or use that broker with KAFKA_BROKERS=127.0.0.1:${p}.`,
      );
    }
  }
  const jars = fetchJars({ version, log });
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const props = path.join(dir, 'server.properties');
  fs.writeFileSync(props, serverProperties({ port, controllerPort, dataDir: path.join(dir, 'data') }) + extraProperties.map((l) => `${l}\n`).join(''));
  fs.writeFileSync(path.join(dir, 'log4j2.properties'), LOG4J);
  const id = clusterId();
  fs.writeFileSync(path.join(dir, 'cluster.id'), id);
  // --standalone: this node is the only voter of a dynamic KRaft quorum (Kafka >= 3.9).
  const format = spawnSync(java(), [...jvmArgs(dir, jars), 'kafka.tools.StorageTool', 'format', '-t', id, '-c', props, '--standalone', ...formatArgs], {
    encoding: 'utf8',
  });
  if (format.status !== 0) {
    throw new BrokerError(
      `formatting the Kafka storage failed (exit ${format.status ?? format.error?.message})${javaHint(format)}.\n` +
        (format.stdout + format.stderr).trim().split('\n').slice(-20).join('\n'),
    );
  }
  const pid = launch({ dir, jars, props });
  try {
    await waitUntilAnswers({ bootstrap, dir, pid, timeoutMs, expectedId: id });
  } catch (err) {
    await stopBroker({ port, log: () => {} });
    throw err;
  }
  return { bootstrap, pid, dir, reused: false };
}

function jvmArgs(dir, jars) {
  return ['-cp', path.join(jars, '*'), `-Dlog4j2.configurationFile=${path.join(dir, 'log4j2.properties')}`, '-Djava.awt.headless=true'];
}

/** Starts kafka.Kafka detached with the folder's config; returns its pid (also written to broker.pid). */
function launch({ dir, jars, props }) {
  const out = fs.openSync(path.join(dir, 'broker.log'), 'a');
  const child = spawn(
    java(),
    ['-Xms256m', '-Xmx1g', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', ...jvmArgs(dir, jars), 'kafka.Kafka', props],
    { detached: true, stdio: ['ignore', out, out] },
  );
  fs.closeSync(out);
  child.unref();
  fs.writeFileSync(path.join(dir, 'broker.pid'), `${child.pid}\n`);
  return child.pid;
}

function readClusterId(dir) {
  try {
    return fs.readFileSync(path.join(dir, 'cluster.id'), 'utf8').trim();
  } catch {
    return undefined;
  }
}

async function waitUntilAnswers({ bootstrap, dir, pid, timeoutMs, expectedId }) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    if (!isOurBroker(pid, dir)) {
      throw new BrokerError(`the Kafka broker exited during start-up; its log ends with:\n${logTail(dir)}`);
    }
    try {
      const cluster = await describeCluster(bootstrap);
      if (expectedId && cluster.clusterId !== expectedId) {
        throw new BrokerError(`${bootstrap} answers as cluster ${cluster.clusterId}, not the one just formatted (${expectedId}): another broker holds the port.`);
      }
      return;
    } catch (err) {
      if (err instanceof BrokerError) throw err;
      last = err;
    }
    await sleep(250);
  }
  throw new BrokerError(
    `the Kafka broker at ${bootstrap} did not answer within ${timeoutMs / 1000}s (${last?.message ?? 'no answer'}); ` +
      `its log ends with:\n${logTail(dir)}`,
  );
}

/** True when a broker started by this module runs on port. */
export async function brokerRunning({ port = 9092 } = {}) {
  const dir = stateDir(port);
  return isOurBroker(readPid(dir), dir);
}

/**
 * Stops the broker on port (SIGTERM, then SIGKILL after graceMs) and removes its temporary folder,
 * unless keepData (then startBroker({ keepData: true }) starts it again on the same data).
 */
export async function stopBroker({ port = 9092, graceMs = 30_000, log = defaultLog, keepData = false } = {}) {
  const dir = stateDir(port);
  const pid = readPid(dir);
  if (isOurBroker(pid, dir)) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isOurBroker(pid, dir) && Date.now() < deadline) await sleep(100);
    if (isOurBroker(pid, dir)) {
      log(`the broker (pid ${pid}) did not stop within ${graceMs / 1000}s; killing it`);
      process.kill(pid, 'SIGKILL');
      while (isOurBroker(pid, dir)) await sleep(50);
    }
  }
  if (!keepData) fs.rmSync(dir, { recursive: true, force: true });
  return { stopped: Boolean(pid) };
}

function defaultLog(message) {
  process.stderr.write(`broker: ${message}\n`);
}
