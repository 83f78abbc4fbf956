// Consumers whose Kafka work runs on another thread. `proctree run` processes on a worker thread
// while its main thread only waits: serveConsumers() there runs the real consumers (fetch
// requests, the decoding of fetch responses into records, heartbeats, group joins), and
// consumersOnThread() gives the processor a KafkaClient whose consumers are proxies of them. Each
// batch crosses as one slab of shared memory holding its keys and values (reused once the
// processor released the batch), so the processor's thread spends on a message only the time its
// own work takes, while the next fetch is decoded beside it.
//
// The proxy keeps the KafkaConsumer contract: a partition is fetched again only once the
// processor settled its batch; onAssignment runs before any batch of the new assignment (the
// serving side pauses the newly assigned partitions at the join, and resumes those the
// processor's handler did not pause); errors keep what the pipeline reads of them (name, type,
// code, retriable, causes).

import type { MessagePort } from 'node:worker_threads';
import {
  KafkaClientError,
  type Assignment,
  type ConsumerHandlers,
  type ConsumerOptions,
  type InBatch,
  type InMessage,
  type KafkaClient,
  type KafkaConsumer,
  type PartitionOffset,
  type TopicPartition,
} from './client.js';

/**
 * A batch as it crosses threads: every offset, timestamp, key and value in one slab of shared
 * memory (layout in packBatch), the rest in the message. The slab is the serving side's until
 * the processor released the batch (InBatch.release), then it carries a later batch: the
 * processor's isolate never sees new memory per batch, so its garbage collector is not pressed
 * by the external memory of batches it already dropped (a transferred 4 MB buffer per batch made
 * most of its scavenges).
 */
export interface PackedBatch {
  topic: string;
  partition: number;
  highWatermark: number;
  count: number;
  /** The slab's number in the consumer's pool. */
  slab: number;
  /** The slab's memory, sent with its first batch only; the other side keeps it by number. */
  memory?: SharedArrayBuffer;
  /** Per message, its headers when any message of the batch has some; null otherwise. */
  headers: ([string, Uint8Array][] | null)[] | null;
}

/** What the pipeline reads of an error, one entry per link of its cause chain (outermost first). */
interface ErrorLink {
  name: string;
  message: string;
  type?: string;
  code?: string | number;
  retriable?: boolean;
  clientError: boolean;
}

type ToHost<S> =
  | { t: 'client'; spec: S }
  | { t: 'open'; id: number; options: ConsumerOptions }
  | { t: 'run' | 'stop' | 'close'; id: number; req: number }
  | { t: 'commit'; id: number; req: number; offsets: PartitionOffset[] }
  | { t: 'pause' | 'resume'; id: number; partitions: TopicPartition[] }
  | { t: 'batchDone'; req: number; error?: ErrorLink[] }
  | { t: 'release'; id: number; slab: number }
  | { t: 'assigned'; id: number; resume: TopicPartition[] };

type ToThread =
  | { t: 'reply'; req: number; error?: ErrorLink[] }
  | { t: 'batch'; id: number; req: number; batch: PackedBatch }
  | { t: 'assignment'; id: number; assignment: Assignment }
  | { t: 'crash'; id: number; error: ErrorLink[] }
  | { t: 'contact'; id: number }
  | { t: 'forget'; id: number; slab: number };


/** Slabs are made in steps of this many bytes, so that slightly bigger batches find a free one. */
const SLAB_STEP = 1 << 20;

/** Free slabs a pool keeps for the next batches; what is given back beyond goes (a drain's peak is not kept for good). */
const KEEP_FREE_BYTES = 32 << 20;

/**
 * The serving side's slabs of one consumer: a batch takes the smallest free one big enough (or a
 * new one), its release gives it back. As many are made as batches are in flight at the busiest
 * moment, which the processor's backpressure bounds (max-backlog batches per partition); once
 * fewer are needed, free slabs beyond KEEP_FREE_BYTES are let go.
 */
export class SlabPool {
  /** By number; undefined where a slab was let go (its number is reused). */
  private readonly slabs: (SharedArrayBuffer | undefined)[] = [];
  private readonly free: number[] = [];
  private freeBytes = 0;

  /** A slab of at least `bytes`, and whether the other side has not seen it yet. */
  take(bytes: number): { slab: number; memory: SharedArrayBuffer; fresh: boolean } {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const n = this.slabs[this.free[i]]!.byteLength;
      if (n >= bytes && (best < 0 || n < this.slabs[this.free[best]]!.byteLength)) best = i;
    }
    if (best >= 0) {
      const slab = this.free[best];
      this.free[best] = this.free[this.free.length - 1];
      this.free.pop();
      const memory = this.slabs[slab]!;
      this.freeBytes -= memory.byteLength;
      return { slab, memory, fresh: false };
    }
    const memory = new SharedArrayBuffer(Math.max(SLAB_STEP, Math.ceil(bytes / SLAB_STEP) * SLAB_STEP));
    let slab = this.slabs.indexOf(undefined);
    if (slab < 0) slab = this.slabs.length;
    this.slabs[slab] = memory;
    return { slab, memory, fresh: true };
  }

  /** The slab's batch was released: false when the pool let it go (the other side may forget it). */
  give(slab: number): boolean {
    const memory = this.slabs[slab];
    if (memory === undefined || this.free.includes(slab)) return true;
    if (this.freeBytes + memory.byteLength > KEEP_FREE_BYTES) {
      this.slabs[slab] = undefined;
      return false;
    }
    this.free.push(slab);
    this.freeBytes += memory.byteLength;
    return true;
  }

  /** Bytes of the slabs the pool holds, in use or free. */
  get bytes(): number {
    let n = 0;
    for (const m of this.slabs) n += m?.byteLength ?? 0;
    return n;
  }
}

/**
 * Packs a batch into a slab of `pool`: offsets (float64 per message), timestamps (float64), then
 * per message key start, key length, value start, value length (int32; length -1: null), then
 * the keys' and values' bytes.
 */
export function packBatch(batch: InBatch, pool: SlabPool): PackedBatch {
  const { messages } = batch;
  const n = messages.length;
  let bytes = 0;
  let anyHeaders = false;
  for (let i = 0; i < n; i++) {
    const m = messages[i];
    // Room to start each key and value at its source's address modulo 8 (see below).
    bytes += (m.key?.length ?? 0) + (m.value?.length ?? 0) + 14;
    if (!anyHeaders) for (const _ in m.headers) anyHeaders = true;
  }
  const dataAt = 32 * n;
  const { slab, memory, fresh } = pool.take(dataAt + bytes);
  const offsets = new Float64Array(memory, 0, n);
  const timestamps = new Float64Array(memory, 8 * n, n);
  const bounds = new Int32Array(memory, 16 * n, 4 * n);
  const into = new Uint8Array(memory);
  let at = dataAt;
  for (let i = 0; i < n; i++) {
    const m = messages[i];
    offsets[i] = m.offset;
    timestamps[i] = m.timestampMs;
    const k = 4 * i;
    const key = m.key;
    if (key === null) bounds[k + 1] = -1;
    else {
      // V8 copies into shared memory word by word only where source and destination have the same
      // alignment, otherwise byte by byte, 4-5x slower (kafkajs' values sit at any offset).
      at += (key.byteOffset - at) & 7;
      into.set(key, at);
      bounds[k] = at;
      bounds[k + 1] = key.length;
      at += key.length;
    }
    const value = m.value;
    if (value === null) bounds[k + 3] = -1;
    else {
      at += (value.byteOffset - at) & 7;
      into.set(value, at);
      bounds[k + 2] = at;
      bounds[k + 3] = value.length;
      at += value.length;
    }
  }
  const headers = anyHeaders ? messages.map((m) => headerPairs(m.headers)) : null;
  return { topic: batch.topic, partition: batch.partition, highWatermark: batch.highWatermark, count: n, slab, memory: fresh ? memory : undefined, headers };
}

function headerPairs(headers: Record<string, Buffer | undefined>): [string, Uint8Array][] | null {
  const pairs: [string, Uint8Array][] = [];
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) pairs.push([name, value]);
  return pairs.length > 0 ? pairs : null;
}

/** Shared by the messages without headers (most): read, never written. */
const NO_HEADERS: Record<string, Buffer | undefined> = Object.freeze({});

/** The messages of a packed batch as views of its slab `memory` (no copy); valid until the batch is released. */
export function unpackMessages(p: PackedBatch, memory: SharedArrayBuffer): InMessage[] {
  const n = p.count;
  const buf = Buffer.from(memory);
  const offsets = new Float64Array(memory, 0, n);
  const timestamps = new Float64Array(memory, 8 * n, n);
  const bounds = new Int32Array(memory, 16 * n, 4 * n);
  const messages: InMessage[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const k = 4 * i;
    const keyLen = bounds[k + 1];
    const valueLen = bounds[k + 3];
    const pairs = p.headers?.[i];
    let headers = NO_HEADERS;
    if (pairs) {
      headers = {};
      for (const [name, v] of pairs) headers[name] = Buffer.from(v.buffer, v.byteOffset, v.length);
    }
    messages[i] = {
      offset: offsets[i],
      key: keyLen < 0 ? null : buf.subarray(bounds[k], bounds[k] + keyLen),
      value: valueLen < 0 ? null : buf.subarray(bounds[k + 2], bounds[k + 2] + valueLen),
      headers,
      timestampMs: timestamps[i],
    };
  }
  return messages;
}

/**
 * A batch on the processor's side. Its messages are built at their first use, which the Kafka
 * source delays until the batch's turn: batches waiting in a lane are a few objects, not three
 * per message that every scavenge of the processor's young generation would copy.
 */
class SlabBatch implements InBatch {
  readonly topic: string;
  readonly partition: number;
  readonly highWatermark: number;
  private built: InMessage[] | undefined;
  private released = false;

  constructor(
    private readonly packed: PackedBatch,
    private readonly memory: SharedArrayBuffer,
    private readonly owner: ThreadConsumer<unknown>,
  ) {
    this.topic = packed.topic;
    this.partition = packed.partition;
    this.highWatermark = packed.highWatermark;
  }

  get messages(): InMessage[] {
    return (this.built ??= unpackMessages(this.packed, this.memory));
  }

  set messages(messages: InMessage[]) {
    this.built = messages;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.owner.release(this.packed.slab);
  }
}

export function errorLinks(e: unknown): ErrorLink[] {
  const links: ErrorLink[] = [];
  for (let c: unknown = e; c instanceof Error && links.length < 8; c = c.cause ?? (c as { originalError?: unknown }).originalError) {
    const x = c as Error & { type?: unknown; code?: unknown; retriable?: unknown };
    links.push({
      name: x.name,
      message: x.message,
      type: typeof x.type === 'string' ? x.type : undefined,
      code: typeof x.code === 'string' || typeof x.code === 'number' ? x.code : undefined,
      retriable: typeof x.retriable === 'boolean' ? x.retriable : undefined,
      clientError: x instanceof KafkaClientError,
    });
  }
  if (links.length === 0) links.push({ name: 'Error', message: String(e), clientError: false });
  return links;
}

/** The error again on this side, as a chain of causes with the same names, types, codes and retriable flags. */
export function errorFromLinks(links: ErrorLink[]): Error {
  let cause: Error | undefined;
  for (let i = links.length - 1; i >= 0; i--) {
    const l = links[i];
    const e: Error & { type?: string; code?: string | number; retriable?: boolean } = l.clientError
      ? new KafkaClientError(l.message, { cause, retriable: l.retriable })
      : new Error(l.message, cause === undefined ? undefined : { cause });
    e.name = l.name;
    if (l.type !== undefined) e.type = l.type;
    if (l.code !== undefined) e.code = l.code;
    if (!l.clientError && l.retriable !== undefined) e.retriable = l.retriable;
    cause = e;
  }
  return cause!;
}

export interface ConsumerHost {
  /** Closes every consumer still open (the processor's thread ended without closing them). */
  close(): Promise<void>;
}

/**
 * Serves the consumers of consumersOnThread() on this thread. The client is made from the
 * processor's spec at its first message (both threads build it from the same pipeline).
 */
export function serveConsumers<S>(port: MessagePort, makeClient: (spec: S) => KafkaClient): ConsumerHost {
  let client: KafkaClient | undefined;
  const consumers = new Map<number, KafkaConsumer>();
  /** Each running consumer's slabs (dropped with the consumer). */
  const pools = new Map<number, SlabPool>();
  const batches = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  let lastReq = 0;
  const post = (m: ToThread) => port.postMessage(m);
  const answer = (req: number, work: () => Promise<void>) =>
    work().then(
      () => post({ t: 'reply', req }),
      (e: unknown) => post({ t: 'reply', req, error: errorLinks(e) }),
    );

  let clientError: unknown;
  /** A consumer that was never made answers every request with why. */
  const opened = (id: number): KafkaConsumer => {
    const c = consumers.get(id);
    if (c === undefined) throw clientError ?? new KafkaClientError(`no consumer ${id} on the Kafka thread`);
    return c;
  };

  port.on('message', (m: ToHost<S>) => {
    switch (m.t) {
      case 'client':
        try {
          client = makeClient(m.spec);
        } catch (e) {
          clientError = e;
        }
        break;
      case 'open':
        if (client !== undefined) consumers.set(m.id, client.consumer(m.options));
        break;
      case 'run': {
        const consumer = consumers.get(m.id);
        if (consumer === undefined) {
          void answer(m.req, async () => void opened(m.id));
          break;
        }
        const id = m.id;
        const pool = new SlabPool();
        pools.set(id, pool);
        const handlers: ConsumerHandlers = {
          onBatch: (batch) =>
            new Promise<void>((resolve, reject) => {
              const req = ++lastReq;
              batches.set(req, { resolve, reject });
              post({ t: 'batch', id, req, batch: packBatch(batch, pool) });
            }),
          onAssignment: (assignment) => {
            // Nothing of the new assignment is fetched before the processor's handler said what to pause.
            consumer.pause(assignment.partitions);
            post({ t: 'assignment', id, assignment });
          },
          onCrash: (error) => post({ t: 'crash', id, error: errorLinks(error) }),
          onContact: () => post({ t: 'contact', id }),
        };
        void answer(m.req, () => consumer.run(handlers));
        break;
      }
      case 'commit':
        void answer(m.req, () => opened(m.id).commit(m.offsets));
        break;
      case 'pause':
        consumers.get(m.id)?.pause(m.partitions);
        break;
      case 'resume':
        consumers.get(m.id)?.resume(m.partitions);
        break;
      case 'assigned':
        consumers.get(m.id)?.resume(m.resume);
        break;
      case 'release':
        if (pools.get(m.id)?.give(m.slab) === false) post({ t: 'forget', id: m.id, slab: m.slab });
        break;
      case 'batchDone': {
        const waiting = batches.get(m.req);
        batches.delete(m.req);
        if (m.error === undefined) waiting?.resolve();
        else waiting?.reject(errorFromLinks(m.error));
        break;
      }
      case 'stop':
        void answer(m.req, async () => consumers.get(m.id)?.stop());
        break;
      case 'close': {
        const consumer = consumers.get(m.id);
        void answer(m.req, async () => {
          try {
            await consumer?.close();
          } finally {
            consumers.delete(m.id);
            pools.delete(m.id);
          }
        });
        break;
      }
    }
  });
  port.unref();
  return {
    async close() {
      // The processor is gone: nobody will settle its batches, so let the consumers' fetch loops end.
      for (const b of batches.values()) b.resolve();
      batches.clear();
      await Promise.all([...consumers.values()].map((c) => c.close().catch(() => {})));
      consumers.clear();
      pools.clear();
      port.close();
    },
  };
}

/** The processor's side of one port: requests and their replies, and messages routed to each consumer. */
class Link<S> {
  private lastReq = 0;
  private lastId = 0;
  private readonly replies = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  readonly consumers = new Map<number, ThreadConsumer<S>>();

  constructor(readonly port: MessagePort) {
    port.on('message', (m: ToThread) => {
      if (m.t === 'reply') {
        const r = this.replies.get(m.req);
        this.replies.delete(m.req);
        if (m.error === undefined) r?.resolve();
        else r?.reject(errorFromLinks(m.error));
        this.holdOpen();
        return;
      }
      const consumer = this.consumers.get(m.id);
      if (m.t === 'batch') {
        if (consumer === undefined) return this.post({ t: 'batchDone', req: m.req });
        consumer.deliver(m.req, m.batch);
      } else consumer?.receive(m);
    });
    this.holdOpen();
  }

  nextId(): number {
    return ++this.lastId;
  }

  post(m: ToHost<S>): void {
    this.port.postMessage(m);
  }

  request(m: { t: 'run' | 'stop' | 'close'; id: number } | { t: 'commit'; id: number; offsets: PartitionOffset[] }): Promise<void> {
    const req = ++this.lastReq;
    const done = new Promise<void>((resolve, reject) => this.replies.set(req, { resolve, reject }));
    this.post({ ...m, req });
    this.holdOpen();
    return done;
  }

  /** The port keeps this thread alive while a consumer is open or a reply is awaited, not longer. */
  holdOpen(): void {
    if (this.consumers.size > 0 || this.replies.size > 0) this.port.ref();
    else this.port.unref();
  }
}

class ThreadConsumer<S> implements KafkaConsumer {
  private readonly id: number;
  private handlers: ConsumerHandlers | undefined;
  /** The serving side's slabs, by number, as they arrived with their first batch. */
  private readonly slabs = new Map<number, SharedArrayBuffer>();
  /** Partitions the processor paused (and not resumed): what stays paused after a join. */
  private readonly paused = new Map<string, TopicPartition>();
  private closed = false;

  constructor(
    private readonly link: Link<S>,
    options: ConsumerOptions,
  ) {
    this.id = link.nextId();
    link.consumers.set(this.id, this);
    link.post({ t: 'open', id: this.id, options });
    link.holdOpen();
  }

  run(handlers: ConsumerHandlers): Promise<void> {
    this.handlers = handlers;
    return this.link.request({ t: 'run', id: this.id });
  }

  commit(offsets: PartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return Promise.resolve();
    return this.link.request({ t: 'commit', id: this.id, offsets });
  }

  pause(partitions: TopicPartition[]): void {
    if (partitions.length === 0) return;
    for (const p of partitions) this.paused.set(`${p.topic}\0${p.partition}`, p);
    this.link.post({ t: 'pause', id: this.id, partitions });
  }

  resume(partitions: TopicPartition[]): void {
    if (partitions.length === 0) return;
    for (const p of partitions) this.paused.delete(`${p.topic}\0${p.partition}`);
    this.link.post({ t: 'resume', id: this.id, partitions });
  }

  stop(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.link.request({ t: 'stop', id: this.id });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return this.link.request({ t: 'close', id: this.id }).finally(() => {
      this.slabs.clear();
      this.link.consumers.delete(this.id);
      this.link.holdOpen();
    });
  }

  deliver(req: number, packed: PackedBatch): void {
    if (packed.memory !== undefined) this.slabs.set(packed.slab, packed.memory);
    const memory = this.slabs.get(packed.slab);
    if (this.handlers === undefined || this.closed || memory === undefined) {
      this.release(packed.slab);
      return this.link.post({ t: 'batchDone', req });
    }
    this.handlers.onBatch(new SlabBatch(packed, memory, this)).then(
      () => this.link.post({ t: 'batchDone', req }),
      (e: unknown) => this.link.post({ t: 'batchDone', req, error: errorLinks(e) }),
    );
  }

  /** The slab may carry another batch (once closed, the serving side dropped the pool). */
  release(slab: number): void {
    if (!this.closed) this.link.post({ t: 'release', id: this.id, slab });
  }

  receive(m: Exclude<ToThread, { t: 'reply' } | { t: 'batch' }>): void {
    if (m.t === 'forget') return void this.slabs.delete(m.slab);
    if (this.handlers === undefined || this.closed) return;
    if (m.t === 'assignment') {
      this.handlers.onAssignment?.(m.assignment);
      const resume = m.assignment.partitions.filter((p) => !this.paused.has(`${p.topic}\0${p.partition}`));
      this.link.post({ t: 'assigned', id: this.id, resume });
    } else if (m.t === 'crash') {
      this.handlers.onCrash?.(errorFromLinks(m.error) as KafkaClientError);
    } else {
      this.handlers.onContact?.();
    }
  }
}

/**
 * `client` with its consumers served across `port` by serveConsumers(), which builds its own
 * client from `spec`; admin, producers and readPartitions stay on this thread.
 */
export function consumersOnThread<S>(client: KafkaClient, port: MessagePort, spec: S): KafkaClient {
  const link = new Link<S>(port);
  link.post({ t: 'client', spec });
  return {
    admin: () => client.admin(),
    producer: (options) => client.producer(options),
    consumer: (options) => new ThreadConsumer(link, options),
    readPartitions: (topic, partitions, onBatch, signal) => client.readPartitions(topic, partitions, onBatch, signal),
  };
}
