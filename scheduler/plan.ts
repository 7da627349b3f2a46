/**
 * `plan(input)`: every unfinished job, under site capacity (DESIGN §5). Jobs are planned one
 * after another, each exactly against the capacity the earlier ones left, in the order of
 * ./preemption: protected runs, then what must run now, then the other running jobs, then
 * the rest least slack first. A job that comes out late behind running jobs is promoted in
 * a second pass, so a running job is paused for capacity only to save a deadline.
 * No single-job improvement pass follows: re-planning one job against all the others can
 * never beat its greedy plan (ADR 0010). The deadline guard and fail-open rules apply to
 * every policy alike.
 */
import { cannotFinish, type ExactSolution } from './exact';
import { giveBackScratch, takeScratch, type ExactScratch } from './exact-scratch';
import { coarseFactor, solveCoarse } from './coarse';
import { buildProblem, Capacity, gramsOf, horizonOf, slotsFor, ZoneIntensity, type JobProblem } from './costs';
import { MAX_STATE_CELLS_PER_JOB, PlanLimitError } from './limits';
import { runNow, schedule } from './policies';
import { hasYieldingRuns, planningOrder, protectedSlots, protectedUntilMs, slackOf } from './preemption';
import { reasonFor } from './reasons';
import type { ActionKind, Decision, JobPlan, Plan, PlanInput, PlanJob, PlannedSegment } from './types';

/** Longest stretch one plan looks ahead: 14 days (at 5-min slots, 4,032 slots). */
export const MAX_PLAN_HORIZON_MS = 14 * 86_400_000;

interface Planned {
  problem: JobProblem;
  solution: ExactSolution;
  guarded: boolean;
  failOpen: boolean;
  /** Capacity, not its own slack, left it no plan before its deadline. */
  late: boolean;
  /** Said after the reason: how the plan was made when not the usual way (coarser slots). */
  note?: string;
}

/**
 * The job's policy, within the per-job limit: a `carbond` job over it (`PlanLimitError`)
 * is solved on coarser slots (./coarse.ts) and the error's sentence is kept for its reason.
 */
function scheduleWithin(input: PlanInput, problem: JobProblem, scratch: ExactScratch): { solution: ExactSolution; note?: string } {
  const limit = { jobId: problem.job.id, maxStateCells: input.maxStateCellsPerJob ?? MAX_STATE_CELLS_PER_JOB };
  try {
    return { solution: schedule(input.policy, problem, { scratch, limit }) };
  } catch (err) {
    if (!(err instanceof PlanLimitError)) throw err;
    const f = coarseFactor(problem, limit.maxStateCells);
    return { solution: solveCoarse(problem, f, { scratch }), note: `planned on ${(f * input.slotMs) / 60_000}-min slots: ${err.message}` };
  }
}

/** What one `plan()` call shares between its jobs: the DP's scratch and the zones' intensities. */
interface Shared {
  scratch: ExactScratch;
  zones: ZoneIntensity;
}

/**
 * The problem as kept until the plan is assembled: the per-slot costs are dropped (the
 * reasons read only the first slot's), the intensities are views of the shared ones.
 */
function keptOf(problem: JobProblem): JobProblem {
  const { idleG: _idle, ...rest } = problem;
  return { ...rest, sites: problem.sites.map((s) => ({ runG: Float64Array.of(s.runG[0] ?? Infinity), resumeG: new Float64Array(0) })) };
}

function planOne(input: PlanInput, given: PlanJob, capacity: Capacity, shared: Shared): Planned | undefined {
  // A job whose work is all done still needs its process to run to exit (a trainer paused at
  // its last step resumes, finds nothing left and exits): one slot of work. A running one
  // keeps running, never paused for "nothing left to run"; a paused one is resumed in the
  // cheapest slot before its deadline, not left for the guard.
  const done = given.remainingWorkMs <= 0 && given.manualOverride === undefined;
  const finishing = done && given.phase === 'running';
  const job = done ? { ...given, remainingWorkMs: input.slotMs } : given;
  const T = horizonOf(input, job);
  const failOpen = input.failOpenReason !== undefined;
  const guarded = !failOpen && slackOf(input, job) < 0;
  const needed = slotsFor(job.remainingWorkMs, input.slotMs) + slotsFor(job.pauseOverheadMs, input.slotMs);
  // Deadlines far away are planned over a rolling window (memory and time stay bounded).
  const windowSlots = Math.max(needed, Math.floor(MAX_PLAN_HORIZON_MS / input.slotMs));
  const problem = buildProblem(input, job, guarded || failOpen ? Math.max(T, needed) : Math.min(T, windowSlots), capacity, protectedSlots(input, given), shared.zones, shared.scratch);
  if (!problem) return undefined;
  if (job.manualOverride === 'pause') {
    return { problem, solution: { feasible: true, costG: 0, siteAt: new Int16Array(problem.horizonSlots).fill(-1), overheadAt: new Uint8Array(problem.horizonSlots), resumes: 0 }, guarded: false, failOpen, late: false };
  }
  if (guarded || failOpen || finishing || job.manualOverride === 'resume') {
    return { problem, solution: runNow(problem, problem.preferredSite), guarded, failOpen, late: false };
  }
  // Fewer runnable slots than work (`cannotFinish`): the exact planner would find no plan, so it is not run.
  const within = input.policy === 'carbond' && cannotFinish(problem) ? undefined : scheduleWithin(input, problem, shared.scratch);
  if (!within?.solution.feasible) {
    // Capacity left no feasible plan before the deadline: run as soon as the preferred site allows.
    return { problem, solution: runNow(problem, problem.preferredSite), guarded: true, failOpen, late: true };
  }
  const { solution, note } = within;
  return { problem, solution, guarded: false, failOpen, late: false, ...(note !== undefined ? { note } : {}) };
}

function segmentsOf(p: Planned, input: PlanInput): PlannedSegment[] {
  const out: PlannedSegment[] = [];
  const { siteAt } = p.solution;
  for (let t = 0; t < siteAt.length; t++) {
    const local = siteAt[t]!;
    if (local < 0) continue;
    const site = input.sites[p.problem.siteIndexes[local]!]!.name;
    const startMs = input.nowMs + t * input.slotMs;
    const last = out[out.length - 1];
    if (last && last.site === site && last.endMs === startMs) last.endMs = startMs + input.slotMs;
    else out.push({ site, startMs, endMs: startMs + input.slotMs });
  }
  return out;
}

/** Expected emissions of the schedule (true overheads, no hysteresis penalty), g. */
function expectedOf(p: Planned, slotMs: number): { expectedG: number; overheadG: number } {
  const { siteAt, overheadAt } = p.solution;
  const { job } = p.problem;
  let expectedG = 0;
  let overheadG = 0;
  let overheadIndex = 0;
  for (let t = 0; t < siteAt.length; t++) {
    const local = siteAt[t]!;
    if (local < 0) continue;
    const g = p.problem.intensity[local]![t]!;
    if (overheadAt[t]) {
      const ms = Math.min(slotMs, job.pauseOverheadMs - overheadIndex++ * slotMs);
      overheadG += gramsOf(job.powerW, ms, g);
    } else {
      overheadIndex = 0;
      expectedG += gramsOf(job.powerW, slotMs, g);
    }
  }
  return { expectedG: expectedG + overheadG, overheadG };
}

function actionOf(p: Planned, input: PlanInput): { action: ActionKind; site?: string } {
  const local = p.solution.siteAt[0]!;
  const job = p.problem.job;
  if (local < 0) return { action: job.phase === 'running' ? 'pause' : 'keep' };
  const site = input.sites[p.problem.siteIndexes[local]!]!.name;
  if (job.phase === 'queued') return { action: 'start', site };
  if (job.phase === 'paused') return { action: 'resume', site };
  return site === job.currentSite ? { action: 'keep', site } : { action: 'migrate', site };
}

/** First slot boundary after now where some job's planned state (site or idle) changes. */
function nextWakeOf(planned: readonly Planned[], input: PlanInput): number {
  let best = Infinity;
  for (const p of planned) {
    const { siteAt } = p.solution;
    let t = 1;
    while (t < siteAt.length && siteAt[t] === siteAt[t - 1]) t++;
    best = Math.min(best, t);
  }
  return input.nowMs + (Number.isFinite(best) ? best : 1) * input.slotMs;
}

/**
 * Plans every job of `input` with its policy. Pure: the same input gives the same plan.
 * @example plan({ nowMs, slotMs: 300_000, safetyMarginMs: 0, sites, series, jobs, policy: 'carbond' })
 *   → { decisions: [{ jobId: 'a', action: 'pause', reason: 'paused 17:30: …' }], jobs: [...], nextWakeMs }
 */
export function plan(input: PlanInput): Plan {
  // One scratch for the whole call, shared by its jobs, given back when it returns (issue 14).
  const shared: Shared = { scratch: takeScratch(), zones: new ZoneIntensity(input) };
  try {
    let pass = planInOrder(input, planningOrder(input), shared);
    // Jobs left late behind running jobs that could have yielded: plan them first, once.
    const late = new Set([...pass.byId].filter(([, p]) => p.late).map(([id]) => id));
    if (late.size > 0 && hasYieldingRuns(input)) pass = planInOrder(input, planningOrder(input, late), shared);
    return assemble(input, pass.order, pass.byId, pass.missing);
  } finally {
    giveBackScratch(shared.scratch);
  }
}

interface Pass {
  order: PlanJob[];
  byId: Map<string, Planned>;
  missing: PlanJob[];
}

/** Plans each job of `order` against the capacity the ones before it left. */
function planInOrder(input: PlanInput, order: PlanJob[], shared: Shared): Pass {
  const maxT = input.jobs.reduce((m, j) => Math.max(m, Math.min(horizonOf(input, j), Math.floor(MAX_PLAN_HORIZON_MS / input.slotMs)) + 2 * slotsFor(j.remainingWorkMs + j.pauseOverheadMs, input.slotMs)), 1);
  const capacity = new Capacity(input.sites, maxT, shared.scratch);
  const byId = new Map<string, Planned>();
  const missing: PlanJob[] = [];
  for (const job of order) {
    const p = planOne(input, job, capacity, shared);
    if (!p) {
      missing.push(job);
      continue;
    }
    byId.set(job.id, { ...p, problem: keptOf(p.problem) });
    capacity.apply(p.problem.siteIndexes, p.solution.siteAt, job.gpus, 1);
    if (job.phase === 'paused') capacity.countResumes(p.problem.siteIndexes, p.solution.siteAt);
  }
  return { order, byId, missing };
}

function assemble(input: PlanInput, order: readonly PlanJob[], byId: Map<string, Planned>, missing: readonly PlanJob[]): Plan {
  const decisions: Decision[] = [];
  const jobs: JobPlan[] = [];
  const planned: Planned[] = [];
  const siteNames = input.sites.map((s) => s.name);
  for (const job of order) {
    const p = byId.get(job.id);
    if (!p) continue;
    planned.push(p);
    const { expectedG, overheadG } = expectedOf(p, input.slotMs);
    const { action, site } = actionOf(p, input);
    const reason = reasonFor({
      problem: p.problem, solution: p.solution, action, nowMs: input.nowMs, slotMs: input.slotMs, siteNames,
      expectedG, overheadG, guarded: p.guarded, policy: input.policy,
      untilDeadlineMs: job.deadlineMs - input.safetyMarginMs - input.nowMs,
      ...(input.failOpenReason ? { failOpenReason: input.failOpenReason } : {}),
      ...(protectedSlots(input, job) > 0 ? { protectedUntilMs: protectedUntilMs(job, input.runProtection)! } : {}),
    });
    const said = p.note === undefined ? reason : `${reason}; ${p.note}`;
    decisions.push(site ? { jobId: job.id, action, site, reason: said } : { jobId: job.id, action, reason: said });
    jobs.push({ jobId: job.id, segments: segmentsOf(p, input), expectedEmissionsG: expectedG, guarded: p.guarded });
  }
  for (const job of missing) {
    // No allowed site has a signal: fail open for this job on its home site.
    const action: ActionKind = job.phase === 'running' ? 'keep' : job.phase === 'queued' ? 'start' : 'resume';
    decisions.push({ jobId: job.id, action, site: job.currentSite ?? job.homeSite, reason: `fail open: no carbon signal for any allowed site of ${job.id}; runs now` });
    jobs.push({ jobId: job.id, segments: [], expectedEmissionsG: Number.NaN, guarded: true });
  }
  return { createdAtMs: input.nowMs, policy: input.policy, decisions, jobs, nextWakeMs: nextWakeOf(planned, input) };
}
