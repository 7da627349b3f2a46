/**
 * The simulation engine behind `carbond simulate` (DESIGN §3): the daemon's loop under a
 * simulated clock (`ManualClock`). Each tick gathers what is known at the simulated time
 * (`SimSignal`), calls the one `plan()` the daemon calls, applies the decisions through a
 * simulated executor that charges every resume/migration overhead, and sleeps until the
 * plan's next wake-up, the next measured interval or forecast issue, the next submission or
 * the next job completion, whichever is first. Emissions use the actual trace.
 */
import { ManualClock } from '../core/clock';
import { plan, type Plan, type PlanInput, type PlanJob, type PolicyName, type SiteSpec, type SlotSeries } from '../../scheduler';
import { ActualIntensity } from './actuals';
import type { SimJob } from './jobs';
import { applyDecision, advanceJob, newJobState, type JobState } from './executor';
import { SimSignal, type SignalMode, type ZoneSignal } from './signal';
import type { LocalParams } from '../../forecasts/local';

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
  /**
   * Each job keeps the plan of the first tick that saw it (CATS-style: a start time chosen at
   * submission and kept). For the `window` reference row; default off (re-plan every tick).
   */
  readonly commitAtSubmission?: boolean;
  /** GPUs per simulated site (one site per zone); default unlimited. Each job takes one. */
  readonly siteGpus?: number;
  /** Milliseconds from some fixed origin, for planner timing (e.g. `performance.now`); default none. */
  readonly stopwatch?: () => number;
  readonly onProgress?: (fraction: number) => void;
  /** Called after each plan with the simulated time (for the ledger). */
  readonly onPlan?: (plan: Plan, nowMs: number) => void;
}

export interface SimulateOutcome {
  readonly states: readonly JobState[];
  readonly actuals: ReadonlyMap<string, ActualIntensity>;
  readonly plannerMs: readonly number[];
  readonly ticks: number;
}

function sitesOf(zones: ReadonlyMap<string, ZoneSignal>, gpus: number | undefined): SiteSpec[] {
  return [...zones.keys()].map((zone) => ({ name: zone, zone, gpus: gpus ?? Infinity }));
}

function planJobOf(s: JobState): PlanJob {
  const j = s.job;
  return {
    id: j.id,
    phase: s.phase === 'running' ? 'running' : s.phase === 'paused' ? 'paused' : 'queued',
    submittedAtMs: j.submitAtMs,
    deadlineMs: j.deadlineMs,
    remainingWorkMs: s.remainingMs + s.overheadLeftMs,
    powerW: j.powerW,
    gpus: 1,
    sites: j.sites,
    homeSite: j.homeSite,
    ...(s.site !== undefined ? { currentSite: s.site } : {}),
    pauseOverheadMs: j.pauseOverheadMs,
  };
}

function seriesFor(signal: SimSignal, active: readonly JobState[], nowMs: number, slotMs: number): Record<string, SlotSeries> {
  const until = new Map<string, number>();
  for (const s of active) for (const z of s.job.sites) until.set(z, Math.max(until.get(z) ?? 0, s.job.deadlineMs + s.job.durationMs + slotMs));
  const out: Record<string, SlotSeries> = {};
  for (const [zone, untilMs] of until) {
    const series = signal.slotSeries(zone, nowMs, untilMs, slotMs);
    if (series) out[zone] = series;
  }
  return out;
}

/** Runs the whole simulation; pure apart from the optional callbacks. */
export function simulate(opts: SimulateOptions): SimulateOutcome {
  const signal = new SimSignal(opts.zones, opts.mode, opts.localParams, opts.shrinkTauMs);
  const actuals = new Map([...opts.zones].map(([zone, z]) => [zone, new ActualIntensity(z.measured)] as const));
  const sites = sitesOf(opts.zones, opts.siteGpus);
  const states = [...opts.jobs].sort((a, b) => a.submitAtMs - b.submitAtMs).map(newJobState);
  if (states.length === 0) return { states, actuals, plannerMs: [], ticks: 0 };
  const clock = new ManualClock(states[0]!.job.submitAtMs);
  const endMs = states.reduce((m, s) => Math.max(m, s.job.deadlineMs), 0);
  const plannerMs: number[] = [];
  let pending = 0;
  let ticks = 0;
  let lastPlan: Plan | undefined;
  const committed = new Map<string, Plan['jobs'][number]>();
  const byId = new Map(states.map((s) => [s.job.id, s]));
  const inputAt = (nowMs: number, active: readonly JobState[]): PlanInput => ({
    nowMs, slotMs: opts.slotMs, safetyMarginMs: opts.safetyMarginMs ?? 0, sites,
    series: seriesFor(signal, active, nowMs, opts.slotMs), jobs: active.map(planJobOf), policy: opts.policy,
    ...(opts.resumePenaltyFactor !== undefined ? { resumePenaltyFactor: opts.resumePenaltyFactor } : {}),
  });
  const timedPlan = (input: PlanInput): Plan => {
    const t0 = opts.stopwatch?.();
    const p = plan(input);
    if (t0 !== undefined && opts.stopwatch) plannerMs.push(opts.stopwatch() - t0);
    opts.onPlan?.(p, input.nowMs);
    return p;
  };
  while (states.some((s) => s.phase !== 'done')) {
    const nowMs = clock.now();
    while (pending < states.length && states[pending]!.job.submitAtMs <= nowMs) states[pending++]!.phase = 'queued';
    const active = states.filter((s) => s.phase === 'queued' || s.phase === 'running' || s.phase === 'paused');
    const nextSubmitMs = pending < states.length ? states[pending]!.job.submitAtMs : Infinity;
    if (active.length === 0) {
      clock.set(nextSubmitMs);
      continue;
    }
    ticks++;
    if (opts.commitAtSubmission) {
      const fresh = active.filter((s) => !committed.has(s.job.id));
      if (fresh.length > 0) {
        const p = timedPlan(inputAt(nowMs, active));
        for (const j of p.jobs) if (!committed.has(j.jobId)) committed.set(j.jobId, j);
      }
      lastPlan = { createdAtMs: nowMs, policy: opts.policy, decisions: [], jobs: [...committed.values()], nextWakeMs: Infinity };
      followPlan(lastPlan, active, nowMs);
    }
    const replan = opts.commitAtSubmission ? false : opts.replanEveryMs === undefined || !lastPlan || nowMs % opts.replanEveryMs === 0 || active.some((s) => !lastPlan!.jobs.some((j) => j.jobId === s.job.id));
    if (replan) {
      lastPlan = timedPlan(inputAt(nowMs, active));
      for (const d of lastPlan.decisions) applyDecision(byId.get(d.jobId)!, d, nowMs);
    } else if (!opts.commitAtSubmission) {
      followPlan(lastPlan!, active, nowMs);
    }
    let nextMs = Math.min(lastPlan!.nextWakeMs, signal.nextArrivalMs(nowMs), nextSubmitMs);
    if (opts.replanEveryMs !== undefined || opts.commitAtSubmission) nextMs = Math.min(nextMs, opts.replanEveryMs ? (Math.floor(nowMs / opts.replanEveryMs) + 1) * opts.replanEveryMs : Infinity, nextSwitchMs(lastPlan!, nowMs));
    for (const s of active) if (s.phase === 'running') nextMs = Math.min(nextMs, nowMs + s.overheadLeftMs + s.remainingMs);
    if (!(nextMs > nowMs)) nextMs = nowMs + opts.slotMs;
    for (const s of active) advanceJob(s, nowMs, nextMs, actuals.get(s.site ?? s.job.homeSite)!);
    clock.set(nextMs);
    opts.onProgress?.(Math.min(1, (nextMs - states[0]!.job.submitAtMs) / (endMs - states[0]!.job.submitAtMs)));
  }
  return { states, actuals, plannerMs, ticks };
}

/** Between re-plans: run whatever the last plan has running now (as the daemon would between ticks). */
function followPlan(last: Plan, active: readonly JobState[], nowMs: number): void {
  for (const s of active) {
    const jp = last.jobs.find((j) => j.jobId === s.job.id);
    const seg = jp?.segments.find((g) => g.startMs <= nowMs && nowMs < g.endMs);
    if (seg) {
      const action = s.phase === 'queued' ? 'start' : s.phase === 'paused' ? 'resume' : s.site === seg.site ? 'keep' : 'migrate';
      applyDecision(s, { jobId: s.job.id, action, site: seg.site, reason: 'following the last plan' }, nowMs);
    } else if (s.phase === 'running') {
      // The last plan ran out (work took longer than planned slots): keep running.
      if (!jp || jp.segments.every((g) => g.endMs <= nowMs)) continue;
      applyDecision(s, { jobId: s.job.id, action: 'pause', reason: 'following the last plan' }, nowMs);
    }
  }
}

function nextSwitchMs(last: Plan, nowMs: number): number {
  let next = Infinity;
  for (const j of last.jobs) {
    for (const g of j.segments) {
      if (g.startMs > nowMs) next = Math.min(next, g.startMs);
      if (g.endMs > nowMs) next = Math.min(next, g.endMs);
    }
  }
  return next;
}
