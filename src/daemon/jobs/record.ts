/**
 * Recording what runs report: events (progress, checkpoints, verified on arrival) and
 * how runs end (classification, lost steps, the job's transition). Ledger writes only.
 */
import type { Logger } from '../../core/logger';
import type { Db } from '../../ledger/db';
import { checkpointsOf, lastVerifiedCheckpoint, recordCheckpoint } from '../../ledger/checkpoints';
import { appendTransition, currentState, setTotalSteps, type JobRecord } from '../../ledger/jobs';
import { endRun, getRun, recordProgress, type RunExitKind, type RunRecord } from '../../ledger/runs';
import { classifyExit, type AckedCheckpoint, type RunExecutor, type RunExit, type RunHandle, type VerifyCheckpoint } from '../../executors/types';
import { canTransition, type JobState } from '../../jobs/states';

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
        const v = await verify(e, job);
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

/** How the job's state follows from how its run ended: stopped-but-resumable runs leave it paused. */
const NEXT_STATE: Record<RunExitKind, JobState> = { finished: 'finished', failed: 'failed', paused: 'paused', killed: 'paused', lost: 'paused' };

export interface RunEndContext {
  pauseRequested: boolean;
  killedByCarbond: boolean;
  /** Whether a verified checkpoint newer than the pause request exists; default: one of this run at its last step. */
  newVerifiedCheckpoint?: boolean;
  /** Overrides the job's next state (cancel). */
  nextState?: JobState;
  reason: string;
}

/**
 * Ends a run and moves its job on. Lost steps = the run's last reported step − the step of
 * the checkpoint it will resume from (e.g. last step 55, last verified checkpoint 40 → 15).
 * Returns the exit kind, or undefined when the run had already been ended (idempotent).
 */
export function finishRun(db: Db, logger: Logger, job: JobRecord, runId: number, exit: RunExit, ctx: RunEndContext, nowMs: number): RunExitKind | undefined {
  const run = getRun(db, runId) as RunRecord;
  const lastStep = run.lastStep ?? run.startStep;
  const resumeFrom = lastVerifiedCheckpoint(db, job.id);
  const newVerified = ctx.newVerifiedCheckpoint ?? (resumeFrom !== undefined && resumeFrom.runId === runId && resumeFrom.step >= lastStep);
  const kind = classifyExit(exit, { pauseRequested: ctx.pauseRequested, killedByCarbond: ctx.killedByCarbond, newVerifiedCheckpoint: newVerified });
  const lostSteps = kind === 'finished' ? 0 : Math.max(0, lastStep - (resumeFrom?.step ?? 0));
  const ended = endRun(db, runId, { endedAtMs: nowMs, exitKind: kind, exitCode: exit.code, exitSignal: exit.signal, lostSteps });
  if (!ended) return undefined;
  const next = ctx.nextState ?? NEXT_STATE[kind];
  const state = currentState(db, job.id);
  const why = `${ctx.reason}: run ${runId} ${kind}${exit.code !== null ? ` (exit ${exit.code})` : ''}${exit.signal ? ` (${exit.signal})` : ''}${lostSteps > 0 ? `, ${lostSteps} steps lost, resumes from step ${resumeFrom?.step ?? 0}` : ''}`;
  // A run that ends while its job is not live (queued/paused: the daemon died between opening
  // the run and recording the start) leaves the job where it is.
  if (state !== next && canTransition(state, next)) appendTransition(db, job.id, next, nowMs, why);
  (lostSteps > 0 || kind === 'failed' || kind === 'lost' ? logger.warn : logger.info).call(logger, 'run ended', { jobId: job.id, runId, kind, lostSteps, code: exit.code, signal: exit.signal });
  return kind;
}
