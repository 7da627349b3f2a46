/**
 * The default `PlanSource` until the lead wires the scheduler and the carbon signal: run
 * every job now on its current or home site (the `baseline` behaviour), honouring manual
 * overrides. Pure, same contract as `scheduler/plan`.
 */
import type { Decision, Plan, PlanInput } from '../../../scheduler/types';

export function runEverything(input: PlanInput): Plan {
  const decisions: Decision[] = input.jobs.map((job): Decision => {
    const site = job.currentSite ?? job.homeSite;
    if (job.manualOverride === 'pause') {
      return job.phase === 'running' ? { jobId: job.id, action: 'pause', reason: 'paused by its owner (manual override)' } : { jobId: job.id, action: 'keep', reason: 'held by its owner (manual override)' };
    }
    if (job.phase === 'queued') return { jobId: job.id, action: 'start', site, reason: 'run-everything: start now' };
    if (job.phase === 'paused') return { jobId: job.id, action: 'resume', site, reason: 'run-everything: resume now' };
    return { jobId: job.id, action: 'keep', reason: 'run-everything: keep running' };
  });
  return { createdAtMs: input.nowMs, policy: input.policy, decisions, jobs: [], nextWakeMs: input.nowMs + input.slotMs };
}
