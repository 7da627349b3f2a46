/**
 * What a pause request ends in when the job does not answer it with a verified checkpoint:
 * never "finished" short of its total steps (a real review run was reported finished at
 * step 88 of 681). Real processes, real ledger.
 */
import * as path from 'node:path';
import { checkpointsOf } from '../../../src/ledger/checkpoints';
import { currentState, transitionsOf } from '../../../src/ledger/jobs';
import { runsOf } from '../../../src/ledger/runs';
import { jobDetail } from '../../../src/daemon/jobs/views';
import { makeHarness, sleep, startsOf, tickUntil, type Harness } from './lifecycle-harness';

const MISBEHAVING = path.resolve(__dirname, 'jobs/misbehaving-job.js');

describe('a pause the job does not answer with a verified checkpoint', () => {
  let h: Harness;
  beforeEach(() => { h = makeHarness(); });
  afterEach(async () => { await h.close(); });

  async function pauseAt(jobId: string, step: number): Promise<void> {
    await tickUntil(h, () => (runsOf(h.db, jobId).at(-1)?.lastStep ?? 0) >= step);
    h.actions.set(jobId, 'pause');
    await h.tick();
    await h.lifecycle.idle();
  }

  it('pauses (not finishes) a job that exits 0 on SIGTERM without a checkpoint, records every step as lost, and resumes it from scratch', async () => {
    const job = h.submit({ command: [process.execPath, MISBEHAVING, '--steps', '1000', '--on-pause', 'exit0'] });
    await pauseAt(job.id, 20);
    const [run] = runsOf(h.db, job.id);
    expect(currentState(h.db, job.id)).toBe('paused');
    expect(run).toMatchObject({ exitKind: 'killed', exitCode: 0, lostSteps: run!.lastStep });
    expect(run!.lastStep).toBeGreaterThanOrEqual(20);
    expect(transitionsOf(h.db, job.id).at(-1)!.reason).toContain(`${run!.lastStep} steps lost, resumes from step 0`);
    // The job's step is where it will resume, not the highest step it ever reported.
    expect(jobDetail(h.db, job.id)!.step).toBe(0);
    h.actions.set(job.id, 'resume');
    await h.tick();
    await tickUntil(h, () => startsOf(job).length === 2);
    expect(startsOf(job).map((s) => s.step)).toEqual([0, 0]);
  });

  it('pauses a job whose pause checkpoint fails verification, marks that checkpoint corrupt and never resumes from it', async () => {
    const job = h.submit({ command: [process.execPath, MISBEHAVING, '--steps', '1000', '--on-pause', 'corrupt'] });
    await pauseAt(job.id, 20);
    const [run] = runsOf(h.db, job.id);
    expect(checkpointsOf(h.db, job.id)).toMatchObject([{ status: 'corrupt', error: expect.stringMatching(/sha256/) }]);
    expect(run).toMatchObject({ exitKind: 'killed', lostSteps: run!.lastStep });
    expect(currentState(h.db, job.id)).toBe('paused');
    expect(jobDetail(h.db, job.id)!.step).toBe(0);
    h.actions.set(job.id, 'resume');
    await h.tick();
    await tickUntil(h, () => startsOf(job).length === 2);
    expect(startsOf(job).map((s) => s.step)).toEqual([0, 0]);
  });

  it('finishes a job that reached its total steps as the pause arrived', async () => {
    const job = h.submit({ command: [process.execPath, MISBEHAVING, '--steps', '1000', '--on-pause', 'finish'] });
    await pauseAt(job.id, 20);
    expect(currentState(h.db, job.id)).toBe('finished');
    expect(runsOf(h.db, job.id)).toMatchObject([{ exitKind: 'finished', lastStep: 1000, lostSteps: 0 }]);
    expect(jobDetail(h.db, job.id)!.step).toBe(1000);
    await sleep(100);
    await h.tick();
    expect(startsOf(job)).toHaveLength(1);
  });
});
