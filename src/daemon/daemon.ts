/**
 * The daemon's life: lock the state dir, open the ledger, start extensions, serve the
 * control API, tick on the cron schedule, tell systemd it is ready; on stop finish the
 * current tick, stop extensions, close the socket and the ledger, release the lock.
 * Signals are wired by the `daemon` command (../cli/commands/daemon.ts), not here, so
 * tests can run a daemon in-process.
 */
import type { ScheduledTask } from 'node-cron';
import { systemClock, type Clock } from '../core/clock';
import { createLogger, type Logger } from '../core/logger';
import { DEFAULT_SOCKET_GROUP } from '../config/load';
import type { Config } from '../config/types';
import { closeLedger, openLedger, type Db } from '../ledger/db';
import { closeAbandonedDaemonRuns, recordDaemonStart, recordDaemonStop } from '../ledger/daemon-runs';
import type { Route } from './api/routes';
import { startApiServer, type ApiServer } from './api/server';
import type { DaemonContext } from './context';
import { daemonExtensions, type DaemonExtension } from './extensions';
import { acquireStateLock, type StateLock } from './lock';
import { sdNotify } from './notify';
import { secureStateDir, socketGidOf } from './state-files';
import { ServiceRegistry } from './services';
import { Ticker } from './tick';
import { carbondVersion } from './version';

export interface StartDaemonOptions {
  clock?: Clock;
  logger?: Logger;
  /** Default: the registry in ./extensions. */
  extensions?: readonly DaemonExtension[];
  /** Run ticks on `config.tickInterval` (default true; tests drive ticks by hand). */
  schedule?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface DaemonHandle {
  readonly ctx: DaemonContext;
  readonly ticker: Ticker;
  readonly routes: readonly Route[];
  /** Graceful stop; idempotent. Resolves when everything is closed. */
  stop(reason: string): Promise<void>;
  /** Resolves when the daemon has stopped. */
  readonly stopped: Promise<void>;
}

/** Every route of every extension, plus `GET /v1` (the index). */
function allRoutes(extensions: readonly DaemonExtension[]): Route[] {
  const routes = extensions.flatMap((e) => e.routes ?? []);
  const index: Route = {
    method: 'GET', path: '/v1', summary: 'this list',
    handler: () => ({ routes: [...routes, index].map((r) => ({ method: r.method, path: r.path, summary: r.summary ?? '' })) }),
  };
  return [...routes, index];
}

/** Starts a daemon with an already validated `config`. Throws (and cleans up) if it cannot. */
export async function startDaemon(config: Config, options: StartDaemonOptions = {}): Promise<DaemonHandle> {
  const clock = options.clock ?? systemClock;
  const logger = (options.logger ?? createLogger({ level: config.logLevel, clock })).child({ component: 'daemon' });
  const extensions = options.extensions ?? daemonExtensions;
  // Files the daemon creates are its own alone (the ledger holds stored environments); what
  // others may reach gets its mode explicitly (the socket, the state dir's 0711).
  const umask = process.umask(0o077);
  secureStateDir(config.stateDir, config.ledgerPath);
  const lock = acquireStateLock(config.stateDir);
  let db: Db | undefined;
  let server: ApiServer | undefined;
  const started: DaemonExtension[] = [];
  let ctx: DaemonContext | undefined;
  try {
    db = openLedger(config.ledgerPath, { nowMs: clock.now() });
    secureStateDir(config.stateDir, config.ledgerPath);
    const startedAtMs = clock.now();
    const crashed = closeAbandonedDaemonRuns(db, startedAtMs);
    if (crashed > 0) logger.warn('previous daemon did not stop cleanly', { runs: crashed });
    const daemonRunId = recordDaemonStart(db, { pid: process.pid, version: carbondVersion(), startedAtMs });
    let stopping = false;
    const stop = new AbortController();
    // The ticker exists once every extension has started; a tick requested before (during a
    // start hook) is covered by the first tick, which runs right after start-up.
    const tick: { ticker?: Ticker } = {};
    ctx = {
      config, db, clock, logger, ledgerPath: config.ledgerPath, version: carbondVersion(), pid: process.pid, startedAtMs, daemonRunId,
      requestTick: (reason) => { if (!stopping && tick.ticker) void tick.ticker.request(reason); },
      isStopping: () => stopping,
      stopSignal: stop.signal,
      services: new ServiceRegistry(),
    };
    for (const e of extensions) {
      await e.start?.(ctx);
      started.push(e);
    }
    const steps = extensions.flatMap((e) => e.tickSteps?.(ctx as DaemonContext) ?? []);
    const ticker = (tick.ticker = new Ticker(steps, clock, logger.child({ component: 'tick' })));
    const routes = allRoutes(extensions);
    const socketGid = socketGidOf(config.socketGroup, config.socketGroup !== DEFAULT_SOCKET_GROUP, (message) => logger.warn(message, { component: 'api' }));
    server = await startApiServer(ctx, routes, config.socketPath, socketGid === undefined ? {} : { socketGid });
    const task = options.schedule === false ? undefined : scheduleTicks(config.tickInterval, ticker);
    const handle = makeHandle({ ctx, ticker, routes, server, lock, task, extensions, env: options.env, umask, setStopping: () => { stopping = true; stop.abort(); } });
    ctx.requestTick('start');
    await sdNotify(['--ready'], logger, options.env);
    logger.info('daemon started', { pid: process.pid, version: ctx.version, socket: config.socketPath, ledger: config.ledgerPath });
    return handle;
  } catch (err) {
    for (const e of started.reverse()) await e.stop?.(ctx as DaemonContext).catch((stopErr: unknown) => logger.error('extension stop failed', { extension: e.name, err: stopErr }));
    if (server) await server.close();
    if (db) closeLedger(db);
    lock.release();
    process.umask(umask);
    throw err;
  }
}

function scheduleTicks(expr: string, ticker: Ticker): ScheduledTask {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cron = require('node-cron') as typeof import('node-cron');
  return cron.schedule(expr, () => void ticker.request('cron'), { name: 'carbond-tick' });
}

interface HandleParts {
  ctx: DaemonContext;
  ticker: Ticker;
  routes: readonly Route[];
  server: ApiServer;
  lock: StateLock;
  task: ScheduledTask | undefined;
  extensions: readonly DaemonExtension[];
  env: NodeJS.ProcessEnv | undefined;
  /** The process's umask before the daemon set its own; restored once it has stopped. */
  umask: number;
  setStopping(): void;
}

function makeHandle(p: HandleParts): DaemonHandle {
  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => { resolveStopped = resolve; });
  let stopping: Promise<void> | undefined;
  const stop = async (reason: string): Promise<void> => {
    const { ctx } = p;
    p.setStopping();
    ctx.logger.info('daemon stopping', { reason });
    try {
      await shutdown(p, reason);
    } finally {
      resolveStopped();
    }
  };
  return {
    ctx: p.ctx, ticker: p.ticker, routes: p.routes, stopped,
    stop: (reason) => (stopping ??= stop(reason)),
  };
}

/** Finish the tick, stop extensions (reverse order), close socket and ledger, release the lock. */
async function shutdown(p: HandleParts, reason: string): Promise<void> {
  const { ctx } = p;
  try {
    await p.task?.destroy();
    p.ticker.cancelQueued();
    await p.ticker.idle();
    await sdNotify(['STOPPING=1'], ctx.logger, p.env);
    for (const e of [...p.extensions].reverse()) {
      try { await e.stop?.(ctx); } catch (err) { ctx.logger.error('extension stop failed', { extension: e.name, err }); }
    }
    await p.server.close();
    try {
      recordDaemonStop(ctx.db, ctx.daemonRunId, ctx.clock.now(), reason);
    } catch (err) {
      // A full or read-only disk: the next start records this run as crashed instead.
      ctx.logger.error('cannot record the stop in the ledger', { err });
    }
  } finally {
    // The lock goes whatever happens to the ledger's last write (a full disk fails the WAL
    // fold with SQLITE_FULL): what is in the WAL is safe and folds in at the next start.
    try {
      closeLedger(ctx.db);
    } catch (err) {
      ctx.logger.error('ledger close failed: its WAL is kept and folds in at the next start', { err });
      try { ctx.db.close(); } catch { /* already closed */ }
    }
    p.lock.release();
    process.umask(p.umask);
  }
  ctx.logger.info('daemon stopped', { reason });
}
