/**
 * Recording what runs report: events (progress, checkpoints, verified on arrival) and
 * how runs end (classification, lost steps, the job's transition). Ledger writes only.
 */
import type { Logger } from '../../core/logger';
import type { Db } from '../../ledger/db';
import { checkpointsOf, lastVerifiedCheckpoint, recordCheckpoint } from '../../ledger/checkpoints';
import { appendTransition, currentState, getJob, setTotalSteps, type JobRecord } from '../../ledger/jobs';
import { endRun, getRun, recordProgress, runsOf, setLostSteps, type RunExitKind, type RunRecord } from '../../ledger/runs';
import { classifyExit, type AckedCheckpoint, type RunExecutor, type RunExit, type RunHandle, type VerifyCheckpoint } from '../../executors/types';
import { canTransition, type JobState } from '../../jobs/states';
import { formatDurationMs } from '../../core/units';
import { failedRunsOf, retryDelayMs, type RetryBackoff } from './retry';

/** Reads a run's new events from `offset`, records them, returns the next offset. */
export async function drainEvents(db: Db, job: JobRecord, handle: RunHandle, executor: RunExecutor, offset: number, verify: VerifyCheckpoint, nowMs: number): Promise<number> {
  const { events, nextOffset } = executor.events(handle, offset);
  const known = new Set(checkpointsOf(db, job.id).map((c) => c.path));
  for (const e of events) {
    if (e.event === 'progress') {
      recordProgress(db, handle.runId, nowMs, e.step, e.totalSteps ?? null);
      if (e.totalSteps !== undefined) setTotalSteps(db, job.id, e.totalSteps);
    } else if (!known.has(e.path)) {
      known.add(e.path);
      let ack: AckedCheckpoint;
      try {
        // Within the checkpoint dir the run was given (the job's dir at the run's site: ./checkpoint-sites).
        const v = await verify(e, { id: job.id, checkpointDir: handle.checkpointDir });
        ack = { path: e.path, step: v.step, bytes: v.bytes, verified: true };
      } catch (err) {
        ack = { path: e.path, step: e.step, bytes: 0, verified: false, error: (err as Error).message };
      }
      recordAck(db, job.id, handle.runId, ack, nowMs);
    }
  }
  return nextOffset;
}

/** Records an acknowledged checkpoint as verified or corrupt (with its error). */
export function recordAck(db: Db, jobId: string, runId: number, ack: AckedCheckpoint, nowMs: number): void {
  recordCheckpoint(db, { jobId, runId, path: ack.path, step: ack.step, createdAtMs: nowMs, bytes: ack.bytes,
    status: ack.verified ? 'verified' : 'corrupt', error: ack.verified ? null : (ack.error ?? 'verification failed') });
}

/** How the job's state follows from how its run ended: stopped-but-resumable runs leave it paused (a failure too, while retries are left). */
const NEXT_STATE: Record<RunExitKind, JobState> = { finished: 'finished', failed: 'failed', paused: 'paused', killed: 'paused', lost: 'paused' };

export interface RunEndContext {
  pauseRequested: boolean;
  killedByCarbond: boolean;
  /** Whether a verified checkpoint newer than the pause request exists; default: one of this run at its last step. */
  newVerifiedCheckpoint?: boolean;
  /** Overrides the job's next state (cancel). */
  nextState?: JobState;
  reason: string;
  /** The retry backoff in force (default `DEFAULT_RETRY_BACKOFF`), for the reason's "retry 1 of 2 in 1m". */
  retryBackoff?: RetryBackoff;
  /**
   * The state dir's disk was full or read-only when the run ended (../disk/health): a run that
   * failed or was lost then is the disk's doing, so its job is paused, not failed, and
   * resumes from its last verified checkpoint once there is room.
   */
  diskProblem?: string;
}

/**
 * Ends a run and moves its job on, in one transaction (a daemon killed in between must not
 * leave a finished run whose job still looks live: it would be resumed and run again). Lost
 * steps = the run's last reported step − the step of the checkpoint it will resume from
 * (e.g. last step 55, last verified checkpoint 40 → 15). A failed run with retries left
 * leaves the job paused (see ./retry). Returns the exit kind, or undefined when the run had
 * already been ended (idempotent).
 */
export function finishRun(db: Db, logger: Logger, job: JobRecord, runId: number, exit: RunExit, ctx: RunEndContext, nowMs: number): RunExitKind | undefined {
  const run = getRun(db, runId) as RunRecord;
  const lastStep = run.lastStep ?? run.startStep;
  const resumeFrom = lastVerifiedCheckpoint(db, job.id);
  const newVerified = ctx.newVerifiedCheckpoint ?? (resumeFrom !== undefined && resumeFrom.runId === runId && resumeFrom.step >= lastStep);
  // The ledger's copy: the total may have been learnt from this very run's events, and the caller's may be old.
  const fresh = getJob(db, job.id) ?? job;
  const kind = classifyExit(exit, { pauseRequested: ctx.pauseRequested, killedByCarbond: ctx.killedByCarbond, newVerifiedCheckpoint: newVerified,
    reachedTotalSteps: fresh.totalSteps !== null && lastStep >= fresh.totalSteps });
  const lostSteps = kind === 'finished' ? 0 : Math.max(0, lastStep - (resumeFrom?.step ?? 0));
  const ended = db.transaction((): boolean => {
    if (!endRun(db, runId, { endedAtMs: nowMs, exitKind: kind, exitCode: exit.code, exitSignal: exit.signal, lostSteps })) return false;
    const byDisk = ctx.diskProblem !== undefined && ctx.nextState === undefined && (kind === 'failed' || kind === 'lost');
    const retry = kind === 'failed' && ctx.nextState === undefined && !byDisk ? retryOf(db, fresh, ctx.retryBackoff) : undefined;
    const next = ctx.nextState ?? (byDisk || retry?.left ? 'paused' : NEXT_STATE[kind]);
    const state = currentState(db, job.id);
    const disk = byDisk ? ` while ${ctx.diskProblem}; waits for room, then resumes from step ${resumeFrom?.step ?? 0}` : '';
    const why = `${ctx.reason}: run ${runId} ${kind}${exit.code !== null ? ` (exit ${exit.code})` : ''}${exit.signal ? ` (${exit.signal})` : ''}${disk || whatNext(next, lostSteps, resumeFrom?.step ?? null, retry)}`;
    // A run that ends while its job is not live (queued/paused: the daemon died between opening
    // the run and recording the start) leaves the job where it is.
    if (state !== next && canTransition(state, next)) appendTransition(db, job.id, next, nowMs, why);
    return true;
  })();
  if (!ended) return undefined;
  (lostSteps > 0 || kind === 'failed' || kind === 'lost' ? logger.warn : logger.info).call(logger, 'run ended', { jobId: job.id, runId, kind, lostSteps, code: exit.code, signal: exit.signal });
  return kind;
}

/** Where a failed run leaves its job's retries: the one to come (1-based) of how many, and the wait. */
interface RetryOutlook { left: boolean; attempt: number; allowed: number; delayMs: number }

function retryOf(db: Db, job: JobRecord, backoff: RetryBackoff | undefined): RetryOutlook {
  const allowed = job.retries ?? 0;
  const attempt = failedRunsOf(db, job.id); // this run's failure included: the retry it would need
  return { left: attempt <= allowed, attempt, allowed, delayMs: retryDelayMs(attempt, backoff) };
}

/**
 * The end of a transition's reason: what was lost and what comes next. Only a job that will
 * run again says where it resumes; a failed or cancelled one does not.
 * @example ', 15 steps lost, resumes from step 40' · ', 400 steps lost; retry 1 of 2 in 1m, from step 600'
 *          · '; no retries left (2 of 2 used); its last verified checkpoint is step 600'
 */
function whatNext(next: JobState, lostSteps: number, checkpointStep: number | null, retry: RetryOutlook | undefined): string {
  const lost = lostSteps > 0 ? `, ${lostSteps} steps lost` : '';
  if (retry?.left) return `${lost}; retry ${retry.attempt} of ${retry.allowed} in ${formatDurationMs(retry.delayMs)}, from step ${checkpointStep ?? 0}`;
  if (retry) {
    const used = retry.allowed === 0 ? 'no retries (--retries 0)' : `no retries left (${retry.allowed} of ${retry.allowed} used)`;
    return `; ${used}; ${checkpointStep === null ? 'it has no verified checkpoint' : `its last verified checkpoint is step ${checkpointStep}`}`;
  }
  return next === 'paused' && lostSteps > 0 ? `${lost}, resumes from step ${checkpointStep ?? 0}` : lost;
}

/**
 * Lost steps are counted against the checkpoint the job really resumes from, known only at
 * the resume (one that no longer verifies is skipped for an older one): corrects the job's
 * previous run. E.g. killed at step 1560 with checkpoints 600 and 1200, 1200 found corrupt
 * before the resume → lost 960, not 360.
 */
export function settleLostSteps(db: Db, jobId: string, resumeStep: number): void {
  const previous = runsOf(db, jobId).at(-1);
  if (!previous || previous.endedAtMs === null || previous.exitKind === 'finished') return;
  const lost = Math.max(0, (previous.lastStep ?? previous.startStep) - resumeStep);
  if (lost !== previous.lostSteps) setLostSteps(db, previous.id, lost);
}
