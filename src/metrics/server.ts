// HTTP endpoint for Prometheus (/metrics) and for orchestrators, as Kubernetes probes use them:
//   /livez   liveness: the process is up and its event loop turns (restart it when this fails)
//   /readyz  readiness: the instance has its partitions and restored them, and the broker answers
//            (take it out of rotation, alert, hold a rolling update while this fails; never restart)
//   /healthz readiness too, under the name it had first (docker-compose's health check uses it)
// Each answers JSON {"ok": bool, "detail": "..."}: 200 when ok, 503 otherwise.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface Health {
  ok: boolean;
  /** Shown in the body, e.g. "consuming 3 partitions of sysmon-events" or "restoring 2 partitions". */
  detail: string;
}

export interface MetricsServer {
  /** The port actually bound (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

export class MetricsServerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MetricsServerError';
  }
}

const TICK_MS = 500;

/**
 * Liveness from the loop itself: a timer that should fire every TICK_MS. A probe that finds the
 * last tick long past, or a tick that has just come that late, was held up by a blocked loop (the
 * request waited behind it). A loop blocked for good never answers at all, which the probe's
 * timeout counts as a failure.
 */
class LoopWatch {
  private last = Date.now();
  /** Largest lateness of a tick in the current minute and the one before. */
  private worst = [0, 0];
  private worstSince = Date.now();
  private lastStall: { ms: number; atMs: number } | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly stallMs: number) {
    this.timer = setInterval(() => {
      const now = Date.now();
      const late = now - this.last - TICK_MS;
      this.last = now;
      if (now - this.worstSince > 60_000) {
        this.worst = [0, this.worst[0]];
        this.worstSince = now;
      }
      this.worst[0] = Math.max(this.worst[0], late);
      if (late > this.stallMs) this.lastStall = { ms: late, atMs: now };
    }, TICK_MS);
    this.timer.unref();
  }

  health(): Health {
    const now = Date.now();
    const late = now - this.last - TICK_MS;
    if (late > this.stallMs) return { ok: false, detail: `event loop blocked for ${(late / 1000).toFixed(1)} s` };
    if (this.lastStall !== undefined && now - this.lastStall.atMs < 2 * TICK_MS) {
      return { ok: false, detail: `event loop blocked for ${(this.lastStall.ms / 1000).toFixed(1)} s` };
    }
    return { ok: true, detail: `event loop turning (longest delay in the last minutes ${Math.max(0, ...this.worst)} ms)` };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export async function startMetricsServer(options: {
  port: number;
  host?: string;
  registry: Registry;
  /** Readiness (/readyz, /healthz). */
  ready: () => Health;
  /** The event loop not turning for this long fails /livez (default 10 s). */
  stallMs?: number;
}): Promise<MetricsServer> {
  const loop = new LoopWatch(options.stallMs ?? 10_000);
  const answer = (res: http.ServerResponse, h: Health) =>
    res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(`${JSON.stringify(h)}\n`);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/metrics') {
      options.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': options.registry.contentType }).end(body),
        (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${err.message}\n`),
      );
    } else if (path === '/livez') {
      answer(res, loop.health());
    } else if (path === '/readyz' || path === '/healthz') {
      let h: Health;
      try {
        h = options.ready();
      } catch (e) {
        h = { ok: false, detail: `readiness check failed: ${(e as Error).message}` };
      }
      answer(res, h);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('try /metrics, /livez or /readyz\n');
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new MetricsServerError(
            err.code === 'EADDRINUSE'
              ? `metrics port ${options.port} is in use: choose another metrics.port in the pipeline YAML (0 picks a free one)`
              : `metrics server could not listen on ${options.host ?? '0.0.0.0'}:${options.port} (metrics.host, metrics.port): ${err.message}`,
            { cause: err },
          ),
        ),
      );
      server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
    });
  } catch (e) {
    loop.stop();
    throw e;
  }
  let closed: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        loop.stop();
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closed;
    },
  };
}
