/**
 * Checkpoint retention (DESIGN §4): after a pause — the job is not running, so nothing is
 * being written — keep the newest `keep` verified checkpoints (and anything newer, e.g. a
 * corrupt one kept for inspection), delete older ones and interrupted writes, and mark the
 * deleted ones `pruned` in the ledger.
 */
import * as path from 'node:path';
import { createFsCheckpointStore } from '../../../checkpoints/fs-store';
import type { Clock } from '../../core/clock';
import type { Logger } from '../../core/logger';
import type { Db } from '../../ledger/db';
import { checkpointsOf, markCheckpointsPruned } from '../../ledger/checkpoints';
import type { JobRecord } from '../../ledger/jobs';

/** Returns the directories removed. Failures are logged, never thrown (retention must not fail a pause). */
export async function retainCheckpoints(db: Db, job: JobRecord, keep: number, clock: Clock, logger: Logger): Promise<string[]> {
  try {
    const store = createFsCheckpointStore({ root: job.checkpointDir, jobId: job.id, clock });
    const { removed } = await store.prune(keep);
    await store.removeTemporaries();
    const gone = new Set(removed.map((p) => path.resolve(p)));
    markCheckpointsPruned(db, checkpointsOf(db, job.id).filter((c) => c.status === 'verified' && gone.has(path.resolve(c.path))).map((c) => c.id));
    if (removed.length > 0) logger.info('pruned old checkpoints', { jobId: job.id, removed: removed.length, keep });
    return removed;
  } catch (err) {
    logger.warn('checkpoint retention failed', { jobId: job.id, err });
    return [];
  }
}
