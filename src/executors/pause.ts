/** Shared pause helpers for executors: verifying the checkpoints a run acknowledged. */
import type { JobEvent } from './events';
import type { AckedCheckpoint, VerifyCheckpoint } from './types';

/** Verifies each acknowledged checkpoint in order; a failure is kept with its reason, never thrown. */
export async function verifyAcks(acks: ReadonlyArray<Extract<JobEvent, { event: 'checkpoint' }>>, job: { id: string; checkpointDir: string }, verify: VerifyCheckpoint): Promise<AckedCheckpoint[]> {
  const out: AckedCheckpoint[] = [];
  for (const ack of acks) {
    try {
      const v = await verify(ack, job);
      out.push({ path: ack.path, step: v.step, bytes: v.bytes, verified: true });
    } catch (err) {
      out.push({ path: ack.path, step: ack.step, bytes: 0, verified: false, error: (err as Error).message });
    }
  }
  return out;
}
