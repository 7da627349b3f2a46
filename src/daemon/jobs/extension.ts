/**
 * The job lifecycle as a daemon extension: reconcile on start, one tick step (collect →
 * plan → apply), the job routes, and checkpoint-and-pause on a graceful stop.
 *
 * Integration point for the planner and the carbon signal:
 *   createJobsExtension({ planSource: plan, planSignal: (nowMs) => ({ series, failOpenReason }) })
 * Without them, every job runs now (`runEverything`).
 */
import type { SiteConfig } from '../../config/types';
import { LocalProcessExecutor } from '../../executors/local-process';
import { SlurmExecutor } from '../../executors/slurm';
import type { RunExecutor, VerifyCheckpoint } from '../../executors/types';
import { storeVerifier } from '../../executors/verify';
import type { DaemonContext } from '../context';
import type { DaemonExtension } from '../extensions';
import { ServiceKey } from '../services';
import type { TickStep } from '../tick';
import { systemClock } from '../../core/clock';
import { checkpointRoots, ensureCheckpointRoot } from './checkpoint-sites';
import { JobLifecycle } from './lifecycle';
import { PlanWake } from './wake';
import { jobRoutes } from './routes';
import type { PlanSignal, PlanSource, SiteModel } from './types';

/** The daemon's job lifecycle, for other extensions (meters map energy to live runs): `ctx.services.get(JOBS)`. */
export const JOBS = new ServiceKey<JobLifecycle>('jobs');

export interface JobsExtensionOptions {
  planSource?: PlanSource;
  planSignal?: (ctx: DaemonContext, nowMs: number) => PlanSignal | Promise<PlanSignal>;
  /** The executor of a site; default: local sites get the local-process executor, slurm sites the Slurm executor. */
  executorFor?: (ctx: DaemonContext, siteName: string, site: SiteConfig) => RunExecutor | undefined;
  /**
   * How checkpoints are verified; default the files' manifests in the state dir. A daemon
   * whose executor is simulated (its checkpoints exist only there) passes the simulation's.
   */
  verifyCheckpoint?: VerifyCheckpoint;
  /** Whether old checkpoint files are pruned after a pause (default true; false with a simulated executor). */
  pruneCheckpoints?: boolean;
}

/**
 * A site's power model from its config: a running job draws `cpuPowerW + gpus × gpuPowerW`
 * (e.g. 2 GPUs at 300 W + 50 W CPU = 650 W); a suspended one keeps its GPUs' share of the
 * box's idle power (e.g. 2 of 4 GPUs × 60 W idle = 30 W).
 */
export function siteModelOf(name: string, site: SiteConfig, executor: RunExecutor): SiteModel {
  return {
    name, zone: site.zone, gpus: site.gpus, executor,
    jobPowerW: (gpus) => site.cpuPowerW + gpus * site.gpuPowerW,
    suspendedPowerW: (gpus) => (site.gpus > 0 ? (site.idlePowerW * gpus) / site.gpus : 0),
    ...(site.checkpointRoot === undefined ? {} : { checkpointRoot: site.checkpointRoot }),
    ...(site.moveTimeMs === undefined ? {} : { moveTimeMs: site.moveTimeMs }),
  };
}

export function createJobsExtension(options: JobsExtensionOptions = {}): DaemonExtension & { lifecycleOf(ctx: DaemonContext): JobLifecycle } {
  const lifecycles = new WeakMap<DaemonContext, JobLifecycle>();
  const wakes = new WeakMap<DaemonContext, PlanWake>();
  // A timer runs on wall time: only a daemon on the system clock arms one (a test or a demo
  // on another clock drives its ticks itself, reading `lifecycle.nextWakeMs`).
  const wakeOf = (ctx: DaemonContext): PlanWake | undefined => {
    if (ctx.clock !== systemClock) return undefined;
    let w = wakes.get(ctx);
    if (!w) wakes.set(ctx, (w = new PlanWake(ctx.clock, (reason) => ctx.requestTick(reason))));
    return w;
  };
  const lifecycleOf = (ctx: DaemonContext): JobLifecycle => {
    let lc = lifecycles.get(ctx);
    if (lc) return lc;
    const areaRoots = [ctx.config.stateDir, ...checkpointRoots(Object.values(ctx.config.sites))];
    const verifyCheckpoint = options.verifyCheckpoint ?? storeVerifier(ctx.clock, areaRoots);
    const sites: SiteModel[] = [];
    for (const [name, site] of Object.entries(ctx.config.sites)) {
      const executor = options.executorFor ? options.executorFor(ctx, name, site)
        : site.executor === 'local' ? new LocalProcessExecutor({ stateDir: ctx.config.stateDir, clock: ctx.clock, verifyCheckpoint, logger: ctx.logger })
        : site.executor === 'slurm' ? new SlurmExecutor({ stateDir: ctx.config.stateDir, clock: ctx.clock, verifyCheckpoint, logger: ctx.logger, site: name, ...(site.partition ? { partition: site.partition } : {}) })
        : undefined;
      if (executor) sites.push(siteModelOf(name, site, executor));
      else ctx.logger.warn('site has no executor here: its jobs will not run', { component: 'jobs', site: name, executor: site.executor });
    }
    const planSignal = options.planSignal;
    lc = new JobLifecycle({
      db: ctx.db, clock: ctx.clock, logger: ctx.logger, sites, verifyCheckpoint,
      ...(options.planSource ? { planSource: options.planSource } : {}),
      ...(planSignal ? { planSignal: (nowMs: number) => planSignal(ctx, nowMs) } : {}),
      slotMs: ctx.config.scheduler.slotMinutes * 60_000, safetyMarginMs: ctx.config.scheduler.safetyMarginMs,
      policy: ctx.config.scheduler.policy, keepCheckpoints: ctx.config.scheduler.keepCheckpoints, stateDir: ctx.config.stateDir, areaRoots,
      requestTick: (reason) => ctx.requestTick(reason),
      ...(options.pruneCheckpoints === false ? { pruneCheckpoints: false } : {}),
      ...testDelaysFromEnv(process.env),
    });
    lifecycles.set(ctx, lc);
    return lc;
  };
  return {
    name: 'jobs',
    routes: jobRoutes(lifecycleOf),
    lifecycleOf,
    tickSteps: (ctx): TickStep[] => [{
      name: 'jobs', phase: 'plan',
      run: async (nowMs) => {
        if (ctx.isStopping()) return;
        const lc = lifecycleOf(ctx);
        await lc.tick(nowMs);
        wakeOf(ctx)?.arm(lc.nextWakeMs);
      },
    }],
    start: async (ctx) => {
      // A site's checkpoint storage must be safe for users' areas before anything runs there: a bad one stops the start, naming it.
      for (const [name, site] of Object.entries(ctx.config.sites)) if (site.checkpointRoot) ensureCheckpointRoot(name, site.checkpointRoot);
      ctx.services.provide(JOBS, lifecycleOf(ctx));
      const report = await lifecycleOf(ctx).reconcile(ctx.clock.now());
      ctx.logger.info('jobs reconciled', { component: 'jobs', adopted: report.adopted.length, ended: report.ended.length, orphaned: report.orphanedJobs.length });
    },
    stop: async (ctx) => {
      wakes.get(ctx)?.cancel();
      await lifecycleOf(ctx).pauseAll(ctx.clock.now(), 'daemon stopping');
    },
  };
}

/**
 * TEST-ONLY hooks for the crash suite (tests/reliability/crash.test.ts), read once when the
 * daemon wires its job lifecycle: `CARBOND_TEST_DELAY_AFTER_RUN_INSERT_MS` holds each start
 * between inserting the run row and starting its process, `CARBOND_TEST_DELAY_BEFORE_PID_RECORD_MS`
 * between starting the process and recording its PID, so that the suite can SIGKILL the
 * daemon inside those windows on purpose. Unset (always, outside that suite): no hold. Not
 * configuration: never documented for operators, never in the config file.
 */
export function testDelaysFromEnv(env: NodeJS.ProcessEnv): { testDelays?: { afterRunInsertMs: number; beforePidRecordMs: number } } {
  const ms = (name: string): number => {
    const v = Number(env[name] ?? '0');
    return Number.isFinite(v) && v > 0 ? Math.min(v, 60_000) : 0;
  };
  const afterRunInsertMs = ms('CARBOND_TEST_DELAY_AFTER_RUN_INSERT_MS');
  const beforePidRecordMs = ms('CARBOND_TEST_DELAY_BEFORE_PID_RECORD_MS');
  return afterRunInsertMs > 0 || beforePidRecordMs > 0 ? { testDelays: { afterRunInsertMs, beforePidRecordMs } } : {};
}

/** The default registration: every job runs now until the planner is wired. */
export const jobsExtension = createJobsExtension();
