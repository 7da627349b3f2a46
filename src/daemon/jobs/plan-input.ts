/**
 * DESIGN §3 step 4: jobs, runs, progress and checkpoints from the ledger → the planner's
 * `PlanInput`. Terminal jobs are left out; `pausing` counts as running (it holds its site).
 */
import type { Db } from '../../ledger/db';
import { currentStates, listJobs, type JobRecord } from '../../ledger/jobs';
import { lastStepOfJob, openRunOf, progressOfJob, runsOf } from '../../ledger/runs';
import { msPerStepObserved, remainingWorkMs } from '../../jobs/remaining';
import { isTerminal, type JobState } from '../../jobs/states';
import type { JobPhase, PlanInput, PlanJob, PolicyName } from '../../../scheduler/types';
import type { PlanSignal, SiteModel } from './types';

const PHASE: Record<JobState, JobPhase | undefined> = {
  queued: 'queued', running: 'running', pausing: 'running', suspended: 'paused', paused: 'paused',
  finished: undefined, failed: undefined, cancelled: undefined,
};

export interface PlanInputOptions {
  nowMs: number;
  slotMs: number;
  safetyMarginMs: number;
  policy: PolicyName;
  sites: readonly SiteModel[];
  signal: PlanSignal;
}

/** One unfinished job as the planner sees it. */
export function planJobOf(db: Db, job: JobRecord, state: JobState, sites: readonly SiteModel[]): PlanJob {
  const open = openRunOf(db, job.id);
  const runs = open ? [open] : runsOf(db, job.id);
  const currentSite = open?.site ?? runs[runs.length - 1]?.site;
  const site = sites.find((s) => s.name === (currentSite ?? job.homeSite)) ?? sites.find((s) => job.sites.includes(s.name));
  const msPerStep = msPerStepObserved(progressOfJob(db, job.id));
  const planJob: PlanJob = {
    id: job.id, phase: PHASE[state]!, submittedAtMs: job.submittedAtMs, deadlineMs: job.deadlineMs,
    remainingWorkMs: remainingWorkMs({ estimateMs: job.estimateMs, totalSteps: job.totalSteps, doneSteps: lastStepOfJob(db, job.id), ...(msPerStep === undefined ? {} : { msPerStep }) }),
    powerW: job.powerW ?? site?.jobPowerW(job.gpus) ?? 0, gpus: job.gpus, sites: job.sites, homeSite: job.homeSite,
    pauseOverheadMs: job.pauseOverheadMs,
  };
  if (currentSite !== undefined) planJob.currentSite = currentSite;
  if (job.manualOverride) planJob.manualOverride = job.manualOverride;
  if (job.mode === 'suspend' && site) planJob.pausedPowerW = site.suspendedPowerW(job.gpus);
  return planJob;
}

export function buildPlanInput(db: Db, o: PlanInputOptions): PlanInput {
  const states = currentStates(db);
  const jobs: PlanJob[] = [];
  for (const job of listJobs(db)) {
    const state = states.get(job.id);
    if (!state || isTerminal(state)) continue;
    jobs.push(planJobOf(db, job, state, o.sites));
  }
  const input: PlanInput = {
    nowMs: o.nowMs, slotMs: o.slotMs, safetyMarginMs: o.safetyMarginMs, policy: o.policy,
    sites: o.sites.map((s) => (s.maxJobs === undefined ? { name: s.name, zone: s.zone, gpus: s.gpus } : { name: s.name, zone: s.zone, gpus: s.gpus, maxJobs: s.maxJobs })),
    series: o.signal.series, jobs,
  };
  return o.signal.failOpenReason === undefined ? input : { ...input, failOpenReason: o.signal.failOpenReason };
}
