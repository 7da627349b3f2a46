/**
 * Deadlines met and missed, as `carbond list`/`show` judge them (`lateByMsOf` in
 * src/daemon/jobs/views.ts): a finished job is late by finish − deadline (its finish is the
 * end of its last run, when the ledger records its `→ finished`); a job still going is late
 * by now − deadline once that is past; failed and cancelled jobs are not judged.
 */
import type { JobAccount } from '../accounting/job';
import { isTerminal } from '../jobs/states';

/** `met`, `missed`, `open` (not finished, deadline still ahead) or `not-judged` (failed, cancelled). */
export type DeadlineOutcome = 'met' | 'missed' | 'open' | 'not-judged';

/**
 * A job's deadline outcome and how late it is (ms, null when not late).
 * @example deadline 06:00, finished 07:37 → { outcome: 'missed', lateByMs: 5_820_000 }
 */
export function deadlineOf(a: Pick<JobAccount, 'state' | 'finishedAtMs'> & { job: { deadlineMs: number } }, nowMs: number): { outcome: DeadlineOutcome; lateByMs: number | null } {
  const deadlineMs = a.job.deadlineMs;
  if (a.state === 'finished') {
    const end = a.finishedAtMs ?? nowMs;
    return end > deadlineMs ? { outcome: 'missed', lateByMs: end - deadlineMs } : { outcome: 'met', lateByMs: null };
  }
  if (isTerminal(a.state)) return { outcome: 'not-judged', lateByMs: null };
  return nowMs > deadlineMs ? { outcome: 'missed', lateByMs: nowMs - deadlineMs } : { outcome: 'open', lateByMs: null };
}

/** Jobs whose deadline was missed, for the summary. */
export interface MissedDeadline { id: string; name: string; deadline: string; lateByMs: number; finished: boolean }

/** Counts of every outcome, and the missed jobs, latest first. */
export interface DeadlineSummary {
  met: number;
  missed: number;
  open: number;
  notJudged: number;
  /** Jobs judged: met + missed. */
  judged: number;
  missedJobs: MissedDeadline[];
}
