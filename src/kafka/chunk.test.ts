import { describe, expect, it } from 'vitest';
import type { OutRecord } from './client.js';
import { chunkRecords } from './kafkajs-client.js';

describe('chunkRecords', () => {
  it('keeps every message, in order, with no chunk over ~900 KB and compressed records apart', () => {
    const big = 'x'.repeat(100_000); // 300 KB counted as UTF-8 upper bound
    const records: OutRecord[] = [
      { topic: 'a', messages: Array.from({ length: 7 }, (_, i) => ({ key: `k${i}`, value: big })) },
      { topic: 's', messages: [{ key: 'h', value: 'snap' }], compress: true },
      { topic: 'b', messages: [{ value: Buffer.alloc(10) }] },
    ];
    const chunks = chunkRecords(records);
    const flat = chunks.flatMap((c) => c.records.flatMap((r) => r.messages.map((m) => `${r.topic}:${String(m.key ?? '')}`)));
    expect(flat).toEqual(['a:k0', 'a:k1', 'a:k2', 'a:k3', 'a:k4', 'a:k5', 'a:k6', 'b:', 's:h']);
    for (const c of chunks) {
      const bytes = c.records.flatMap((r) => r.messages).reduce((n, m) => n + String(m.value).length * 3, 0);
      expect(bytes).toBeLessThanOrEqual(900 * 1024);
    }
    expect(chunks.filter((c) => c.compress).map((c) => c.records.map((r) => r.topic))).toEqual([['s']]);
  });

  it('sends a record with maxBatchBytes in requests of its own, each within that limit (headers counted)', () => {
    const dead = Array.from({ length: 9 }, (_, i) => ({ key: `d${i}`, value: Buffer.alloc(30_000), headers: { 'proctree.dlq.reason': 'malformed-xml', raw: Buffer.alloc(2000) } }));
    const chunks = chunkRecords([
      { topic: 'alerts', messages: [{ key: 'h', value: 'alert' }] },
      { topic: 'dlq', messages: dead, maxBatchBytes: 100_000 },
    ]);
    expect(chunks.filter((c) => c.records.some((r) => r.topic === 'alerts')).map((c) => c.records.map((r) => r.topic))).toEqual([['alerts']]);
    const dlq = chunks.filter((c) => c.records.some((r) => r.topic === 'dlq'));
    expect(dlq.flatMap((c) => c.records.flatMap((r) => r.messages.map((m) => m.key)))).toEqual(dead.map((m) => m.key));
    for (const c of dlq) {
      expect(c.records.map((r) => r.topic)).toEqual(['dlq']);
      const bytes = c.records[0].messages.reduce((n, m) => n + (m.value as Buffer).length + 2000 + 64, 0);
      expect(bytes).toBeLessThanOrEqual(100_000);
    }
    expect(dlq.length).toBe(3); // three 32 KB dead letters per 100 KB request
  });
});
