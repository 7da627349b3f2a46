/**
 * The planner's input from a real ledger (src/daemon/jobs/plan-input.ts): a running job carries
 * what run protection and the choice of whom to pause need — its run's start, its first
 * progress event, and its running time since the newest verified checkpoint of that run.
 */
import * as path from 'node:path';
import { buildPlanInput } from '../../../src/daemon/jobs/plan-input';
import type { SiteModel } from '../../../src/daemon/jobs/types';
import { SimulatedExecutor } from '../../../src/executors/simulated';
import { ManualClock } from '../../../src/core/clock';
import { recordCheckpoint } from '../../../src/ledger/checkpoints';
import { openLedger, type Db } from '../../../src/ledger/db';
import { appendTransition, insertJob } from '../../../src/ledger/jobs';
import { endRun, insertRun, recordProgress } from '../../../src/ledger/runs';
import { jobRecord } from '../../contract/executors/job-record';
import { makeTempDir, removeDir } from '../../helpers/state-dir';

const T0 = Date.parse('2030-03-04T10:00:00Z');
const MIN = 60_000;

describe('the plan input of a running job', () => {
  let dir: string;
  let db: Db;
  let sites: SiteModel[];

  beforeEach(() => {
    dir = makeTempDir();
    db = openLedger(path.join(dir, 'ledger.sqlite'), { nowMs: T0 });
    const executor = new SimulatedExecutor({ clock: new ManualClock(T0) });
    sites = [{ name: 'box', zone: 'Z', gpus: 4, executor, jobPowerW: () => 300, suspendedPowerW: () => 0 }];
  });
  afterEach(() => {
    db.close();
    removeDir(dir);
  });

  const inputAt = (nowMs: number): ReturnType<typeof buildPlanInput> => buildPlanInput(db, { nowMs, slotMs: 5 * MIN, safetyMarginMs: 0, policy: 'carbond', sites, signal: { series: {} } });

  function runningJob(): { jobId: string; runId: number } {
    const job = jobRecord({ id: 'r', cwd: dir, checkpointDir: path.join(dir, 'c'), sites: ['box'], homeSite: 'box', gpus: 1, submittedAtMs: T0 - 60 * MIN });
    insertJob(db, job);
    // A first run that checkpointed and was paused: its checkpoint is not the current run's.
    const first = insertRun(db, { jobId: job.id, site: 'box', startedAtMs: T0 - 50 * MIN, gpuIds: '0', resumedFrom: null, startStep: 0 });
    appendTransition(db, job.id, 'running', T0 - 50 * MIN, 'started');
    recordProgress(db, first.id, T0 - 49 * MIN, 10, 1_000);
    recordCheckpoint(db, { jobId: job.id, runId: first.id, path: path.join(dir, 'c', 'ckpt-10'), step: 10, createdAtMs: T0 - 40 * MIN, bytes: 1, status: 'verified', error: null });
    appendTransition(db, job.id, 'pausing', T0 - 40 * MIN, 'paused for carbon');
    endRun(db, first.id, { endedAtMs: T0 - 40 * MIN, exitKind: 'paused', exitCode: 0, exitSignal: null, lostSteps: 0 });
    appendTransition(db, job.id, 'paused', T0 - 40 * MIN, 'paused');
    const run = insertRun(db, { jobId: job.id, site: 'box', startedAtMs: T0 - 20 * MIN, gpuIds: '0', resumedFrom: null, startStep: 10 });
    appendTransition(db, job.id, 'running', T0 - 20 * MIN, 'resumed');
    return { jobId: job.id, runId: run.id };
  }

  it('gives its run\'s start, no first progress yet, and all its running time as unsaved work', () => {
    runningJob();
    expect(inputAt(T0).jobs[0]).toMatchObject({ phase: 'running', runStartedAtMs: T0 - 20 * MIN, unsavedWorkMs: 20 * MIN });
    expect(inputAt(T0).jobs[0]!.firstProgressAtMs).toBeUndefined();
  });

  it('gives the first progress event of the current run and the time since its newest verified checkpoint', () => {
    const { jobId, runId } = runningJob();
    recordProgress(db, runId, T0 - 18 * MIN, 12, 1_000);
    recordProgress(db, runId, T0 - 10 * MIN, 40, 1_000);
    recordCheckpoint(db, { jobId, runId, path: path.join(dir, 'c', 'ckpt-40'), step: 40, createdAtMs: T0 - 7 * MIN, bytes: 1, status: 'verified', error: null });
    expect(inputAt(T0).jobs[0]).toMatchObject({ runStartedAtMs: T0 - 20 * MIN, firstProgressAtMs: T0 - 18 * MIN, unsavedWorkMs: 7 * MIN });
  });

  it('gives a paused job none of them', () => {
    const { jobId, runId } = runningJob();
    appendTransition(db, jobId, 'pausing', T0 - MIN, 'capacity');
    endRun(db, runId, { endedAtMs: T0 - MIN, exitKind: 'paused', exitCode: 0, exitSignal: null, lostSteps: 0 });
    appendTransition(db, jobId, 'paused', T0 - MIN, 'paused');
    const job = inputAt(T0).jobs[0]!;
    expect(job.phase).toBe('paused');
    expect([job.runStartedAtMs, job.firstProgressAtMs, job.unsavedWorkMs]).toEqual([undefined, undefined, undefined]);
  });
});
