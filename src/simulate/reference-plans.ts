/**
 * Reference schedulers for the benchmark, as plan sources the daemon's lifecycle can use
 * like the real one: "re-plans hourly" (plans on multiples of `everyMs` or when a job it has
 * not planned appears, and follows its last plan between) and CATS-style "window" (each job
 * keeps the plan made when it was first seen). Between plans they follow the last plan's
 * segments: run what has a segment now, pause what has none but has one later.
 */
import type { Decision, Plan, PlanInput, PlanJob } from '../../scheduler';
import type { PlanSource } from '../daemon/jobs/types';

type JobPlan = Plan['jobs'][number];

/** The decision that follows `jp` for job `j` at `nowMs`. */
function follow(j: PlanJob, jp: JobPlan | undefined, nowMs: number): Decision {
  const seg = jp?.segments.find((g) => g.startMs <= nowMs && nowMs < g.endMs);
  const reason = 'following the last plan';
  if (seg) {
    const action = j.phase === 'queued' ? 'start' : j.phase === 'paused' ? 'resume' : j.currentSite === seg.site ? 'keep' : 'migrate';
    return { jobId: j.id, action, site: seg.site, reason };
  }
  // Past its last planned slot (the work took longer than planned): keep running.
  const later = jp?.segments.some((g) => g.endMs > nowMs) ?? false;
  return { jobId: j.id, action: j.phase === 'running' && later ? 'pause' : 'keep', reason };
}

/** The next start or end of a planned segment after `nowMs`. */
function nextSwitchMs(jobs: Iterable<JobPlan>, nowMs: number): number {
  let next = Infinity;
  for (const j of jobs) {
    for (const g of j.segments) {
      if (g.startMs > nowMs) next = Math.min(next, g.startMs);
      if (g.endMs > nowMs) next = Math.min(next, g.endMs);
    }
  }
  return next;
}

function followPlan(input: PlanInput, plans: ReadonlyMap<string, JobPlan>, nextWakeMs: number): Plan {
  return {
    createdAtMs: input.nowMs, policy: input.policy, jobs: [...plans.values()],
    decisions: input.jobs.map((j) => follow(j, plans.get(j.id), input.nowMs)),
    nextWakeMs: Math.min(nextWakeMs, nextSwitchMs(plans.values(), input.nowMs)),
  };
}

/** Plans on multiples of `everyMs` (and when an unplanned job appears); follows the last plan between. */
export function replanningEvery(inner: PlanSource, everyMs: number): PlanSource {
  let last: Plan | undefined;
  return (input) => {
    const known = new Set(last?.jobs.map((j) => j.jobId));
    if (!last || input.nowMs % everyMs === 0 || input.jobs.some((j) => !known.has(j.id))) {
      last = inner(input);
      return { ...last, nextWakeMs: Math.min(last.nextWakeMs, (Math.floor(input.nowMs / everyMs) + 1) * everyMs) };
    }
    return followPlan(input, new Map(last.jobs.map((j) => [j.jobId, j])), (Math.floor(input.nowMs / everyMs) + 1) * everyMs);
  };
}

/** Each job keeps the plan of the first call that saw it (a start time chosen at submission). */
export function committedAtSubmission(inner: PlanSource): PlanSource {
  const committed = new Map<string, JobPlan>();
  return (input) => {
    if (input.jobs.some((j) => !committed.has(j.id))) {
      for (const j of inner(input).jobs) if (!committed.has(j.jobId)) committed.set(j.jobId, j);
    }
    const open = new Set(input.jobs.map((j) => j.id));
    for (const id of committed.keys()) if (!open.has(id)) committed.delete(id);
    return followPlan(input, committed, Infinity);
  };
}
