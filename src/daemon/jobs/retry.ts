/**
 * The retry policy (`--retries N`, job spec `retries`): a run that exits non-zero on its own
 * (`failed`) leaves its job `paused` while retries are left; the retry is a new run that
 * resumes from the last verified checkpoint, no earlier than a backoff after the failure —
 * 1 min, doubling each retry, at most 30 min — so a crash that recurs at once (a bad node, a
 * full disk) does not spin. After the last retry the job is `failed`. A run carbond killed,
 * paused or lost is not a failure and uses no retry.
 */
import type { Db } from '../../ledger/db';
import { runsOf } from '../../ledger/runs';

export interface RetryBackoff {
  /** Wait before the first retry, ms. */
  firstMs: number;
  /** Longest wait, ms. */
  maxMs: number;
}

export const DEFAULT_RETRY_BACKOFF: RetryBackoff = { firstMs: 60_000, maxMs: 30 * 60_000 };

/**
 * The wait before retry number `attempt` (1 = the first), ms: firstMs × 2^(attempt − 1), capped.
 * @example retryDelayMs(1) === 60_000; retryDelayMs(3) === 240_000; retryDelayMs(6) === 1_800_000 (capped)
 */
export function retryDelayMs(attempt: number, backoff: RetryBackoff = DEFAULT_RETRY_BACKOFF): number {
  return Math.min(backoff.maxMs, backoff.firstMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
}

/** How many of the job's runs failed on their own: the retries used so far, plus one for the first failure. */
export function failedRunsOf(db: Db, jobId: string): number {
  return runsOf(db, jobId).filter((r) => r.exitKind === 'failed').length;
}

/**
 * When the job may be started again, UTC ms: its newest run failed → that run's end + the
 * backoff of this retry; otherwise undefined (no wait).
 */
export function retryDueAtMs(db: Db, jobId: string, backoff: RetryBackoff = DEFAULT_RETRY_BACKOFF): number | undefined {
  const runs = runsOf(db, jobId);
  const newest = runs.at(-1);
  if (newest?.exitKind !== 'failed' || newest.endedAtMs === null) return undefined;
  return newest.endedAtMs + retryDelayMs(runs.filter((r) => r.exitKind === 'failed').length, backoff);
}
