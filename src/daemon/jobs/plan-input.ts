/**
 * DESIGN §3 step 4: jobs, runs, progress and checkpoints from the ledger → the planner's
 * `PlanInput`. Terminal jobs are left out; `pausing` counts as running (it holds its site).
 * A running job carries what the planner's run protection and pause choice need: when its
 * run started, its first progress event, and its work since the newest verified checkpoint.
 * Rows are read for all jobs at once (`planJobRows`), not one query per job and table, and
 * only for the open jobs (`listOpenJobs`, on the ledger's state index): a tick's cost follows
 * the jobs in play, not the finished history.
 */
import type { Db } from '../../ledger/db';
import { listOpenJobs, type JobRecord } from '../../ledger/jobs';
import { currentStepOfJob, planJobRows, type PlanJobRows, type PlanRunRow } from '../../ledger/runs';
import { msPerStepObserved, remainingWorkMs } from '../../jobs/remaining';
import type { JobState } from '../../jobs/states';
import type { JobPhase, PlanInput, PlanJob, PolicyName } from '../../../scheduler/types';
import { attachMoveCosts, sitesDifferInStorage } from './move-cost';
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

/**
 * The run fields of a running job: its start, its first progress event, and the running time
 * since the newest verified checkpoint it wrote (since its start when it wrote none).
 * @example started 10:00, checkpoint verified at 10:20, now 10:27 → unsavedWorkMs 7 min
 */
function runFieldsOf(rows: PlanJobRows, run: PlanRunRow, nowMs: number): Pick<PlanJob, 'runStartedAtMs' | 'firstProgressAtMs' | 'unsavedWorkMs'> {
  const first = rows.progressEnds.find((p) => p.runId === run.id);
  const ckpt = rows.lastVerified;
  const savedAtMs = ckpt && ckpt.runId === run.id ? Math.max(run.startedAtMs, ckpt.createdAtMs) : run.startedAtMs;
  return { runStartedAtMs: run.startedAtMs, ...(first ? { firstProgressAtMs: first.atMs } : {}), unsavedWorkMs: Math.max(0, nowMs - savedAtMs) };
}

/** One unfinished job as the planner sees it at `nowMs`, from its ledger rows (`planJobRows`) and its current step. */
export function planJobOf(rows: PlanJobRows, job: JobRecord, state: JobState, sites: readonly SiteModel[], nowMs: number, doneSteps: number): PlanJob {
  const open = rows.runs.filter((r) => r.endedAtMs === null).pop();
  const currentSite = open?.site ?? rows.runs[rows.runs.length - 1]?.site;
  const site = sites.find((s) => s.name === (currentSite ?? job.homeSite)) ?? sites.find((s) => job.sites.includes(s.name));
  const msPerStep = msPerStepObserved(rows.progressEnds);
  const planJob: PlanJob = {
    id: job.id, phase: PHASE[state]!, submittedAtMs: job.submittedAtMs, deadlineMs: job.deadlineMs,
    remainingWorkMs: remainingWorkMs({ estimateMs: job.estimateMs, totalSteps: job.totalSteps, doneSteps, ...(msPerStep === undefined ? {} : { msPerStep }) }),
    powerW: job.powerW ?? site?.jobPowerW(job.gpus) ?? 0, gpus: job.gpus, sites: job.sites, homeSite: job.homeSite,
    pauseOverheadMs: job.pauseOverheadMs,
  };
  if (currentSite !== undefined) planJob.currentSite = currentSite;
  if (job.manualOverride) planJob.manualOverride = job.manualOverride;
  if (job.mode === 'suspend' && site) planJob.pausedPowerW = site.suspendedPowerW(job.gpus);
  return open && planJob.phase === 'running' ? { ...planJob, ...runFieldsOf(rows, open, nowMs) } : planJob;
}

export function buildPlanInput(db: Db, o: PlanInputOptions): PlanInput {
  const unfinished = listOpenJobs(db);
  const rows = planJobRows(db, unfinished.map(({ job }) => job.id));
  const jobs = unfinished.map(({ job, state }) => {
    const mine = rows.get(job.id)!;
    // A job that never ran and has no checkpoint is at step 0 (the burst's queued jobs: no query each).
    const doneSteps = mine.runs.length === 0 && mine.lastVerified === undefined ? 0 : currentStepOfJob(db, job.id);
    return planJobOf(mine, job, state, o.sites, o.nowMs, doneSteps);
  });
  if (sitesDifferInStorage(o.sites)) attachMoveCosts(db, jobs, new Map(unfinished.map(({ job }) => [job.id, job])), o.sites, o.nowMs);
  const input: PlanInput = {
    nowMs: o.nowMs, slotMs: o.slotMs, safetyMarginMs: o.safetyMarginMs, policy: o.policy,
    sites: o.sites.map((s) => (s.maxJobs === undefined ? { name: s.name, zone: s.zone, gpus: s.gpus } : { name: s.name, zone: s.zone, gpus: s.gpus, maxJobs: s.maxJobs })),
    series: o.signal.series, jobs,
  };
  return o.signal.failOpenReason === undefined ? input : { ...input, failOpenReason: o.signal.failOpenReason };
}
