/**
 * Prometheus metrics on an opt-in port (DESIGN §7): with `[metrics] listen = "127.0.0.1:9464"`
 * the daemon serves `GET /metrics` (text exposition format, ./exposition) there. Off when
 * `listen` is absent. Register AFTER the signal extension (it reads `ctx.services.get(SIGNAL)`).
 * A port that cannot be bound stops the daemon's start with an error naming `metrics.listen`.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CarbondError, ExitCode } from '../../core/errors';
import { figureKind } from '../../../forecasts/types';
import type { DaemonContext } from '../context';
import type { DaemonExtension } from '../extensions';
import { SIGNAL } from '../signal/extension';
import { liveStatus } from '../status/build';
import { metricsOf, renderExposition, type ZoneIntensityNow } from './exposition';

/** `host:port` → its parts; `[::1]:9464` → host `::1`. */
export function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(listen.slice(i + 1)) };
}

/** Each configured zone's point covering now, from the signal the planner reads. */
function intensityNow(ctx: DaemonContext, nowMs: number): ZoneIntensityNow[] {
  const signal = ctx.services.find(SIGNAL);
  if (!signal) return [];
  const out: ZoneIntensityNow[] = [];
  for (const zone of Object.keys(ctx.config.zones).sort()) {
    const points = signal.seriesFor(zone, nowMs - 3 * 3_600_000, nowMs + 3_600_000, nowMs);
    const now = points.filter((p) => p.startMs <= nowMs && nowMs < p.startMs + p.durationMs).at(-1);
    if (now) out.push({ zone, gPerKWh: now.gPerKWh, kind: figureKind(now), provider: now.provider });
  }
  return out;
}

/** The exposition text, as a scrape sees it. */
export async function scrape(ctx: DaemonContext): Promise<string> {
  const report = await liveStatus(ctx);
  return renderExposition(metricsOf({ report, startedAtMs: ctx.startedAtMs, intensity: intensityNow(ctx, ctx.clock.now()) }));
}

async function serve(ctx: DaemonContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://carbond').pathname;
  if (req.method !== 'GET' || path !== '/metrics') {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('carbond serves Prometheus metrics at GET /metrics\n');
    return;
  }
  try {
    const text = await scrape(ctx);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  } catch (err) {
    ctx.logger.error('metrics scrape failed', { err });
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`metrics scrape failed: ${(err as Error).message}\n`);
  }
}

export function createMetricsExtension(): DaemonExtension & { addressOf(ctx: DaemonContext): AddressInfo | undefined } {
  const servers = new WeakMap<DaemonContext, http.Server>();
  return {
    name: 'metrics',
    addressOf: (ctx) => servers.get(ctx)?.address() as AddressInfo | undefined,
    start: async (ctx) => {
      const listen = ctx.config.metrics.listen;
      if (listen === undefined) return;
      const { host, port } = parseListen(listen);
      const server = http.createServer((req, res) => void serve(ctx, req, res));
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err) => reject(new CarbondError('E_METRICS_LISTEN', `metrics.listen ${listen}: ${err.message}`, ExitCode.Failure)));
        server.listen(port, host, () => resolve());
      });
      servers.set(ctx, server);
      const bound = server.address() as AddressInfo;
      ctx.logger.info('metrics listening', { component: 'metrics', address: bound.address, port: bound.port });
    },
    stop: async (ctx) => {
      const server = servers.get(ctx);
      if (!server) return;
      servers.delete(ctx);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const metricsExtension = createMetricsExtension();
