/**
 * The simulation behind `carbond simulate` (DESIGN §3, ADR 0013): the daemon's own loop
 * under a simulated clock. The daemon's `JobLifecycle` — the same plan input from the
 * ledger, the same planner call, run protection, GPU allocation, decision apply, retries and
 * transitions — drives the simulated executor over a real ledger (a temporary file, or the
 * `--state-dir` one). Between ticks the clock jumps to the next time the daemon would tick:
 * the plan's next decision time, a job's submission, a run's exit, new signal data (what
 * the daemon's cron tick picks up) and, when asked, the cron interval itself. Emissions are
 * priced on the actual trace afterwards (./outcome).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../core/clock';
import { nullLogger } from '../core/logger';
import { closeLedger, openLedger, type Db } from '../ledger/db';
import { currentState, insertJob, type JobRecord } from '../ledger/jobs';
import { JobLifecycle } from '../daemon/jobs/lifecycle';
import type { PlanSignal, PlanSource, SiteModel } from '../daemon/jobs/types';
import { SimulatedExecutor, type SimulatedBehaviour } from '../executors/simulated';
import type { VerifyCheckpoint } from '../executors/types';
import { isTerminal } from '../jobs/states';
import { plan as realPlan, type PolicyName, type SlotSeries } from '../../scheduler';
import type { LocalParams } from '../../forecasts/local';
import { ActualIntensity } from './actuals';
import type { SimJob } from './jobs';
import { outcomeOf, type JobState } from './outcome';
import { committedAtSubmission, replanningEvery } from './reference-plans';
import { SimSignal, type SignalMode, type ZoneSignal } from './signal';

/** Running time of one simulated step: work is counted to the second. */
export const SIM_STEP_MS = 1_000;
/** A tick that asks for another at the same instant (a pause done, a run ended) gets at most this many more. */
const MAX_TICKS_PER_INSTANT = 4;

export interface SimulateOptions {
  readonly jobs: readonly SimJob[];
  readonly zones: ReadonlyMap<string, ZoneSignal>;
  readonly mode: SignalMode;
  readonly policy: PolicyName;
  readonly slotMs: number;
  /** Finish this long before each deadline (default 0). */
  readonly safetyMarginMs?: number;
  /** Hysteresis for `carbond` (see `PlanInput.resumePenaltyFactor`). */
  readonly resumePenaltyFactor?: number;
  /** Re-plan only on multiples of this (the "re-plans hourly" reference); between, follow the last plan. */
  readonly replanEveryMs?: number;
  /** Tuning of the local forecaster (blend weight, bias correction…); default its own. */
  readonly localParams?: Partial<LocalParams>;
  /** Shrinks forecasts towards their next-day mean as lead grows (see `shrinkTowardsMean`); default off. */
  readonly shrinkTauMs?: number;
  /** Each job keeps the plan of the first tick that saw it (CATS-style; the `window` reference row). */
  readonly commitAtSubmission?: boolean;
  /** GPUs per simulated site (one site per zone, or per name here); default: enough for every job at once. */
  readonly siteGpus?: number | Readonly<Record<string, number>>;
  /** Also tick at least this often, like the daemon's cron (default: only when something happens). */
  readonly tickEveryMs?: number;
  /** Keep the ledger in this file (created; must hold no jobs); default a temporary file, deleted after. */
  readonly ledgerFile?: string;
  /** Milliseconds from some fixed origin, for planner timing (e.g. `performance.now`); default none. */
  readonly stopwatch?: () => number;
  readonly onProgress?: (fraction: number) => void;
}

export interface SimulateOutcome {
  readonly states: readonly JobState[];
  readonly actuals: ReadonlyMap<string, ActualIntensity>;
  readonly plannerMs: readonly number[];
  readonly ticks: number;
}

/** What the simulated executor does with a simulated job: its work in 1-s steps, a resume's overhead at full power. */
export function simulatedBehaviour(job: SimJob): SimulatedBehaviour {
  return {
    stepMs: SIM_STEP_MS, totalSteps: totalStepsOf(job), checkpointEverySteps: 0, ignoresPause: false, pauseLatencyMs: 0,
    resumeOverheadMs: job.pauseOverheadMs,
  };
}

function totalStepsOf(job: SimJob): number {
  return Math.max(1, Math.round(job.durationMs / SIM_STEP_MS));
}

/** The ledger record of a simulated job, as `carbond submit` would write it. */
export function simJobRecord(j: SimJob): JobRecord {
  return {
    id: j.id, name: j.id, owner: 'simulation', uid: null, gid: null, command: ['(simulated)'], useShell: false, cwd: '/',
    env: {}, submittedAtMs: j.submitAtMs, deadlineMs: j.deadlineMs, estimateMs: j.durationMs, totalSteps: totalStepsOf(j),
    powerW: j.powerW, gpus: j.gpus ?? 1, sites: j.sites, homeSite: j.homeSite, mode: 'checkpoint', pauseSignal: 'SIGTERM',
    checkpointTimeoutMs: 60_000, pauseOverheadMs: j.pauseOverheadMs, tags: { simulated: 'true' }, manualOverride: null,
    checkpointDir: `/simulated/${j.id}`,
  };
}

/** A simulated checkpoint always verifies (it exists only in the simulated executor). */
export const acceptSimulatedCheckpoint: VerifyCheckpoint = async (ack) => ({ path: ack.path, step: ack.step, bytes: 0 });

/** One site per zone (named after it) unless `siteGpus` names sites; GPUs default to every job at once. */
export function simulatedSites(zones: Iterable<string>, jobs: readonly SimJob[], executor: SimulatedExecutor, siteGpus?: SimulateOptions['siteGpus']): SiteModel[] {
  const all = jobs.reduce((n, j) => n + (j.gpus ?? 1), 0);
  return [...zones].map((zone) => ({
    name: zone, zone, executor,
    gpus: typeof siteGpus === 'number' ? siteGpus : siteGpus?.[zone] ?? Math.max(1, all),
    // Jobs carry their power; suspend mode is not simulated.
    jobPowerW: () => 0, suspendedPowerW: () => 0,
  }));
}

/**
 * The lifecycle's `planSignal` over the replayed traces: per zone of an open job's sites, the
 * series known at `nowMs` up to its deadline plus its work (what the daemon reads from its
 * signal service and forecaster). The daemon on a replayed signal uses the same function.
 */
export function replayPlanSignal(signal: SimSignal, slotMs: number, openJobs: () => Iterable<Pick<JobRecord, 'sites' | 'deadlineMs' | 'estimateMs'>>): (nowMs: number) => PlanSignal {
  return (nowMs) => {
    const until = new Map<string, number>();
    for (const j of openJobs()) for (const z of j.sites) until.set(z, Math.max(until.get(z) ?? 0, j.deadlineMs + j.estimateMs + slotMs));
    const series: Record<string, SlotSeries> = {};
    for (const [zone, untilMs] of until) {
      const s = signal.slotSeries(zone, nowMs, untilMs, slotMs);
      if (s) series[zone] = s;
    }
    return { series };
  };
}

/** The plan source of `opts`: the real planner, wrapped for the reference rows and timed. */
function planSourceOf(opts: SimulateOptions, plannerMs: number[]): PlanSource {
  const withPenalty: PlanSource = opts.resumePenaltyFactor === undefined ? realPlan : (input) => realPlan({ ...input, resumePenaltyFactor: opts.resumePenaltyFactor });
  const source = opts.commitAtSubmission ? committedAtSubmission(withPenalty) : opts.replanEveryMs !== undefined ? replanningEvery(withPenalty, opts.replanEveryMs) : withPenalty;
  const stopwatch = opts.stopwatch;
  if (!stopwatch) return source;
  return (input) => {
    const t0 = stopwatch();
    const p = source(input);
    plannerMs.push(stopwatch() - t0);
    return p;
  };
}

function openSimLedger(file: string | undefined, nowMs: number): { db: Db; dispose(): void } {
  if (file !== undefined) {
    const db = openLedger(file, { nowMs });
    return { db, dispose: () => closeLedger(db) };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-sim-'));
  const db = openLedger(path.join(dir, 'ledger.sqlite'), { nowMs });
  return { db, dispose: () => { closeLedger(db); fs.rmSync(dir, { recursive: true, force: true }); } };
}

/** Runs the whole simulation through the daemon's lifecycle. */
export async function simulate(opts: SimulateOptions): Promise<SimulateOutcome> {
  const actuals = new Map([...opts.zones].map(([zone, z]) => [zone, new ActualIntensity(z.measured)] as const));
  const jobs = [...opts.jobs].sort((a, b) => a.submitAtMs - b.submitAtMs);
  if (jobs.length === 0) return { states: [], actuals, plannerMs: [], ticks: 0 };
  const clock = new ManualClock(jobs[0]!.submitAtMs);
  const signal = new SimSignal(opts.zones, opts.mode, opts.localParams, opts.shrinkTauMs);
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const executor = new SimulatedExecutor({ clock, behaviourOf: (job) => simulatedBehaviour(byId.get(job.id)!) });
  const { db, dispose } = openSimLedger(opts.ledgerFile, clock.now());
  const open = new Map<string, JobRecord>();
  const plannerMs: number[] = [];
  let requested = false;
  const lifecycle = new JobLifecycle({
    db, clock, logger: nullLogger, verifyCheckpoint: acceptSimulatedCheckpoint,
    sites: simulatedSites(opts.zones.keys(), jobs, executor, opts.siteGpus),
    planSource: planSourceOf(opts, plannerMs), planSignal: replayPlanSignal(signal, opts.slotMs, () => open.values()),
    slotMs: opts.slotMs, safetyMarginMs: opts.safetyMarginMs ?? 0, policy: opts.policy, pruneCheckpoints: false,
    requestTick: () => { requested = true; },
  });
  const firstMs = jobs[0]!.submitAtMs;
  const lastMs = jobs.reduce((m, j) => Math.max(m, j.deadlineMs + j.durationMs), 0);
  let ticks = 0;
  let pending = 0;
  try {
    while (pending < jobs.length || open.size > 0) {
      const nowMs = clock.now();
      if (nowMs > lastMs + 86_400_000) break; // work that can never finish (no capacity): stop, its deadline missed
      for (; pending < jobs.length && jobs[pending]!.submitAtMs <= nowMs; pending++) {
        const record = simJobRecord(jobs[pending]!);
        insertJob(db, record);
        open.set(record.id, record);
      }
      executor.tick();
      let nextWakeMs = Infinity;
      let again = 0;
      do {
        requested = false;
        const p = await lifecycle.tick(nowMs);
        await lifecycle.idle();
        nextWakeMs = p.nextWakeMs;
        ticks++;
      } while (requested && ++again < MAX_TICKS_PER_INSTANT);
      executor.forgetEnded();
      for (const id of [...open.keys()]) {
        const state = currentState(db, id);
        if (state && isTerminal(state)) open.delete(id);
      }
      const nextSubmitMs = pending < jobs.length ? jobs[pending]!.submitAtMs : Infinity;
      let nextMs = Math.min(nextWakeMs, signal.nextArrivalMs(nowMs), nextSubmitMs, executor.nextExitMs());
      if (opts.tickEveryMs !== undefined) nextMs = Math.min(nextMs, (Math.floor(nowMs / opts.tickEveryMs) + 1) * opts.tickEveryMs);
      if (!(nextMs > nowMs)) nextMs = nowMs + opts.slotMs;
      if (open.size === 0 && pending < jobs.length) nextMs = Math.max(nextMs, nextSubmitMs);
      clock.set(nextMs);
      opts.onProgress?.(Math.min(1, (nextMs - firstMs) / Math.max(1, lastMs - firstMs)));
    }
    const endMs = clock.now();
    const states = jobs.map((j) => outcomeOf(db, j, (site) => actuals.get(site)!, endMs));
    return { states, actuals, plannerMs, ticks };
  } finally {
    dispose();
  }
}
