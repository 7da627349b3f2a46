/**
 * Reconciliation on daemon start (DESIGN §7): the ledger's open runs against the
 * processes that really exist. A run whose very process (PID + start time) still lives
 * is re-adopted, never started again; one that exited while the daemon was down is
 * ended with the status its wrapper recorded; one that vanished without a status is
 * `lost` and its job resumes from its last verified checkpoint. A job in a live state
 * without any open run is set `paused`. Nothing is started here: the first tick does.
 */
import { jobAt } from './checkpoint-sites';
import { currentState, getJob, listJobsInStates, appendTransition, type JobRecord } from '../../ledger/jobs';
import { endRun, openRunOf, openRuns, setRunProcess, type RunRecord } from '../../ledger/runs';
import { isLive, isTerminal, LIVE_STATES } from '../../jobs/states';
import type { RunExit, RunHandle } from '../../executors/types';
import type { RunEndContext } from './record';
import type { JobLifecycleDeps, SiteModel } from './types';

export interface ReconcileReport {
  /** Runs whose process still lives, re-attached. */
  adopted: number[];
  /** Runs that ended while the daemon was down (status file or vanished), now recorded. */
  ended: number[];
  /** Jobs in a live state without a run, set paused. */
  orphanedJobs: string[];
}

export interface ReconcileHooks {
  adopted(run: RunRecord, handle: RunHandle): void;
  finish(job: JobRecord, runId: number, exit: RunExit, ctx: RunEndContext): Promise<void>;
  repause(job: JobRecord, run: RunRecord, handle: RunHandle, site: SiteModel): void;
  drain(job: JobRecord, handle: RunHandle, site: SiteModel): Promise<void>;
}

const REASON = 'daemon restart';

async function reconcileRun(deps: JobLifecycleDeps, run: RunRecord, nowMs: number, hooks: ReconcileHooks, report: ReconcileReport): Promise<void> {
  const job = getJob(deps.db, run.jobId)!;
  const state = currentState(deps.db, job.id)!;
  const site = deps.sites.find((s) => s.name === run.site);
  if (!site) {
    endRun(deps.db, run.id, { endedAtMs: nowMs, exitKind: 'lost', exitCode: null, exitSignal: null, lostSteps: 0 });
    if (isLive(state)) appendTransition(deps.db, job.id, 'paused', nowMs, `${REASON}: site ${run.site} is no longer configured`);
    report.ended.push(run.id);
    return;
  }
  const handle = site.executor.adopt(run, jobAt(job, site));
  // Poll first, then read: reading can take a while (checkpoints acknowledged while the daemon
  // was down are verified), and a run that writes its last steps and exits meanwhile would
  // otherwise be recorded as finished short of its final step.
  const polled = site.executor.poll(handle);
  await hooks.drain(job, handle, site);
  if (polled.state === 'exited') {
    await hooks.finish(job, run.id, polled.exit!, { pauseRequested: state === 'pausing', killedByCarbond: false, reason: `${REASON}: found ended` });
    report.ended.push(run.id);
    return;
  }
  // A run found again (in /proc by its run dir, or by a Slurm job's name) gets its identity recorded.
  if ((run.pid === null && handle.pid !== null) || (run.executorRef === null && handle.executorRef !== null)) {
    setRunProcess(deps.db, run.id, { pid: handle.pid, pidStartTicks: handle.pidStartTicks, executorRef: handle.executorRef, logPath: handle.logPath });
  }
  hooks.adopted(run, handle);
  report.adopted.push(run.id);
  deps.logger.info('re-adopted a live run', { component: 'jobs', jobId: job.id, runId: run.id, pid: run.pid, state });
  if (isTerminal(state)) {
    // A cancel was recorded but the kill did not finish: finish it.
    const exit = await site.executor.kill(handle);
    await hooks.finish(job, run.id, exit, { pauseRequested: false, killedByCarbond: true, nextState: state, reason: `${REASON}: completing the cancel` });
  } else if (state === 'pausing') {
    hooks.repause(job, run, handle, site);
  } else if (!isLive(state)) {
    // The daemon died between opening the run and recording the transition.
    appendTransition(deps.db, job.id, polled.state === 'stopped' ? 'suspended' : 'running', nowMs, `${REASON}: re-adopted run ${run.id}`);
  } else if (state === 'running' && polled.state === 'stopped') {
    appendTransition(deps.db, job.id, 'suspended', nowMs, `${REASON}: run ${run.id} found stopped`);
  }
}

export async function reconcile(deps: JobLifecycleDeps, nowMs: number, hooks: ReconcileHooks): Promise<ReconcileReport> {
  const report: ReconcileReport = { adopted: [], ended: [], orphanedJobs: [] };
  for (const run of openRuns(deps.db)) await reconcileRun(deps, run, nowMs, hooks, report);
  for (const { job } of listJobsInStates(deps.db, LIVE_STATES)) {
    if (!openRunOf(deps.db, job.id)) {
      appendTransition(deps.db, job.id, 'paused', nowMs, `${REASON}: no run found`);
      report.orphanedJobs.push(job.id);
    }
  }
  return report;
}
