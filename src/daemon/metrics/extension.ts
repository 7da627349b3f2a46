/**
 * Prometheus metrics on an opt-in port (DESIGN §7): with `[metrics] listen = "127.0.0.1:9464"`
 * the daemon serves `GET /metrics` there (prom-client's text exposition, ./registry): the
 * gauges of ./exposition, the ledger-derived counters of ./counters, and tick and plan
 * duration histograms. Off when `listen` is absent (prom-client is not even loaded).
 * Register AFTER the signal extension (it reads `ctx.services.get(SIGNAL)`) and LAST: its
 * tick step, the last of the housekeeping phase, times the whole tick from the tick's `nowMs`.
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
import type { TickStep } from '../tick';
import { LedgerCounters } from './counters';
import { metricsOf, type ZoneIntensityNow } from './exposition';
import { timePlansWith } from './plan-timing';
import type { CarbondMetrics } from './registry';

/** One daemon's metrics: the registry, the counters' source, and the plan timer's unsubscribe. */
interface Served {
  server: http.Server;
  metrics: CarbondMetrics;
  counters: LedgerCounters;
  stopTimingPlans(): void;
}

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

/** Sets every metric to now and returns the exposition text, as a scrape sees it. */
export async function scrape(ctx: DaemonContext, metrics: CarbondMetrics, counters: LedgerCounters): Promise<string> {
  const report = await liveStatus(ctx);
  const nowMs = ctx.clock.now();
  metrics.setGauges(metricsOf({ report, startedAtMs: ctx.startedAtMs, intensity: intensityNow(ctx, nowMs) }));
  metrics.setCounters(counters.totals(nowMs));
  return metrics.text();
}

async function serve(ctx: DaemonContext, served: Served, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://carbond').pathname;
  if (req.method !== 'GET' || path !== '/metrics') {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('carbond serves Prometheus metrics at GET /metrics\n');
    return;
  }
  try {
    const text = await scrape(ctx, served.metrics, served.counters);
    res.writeHead(200, { 'content-type': served.metrics.contentType, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  } catch (err) {
    ctx.logger.error('metrics scrape failed', { err });
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`metrics scrape failed: ${(err as Error).message}\n`);
  }
}

/** A site's zone, by site name (the counters' `zone` label for jobs without energy samples yet). */
function siteZonesOf(ctx: DaemonContext): Record<string, string> {
  return Object.fromEntries(Object.entries(ctx.config.sites).map(([name, site]) => [name, site.zone]));
}

export function createMetricsExtension(): DaemonExtension & { addressOf(ctx: DaemonContext): AddressInfo | undefined; scrapeOf(ctx: DaemonContext): Promise<string> } {
  const daemons = new WeakMap<DaemonContext, Served>();
  return {
    name: 'metrics',
    addressOf: (ctx) => daemons.get(ctx)?.server.address() as AddressInfo | undefined,
    scrapeOf: (ctx) => {
      const served = daemons.get(ctx);
      if (!served) throw new CarbondError('E_METRICS_OFF', 'metrics are off: metrics.listen is not set');
      return scrape(ctx, served.metrics, served.counters);
    },
    tickSteps: (ctx): TickStep[] => [{
      name: 'metrics-tick-duration', phase: 'housekeeping',
      run: async (nowMs) => { daemons.get(ctx)?.metrics.tickSeconds.observe(Math.max(0, ctx.clock.now() - nowMs) / 1000); },
    }],
    start: async (ctx) => {
      const listen = ctx.config.metrics.listen;
      if (listen === undefined) return;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { CarbondMetrics } = require('./registry') as typeof import('./registry');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const metrics = new CarbondMetrics(require('prom-client') as typeof import('prom-client'));
      const { host, port } = parseListen(listen);
      const served: Served = { server: undefined as unknown as http.Server, metrics, counters: new LedgerCounters(ctx.db, ctx.config.stateDir, siteZonesOf(ctx)), stopTimingPlans: () => undefined };
      served.server = http.createServer((req, res) => void serve(ctx, served, req, res));
      await new Promise<void>((resolve, reject) => {
        served.server.once('error', (err) => reject(new CarbondError('E_METRICS_LISTEN', `metrics.listen ${listen}: ${err.message}`, ExitCode.Failure)));
        served.server.listen(port, host, () => resolve());
      });
      served.stopTimingPlans = timePlansWith(() => metrics.planSeconds.startTimer());
      daemons.set(ctx, served);
      const bound = served.server.address() as AddressInfo;
      ctx.logger.info('metrics listening', { component: 'metrics', address: bound.address, port: bound.port });
    },
    stop: async (ctx) => {
      const served = daemons.get(ctx);
      if (!served) return;
      daemons.delete(ctx);
      served.stopTimingPlans();
      served.server.closeAllConnections();
      await new Promise<void>((resolve) => served.server.close(() => resolve()));
    },
  };
}

export const metricsExtension = createMetricsExtension();
