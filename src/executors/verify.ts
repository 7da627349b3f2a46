/**
 * Checkpoint verification for executors, through the checkpoint store (DESIGN §4):
 * the acknowledged directory must lie inside the job's checkpoint directory; a missing
 * manifest is written from the files present (the store's `writeManifestFor`), then
 * every file's bytes and sha256 are checked.
 */
import * as path from 'node:path';
import { createFsCheckpointStore } from '../../checkpoints/fs-store';
import type { Clock } from '../core/clock';
import { CheckpointError } from '../core/errors';
import type { VerifyCheckpoint } from './types';

/** A `VerifyCheckpoint` backed by the filesystem checkpoint store. */
export function storeVerifier(clock: Clock): VerifyCheckpoint {
  return async (ack, job) => {
    const root = path.resolve(job.checkpointDir);
    const dir = path.resolve(root, ack.path);
    if (dir === root || !dir.startsWith(root + path.sep)) {
      throw new CheckpointError(`checkpoint ${dir} is outside the job's checkpoint directory ${root}`, dir, job.id);
    }
    const store = createFsCheckpointStore({ root, jobId: job.id, clock });
    const result = await store.writeManifestFor(dir, ack.step);
    if (!result.ok) throw result.failure.error;
    return { path: result.checkpoint.path, step: result.checkpoint.step, bytes: result.checkpoint.bytes };
  };
}
