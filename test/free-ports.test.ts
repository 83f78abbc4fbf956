import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePorts } from '../scripts/kafka/local-broker.mjs';

let EPHEMERAL_LOW: number | null = null;
try {
  EPHEMERAL_LOW = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
} catch {
  // not Linux: freePorts takes the kernel's choice
}

describe('freePorts', () => {
  // One port at a time, the kernel may give the same port twice; Kafka then refuses the config
  // ("two listeners on the same port"), which failed CI once.
  it('gives n distinct ports, each free again once chosen', async () => {
    for (let round = 0; round < 50; round++) {
      const ports = await freePorts(5);
      expect(ports).toHaveLength(5);
      expect(new Set(ports).size).toBe(5);
      for (const p of ports) expect(p).toBeGreaterThan(0);
      // Below the kernel's ephemeral range, which outgoing connections draw their local port from.
      if (EPHEMERAL_LOW !== null) for (const p of ports) expect(p).toBeLessThan(EPHEMERAL_LOW);
    }
    const [p] = await freePorts(1);
    await new Promise<void>((resolve, reject) => {
      const s = createServer().once('error', reject).listen(p, '127.0.0.1', () => s.close(() => resolve()));
    });
  });
});
