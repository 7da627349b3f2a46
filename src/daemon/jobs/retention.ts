/**
 * Checkpoint retention (DESIGN §4): after a pause — the job is not running, so nothing is
 * being written — keep the newest `keep` verified checkpoints (and anything newer, e.g. a
 * corrupt one kept for inspection), delete older ones and interrupted writes, and mark the
 * deleted ones `pruned` in the ledger.
 */
import * as path from 'node:path';
import type { Clock } from '../../core/clock';
import type { Logger } from '../../core/logger';
import type { Db } from '../../ledger/db';
import { checkpointsOf, markCheckpointsPruned } from '../../ledger/checkpoints';
import type { JobRecord } from '../../ledger/jobs';
import { checkpointWork } from '../../executors/as-user';

/**
 * Returns the directories removed. Failures are logged, never thrown (retention must not fail
 * a pause). With `stateDir`, a user's checkpoints are pruned with that user's rights (ADR 0012).
 */
export async function retainCheckpoints(db: Db, job: JobRecord, keep: number, clock: Clock, logger: Logger, stateDir?: string | readonly string[]): Promise<string[]> {
  try {
    const answer = await checkpointWork(stateDir, { op: 'retain', root: job.checkpointDir, jobId: job.id, keep, nowMs: clock.now() });
    if (!answer.ok) throw new Error(answer.message);
    const removed = 'removed' in answer ? answer.removed : [];
    const gone = new Set(removed.map((p) => path.resolve(p)));
    markCheckpointsPruned(db, checkpointsOf(db, job.id).filter((c) => c.status === 'verified' && gone.has(path.resolve(c.path))).map((c) => c.id));
    if (removed.length > 0) logger.info('pruned old checkpoints', { jobId: job.id, removed: removed.length, keep });
    return removed;
  } catch (err) {
    logger.warn('checkpoint retention failed', { jobId: job.id, err });
    return [];
  }
}
