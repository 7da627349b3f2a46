/**
 * What every daemon part receives: tick steps, API routes, status contributors and
 * lifecycle hooks are all functions of a `DaemonContext`, so new parts plug in without
 * editing the daemon's core.
 */
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import type { Config } from '../config/types';
import type { Db } from '../ledger/db';
import type { ServiceRegistry } from './services';

export interface DaemonContext {
  /** The validated, frozen configuration. */
  readonly config: Config;
  /** The open, writable ledger (better-sqlite3, WAL). Only src/ledger modules run SQL on it. */
  readonly db: Db;
  /** The one clock (the system clock in the daemon; a ManualClock in tests). */
  readonly clock: Clock;
  /** Structured logger scoped `{ component: 'daemon' }`; call `.child({ component: 'x' })`. */
  readonly logger: Logger;
  /** Absolute path of the ledger file. */
  readonly ledgerPath: string;
  /** carbond's version (package.json). */
  readonly version: string;
  /** The daemon's process id. */
  readonly pid: number;
  /** When this daemon started, UTC epoch ms. */
  readonly startedAtMs: number;
  /** This process's row in `daemon_runs`. */
  readonly daemonRunId: number;
  /**
   * Asks for a tick as soon as possible (after a control request or a job event) instead
   * of waiting for the next cron beat. Ticks never overlap: a request during a tick runs
   * one more tick right after it.
   */
  requestTick(reason: string): void;
  /** True once shutdown has begun (steps should not start new work). */
  isStopping(): boolean;
  /** Aborted when shutdown begins: give it to I/O a stop must not wait for (provider requests). Absent in hand-built test contexts. */
  readonly stopSignal?: AbortSignal;
  /** Objects shared between extensions (executors, forecast chain, meters), by typed key. */
  readonly services: ServiceRegistry;
}
