import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { PipelineMetrics } from './pipeline-metrics.js';
import { startMetricsServer, type MetricsServer } from './server.js';

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('metrics server', () => {
  it('serves the counters a batch published, and health', async () => {
    const metrics = new PipelineMetrics({ defaultMetrics: false });
    let healthy = false;
    server = await startMetricsServer({
      port: 0,
      host: '127.0.0.1',
      registry: metrics.registry,
      ready: () => ({ ok: healthy, detail: healthy ? 'consuming' : 'restoring state' }),
    });
    metrics.countEvents({ '1': 3, '5': 2, '13': 0 });
    metrics.countDecodeErrors({ 'malformed-xml': 1 });
    metrics.countAlerts(['smss.path', 'smss.path', 'smss.user']);
    metrics.setLag('sysmon', 2, 17);
    metrics.observeBatch(0.02);
    metrics.setTreeSize(120, 4);
    const base = `http://127.0.0.1:${server.port}`;
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('proctree_events_total{event_id="1"} 3');
    expect(text).toContain('proctree_events_total{event_id="5"} 2');
    expect(text).not.toContain('event_id="13"');
    expect(text).toContain('proctree_decode_errors_total{reason="malformed-xml"} 1');
    expect(text).toContain('proctree_alerts_total{rule="smss.path"} 2');
    expect(text).toContain('proctree_consumer_lag{topic="sysmon",partition="2"} 17');
    expect(text).toContain('proctree_batch_duration_seconds_count 1');
    expect(text).toContain('proctree_live_processes 120');
    expect(text).toContain('proctree_hosts 4');

    // Readiness under both names; liveness regardless of readiness.
    for (const path of ['/readyz', '/healthz']) {
      const sick = await fetch(`${base}${path}`);
      expect(sick.status).toBe(503);
      expect(await sick.json()).toEqual({ ok: false, detail: 'restoring state' });
    }
    const live = await fetch(`${base}/livez`);
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ ok: true, detail: expect.stringMatching(/^event loop turning/) });
    healthy = true;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('fails liveness for a probe that waited behind a blocked event loop, and says so when a readiness check throws', async () => {
    const registry = new PipelineMetrics({ defaultMetrics: false }).registry;
    server = await startMetricsServer({
      port: 0,
      host: '127.0.0.1',
      registry,
      stallMs: 1000,
      ready: () => {
        throw new Error('boom');
      },
    });
    const base = `http://127.0.0.1:${server.port}`;
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ ok: false, detail: 'readiness check failed: boom' });
    // Another process probes while this one's loop is blocked for 1.8 s.
    const probe = spawn(process.execPath, ['-e', `setTimeout(async () => { const r = await fetch('${base}/livez'); process.stdout.write(JSON.stringify({ status: r.status, ...(await r.json()) })); }, 600)`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    probe.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => setTimeout(r, 300));
    const until = Date.now() + 1800;
    while (Date.now() < until) {
      // busy: the event loop does not turn
    }
    await once(probe, 'exit');
    expect(JSON.parse(out)).toMatchObject({ status: 503, ok: false, detail: expect.stringMatching(/^event loop blocked for 1\.\d s$/) });
    // Turning again: live.
    await new Promise((r) => setTimeout(r, 1200));
    expect((await fetch(`${base}/livez`)).status).toBe(200);
  });

  it('says which key to change when the port is taken', async () => {
    const registry = new PipelineMetrics({ defaultMetrics: false }).registry;
    server = await startMetricsServer({ port: 0, host: '127.0.0.1', registry, ready: () => ({ ok: true, detail: '' }) });
    await expect(
      startMetricsServer({ port: server.port, host: '127.0.0.1', registry, ready: () => ({ ok: true, detail: '' }) }),
    ).rejects.toThrow(/metrics\.port/);
  });

  it('listens only where metrics.host says: 127.0.0.1 is not reachable on the machine\'s other addresses', async () => {
    const registry = new PipelineMetrics({ defaultMetrics: false }).registry;
    server = await startMetricsServer({ port: 0, host: '127.0.0.1', registry, ready: () => ({ ok: true, detail: '' }) });
    expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
    const { networkInterfaces } = await import('node:os');
    const other = Object.values(networkInterfaces())
      .flat()
      .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal);
    if (other === undefined) return; // only a loopback interface here: nothing else to try
    await expect(fetch(`http://${other.address}:${server.port}/healthz`)).rejects.toThrow();
  });
});
