/**
 * The checkpoint work a root daemon must not do with root's rights (ADR 0012): verifying an
 * acknowledged checkpoint (writing its manifest when the job wrote none) and pruning old
 * ones, in a user's directory. `as-user.ts` runs this file as the job's owner:
 * `setpriv --reuid U --regid G --init-groups -- node checkpoint-worker.js`, one JSON request on
 * stdin, one JSON answer on stdout. Whatever the user has put in their checkpoint directory
 * (links to root's files, FIFOs), this process reads and deletes only what that user could.
 */
import { createFsCheckpointStore } from '../../checkpoints/fs-store';
import { ManualClock } from '../core/clock';

export type WorkerRequest =
  | { op: 'verify'; root: string; jobId: string; dir: string; step: number; nowMs: number }
  | { op: 'retain'; root: string; jobId: string; keep: number; nowMs: number };

export type WorkerAnswer =
  | { ok: true; path: string; step: number; bytes: number }
  | { ok: true; removed: string[] }
  | { ok: false; message: string };

/** Carries out one request (also used in-process when no change of user is needed). */
export async function serveWorkerRequest(req: WorkerRequest): Promise<WorkerAnswer> {
  const store = createFsCheckpointStore({ root: req.root, jobId: req.jobId, clock: new ManualClock(req.nowMs) });
  if (req.op === 'verify') {
    const result = await store.writeManifestFor(req.dir, req.step);
    if (!result.ok) return { ok: false, message: result.failure.error.message };
    return { ok: true, path: result.checkpoint.path, step: result.checkpoint.step, bytes: result.checkpoint.bytes };
  }
  const { removed } = await store.prune(req.keep);
  await store.removeTemporaries();
  return { ok: true, removed };
}

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  let answer: WorkerAnswer;
  try {
    answer = await serveWorkerRequest(JSON.parse(Buffer.concat(chunks).toString('utf8')) as WorkerRequest);
  } catch (err) {
    answer = { ok: false, message: (err as Error).message };
  }
  process.stdout.write(JSON.stringify(answer));
}

if (require.main === module) void main();
