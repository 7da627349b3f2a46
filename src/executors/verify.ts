/**
 * Checkpoint verification for executors, through the checkpoint store (DESIGN §4):
 * the acknowledged directory must lie inside the job's checkpoint directory; a missing
 * manifest is written from the files present (the store's `writeManifestFor`), then
 * every file's bytes and sha256 are checked. Given the state dir, a checkpoint in a user's
 * area is verified with that user's rights (`as-user.ts`, ADR 0012).
 */
import * as path from 'node:path';
import type { Clock } from '../core/clock';
import { CheckpointError } from '../core/errors';
import { checkpointWork } from './as-user';
import type { VerifyCheckpoint } from './types';

/**
 * A `VerifyCheckpoint` backed by the filesystem checkpoint store; as the directory's owner when
 * `stateDir` is given (or a list: the state dir and the sites' checkpoint roots).
 */
export function storeVerifier(clock: Clock, stateDir?: string | readonly string[]): VerifyCheckpoint {
  return async (ack, job) => {
    const root = path.resolve(job.checkpointDir);
    const dir = path.resolve(root, ack.path);
    if (dir === root || !dir.startsWith(root + path.sep)) {
      throw new CheckpointError(`checkpoint ${dir} is outside the job's checkpoint directory ${root}`, dir, job.id);
    }
    const answer = await checkpointWork(stateDir, { op: 'verify', root, jobId: job.id, dir, step: ack.step, nowMs: clock.now() });
    if (!answer.ok) throw new CheckpointError(answer.message, dir, job.id);
    if (!('step' in answer)) throw new CheckpointError(`checkpoint ${dir}: the worker gave no verification`, dir, job.id);
    return { path: answer.path, step: answer.step, bytes: answer.bytes };
  };
}
