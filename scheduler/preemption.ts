/**
 * Who keeps the GPUs when capacity is short (DESIGN §5, the paragraph on thrash). Planning
 * order is what decides it: jobs are planned one after another, each against the capacity
 * the earlier ones left, so a job planned later is the one paused or kept waiting. Ranks:
 *   0. protected runs (fresh: see `RunProtection`), which no plan pauses;
 *   1. jobs the deadline guard runs now, and jobs that would otherwise miss their deadline;
 *   2. the other running jobs: a running job is paused for capacity only for a job of rank
 *      0–1 (the hysteresis: the job replacing it must gain its deadline, not a few slots of
 *      slack or grams, which least-slack-first alone would trade at every tick);
 *   3. everything else, least slack first.
 * Within rank 2 the job whose pause loses least (resume overhead + unsaved work) comes last,
 * so it is the one paused. Pure: no clock, no I/O.
 */
import { horizonOf, slotsFor } from './costs';
import type { PlanInput, PlanJob, RunProtection } from './types';

const MIN = 60_000;

/** 10 min at least; until 5 min after the first progress event; at most 1 h while no progress event has come. */
export const DEFAULT_RUN_PROTECTION: Readonly<RunProtection> = Object.freeze({ minRuntimeMs: 10 * MIN, afterFirstProgressMs: 5 * MIN, withoutProgressMs: 60 * MIN });

/**
 * Until when (UTC ms) `job`'s current run is protected from planned pauses, or undefined when
 * it is not running, its start is unknown, or the owner overrides the plan.
 * @example started 10:00, first progress 10:08 → max(10:00 + 10 min, 10:08 + 5 min) = 10:13
 * @example started 10:00, no progress yet → 11:00 (`withoutProgressMs`), unless progress comes first
 */
export function protectedUntilMs(job: PlanJob, protection: Partial<RunProtection> = {}): number | undefined {
  if (job.phase !== 'running' || job.runStartedAtMs === undefined || job.manualOverride !== undefined) return undefined;
  const p = { ...DEFAULT_RUN_PROTECTION, ...protection };
  const untilProgress = job.firstProgressAtMs === undefined ? job.runStartedAtMs + p.withoutProgressMs : job.firstProgressAtMs + p.afterFirstProgressMs;
  return Math.max(job.runStartedAtMs + p.minRuntimeMs, untilProgress);
}

/** Slots from now in which `job` must keep running on its current site (0 = not protected). */
export function protectedSlots(input: PlanInput, job: PlanJob): number {
  const until = protectedUntilMs(job, input.runProtection);
  return until === undefined || until <= input.nowMs ? 0 : slotsFor(until - input.nowMs, input.slotMs);
}

/** Slack in slots: how long the job may still wait. Negative = already late. */
export function slackOf(input: PlanInput, job: PlanJob): number {
  const k = job.phase === 'paused' ? slotsFor(job.pauseOverheadMs, input.slotMs) : 0;
  return horizonOf(input, job) - slotsFor(job.remainingWorkMs, input.slotMs) - k;
}

/**
 * What pausing a running job now costs it, ms: the resume overhead, plus the work since its
 * newest verified checkpoint (lost when the pause fails).
 */
export function pauseLossMs(job: PlanJob): number {
  return job.pauseOverheadMs + (job.unsavedWorkMs ?? 0);
}

/**
 * The order jobs are planned in (see the ranks above). `promoted`: ids that came out late
 * in a first pass behind running jobs, planned at rank 1 in the second.
 */
export function planningOrder(input: PlanInput, promoted: ReadonlySet<string> = new Set()): PlanJob[] {
  const keyed = input.jobs.map((job) => {
    const slackMs = slackOf(input, job) * input.slotMs;
    const rank = protectedSlots(input, job) > 0 ? 0 : slackMs < 0 || promoted.has(job.id) ? 1 : job.phase === 'running' ? 2 : 3;
    return { job, rank, key: rank === 2 ? slackMs - pauseLossMs(job) : slackMs };
  });
  keyed.sort((a, b) => a.rank - b.rank || a.key - b.key || a.job.id.localeCompare(b.job.id));
  return keyed.map((k) => k.job);
}

/** Whether some job of rank 2 (running, unprotected, not urgent) was planned: only then can promoting late jobs change anything. */
export function hasYieldingRuns(input: PlanInput): boolean {
  return input.jobs.some((job) => job.phase === 'running' && protectedSlots(input, job) === 0 && slackOf(input, job) >= 0);
}
