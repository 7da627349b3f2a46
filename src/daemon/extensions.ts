/**
 * The daemon's extension points, in one place. A feature (signal refresh, planner,
 * executors, metrics…) is a `DaemonExtension`: routes for the control API, tick steps,
 * and start/stop hooks. To add one, export it from your module and add ONE line to
 * `daemonExtensions` below. Order in the list = order of `start` (and reverse of `stop`);
 * tick steps are ordered by their `phase` (./tick).
 */
import { coreRoutes } from './api/core-routes';
import type { Route } from './api/routes';
import type { DaemonContext } from './context';
import { walCheckpointStep } from './housekeeping';
import { meterExtension } from '../meters/extension';
import { metricsExtension } from './metrics/extension';
import { signalExtension } from './signal/extension';
import { plannedJobsExtension } from './planning/extension';
import { schedulesExtension } from './schedules/extension';
import type { TickStep } from './tick';

export interface DaemonExtension {
  name: string;
  /** Control API routes (see ./api/routes). */
  routes?: readonly Route[];
  /** Tick steps, created once per daemon with its context, after every extension's `start` (services are provided by then). */
  tickSteps?(ctx: DaemonContext): readonly TickStep[];
  /**
   * After the ledger is open and before the socket listens and the first tick (e.g. reconcile
   * runs, provide services). If a later start fails, the extensions already started are stopped.
   */
  start?(ctx: DaemonContext): Promise<void>;
  /** On shutdown, after the last tick finished, before the ledger closes (e.g. checkpoint-and-pause jobs). */
  stop?(ctx: DaemonContext): Promise<void>;
}

/** The daemon's own part: status route and the WAL checkpoint. */
export const coreExtension: DaemonExtension = {
  name: 'core',
  routes: coreRoutes,
  tickSteps: (ctx) => [walCheckpointStep(ctx)],
};

export const daemonExtensions: DaemonExtension[] = [
  coreExtension,
  schedulesExtension, // recurring schedules: submits due occurrences first in the tick, before the signal reads the jobs
  signalExtension, // the carbon signal (every provider type, file replay included), before its readers
  plannedJobsExtension, // the job lifecycle planned by scheduler/plan on that signal
  meterExtension,
  metricsExtension, // Prometheus /metrics on metrics.listen (off when absent); reads the signal
];
