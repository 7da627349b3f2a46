/**
 * A job's current step is where it stands: after a kill or a lost run that is the checkpoint
 * it resumes from, not the highest step it ever reported (a review's planner thought 45 min
 * of work was left when 3.3 h was, and the job finished 1 h 37 min late, flagged nowhere).
 * Lost steps are counted against the checkpoint the job really resumes from.
 */
import * as path from 'node:path';
import { ManualClock } from '../../../src/core/clock';
import { nullLogger } from '../../../src/core/logger';
import { SimulatedExecutor } from '../../../src/executors/simulated';
import { openLedger, type Db } from '../../../src/ledger/db';
import { checkpointsOf, recordCheckpoint } from '../../../src/ledger/checkpoints';
import { appendTransition, currentState, insertJob } from '../../../src/ledger/jobs';
import { currentStepOfJob, endRun, insertRun, recordProgress, runsOf } from '../../../src/ledger/runs';
import { JobLifecycle } from '../../../src/daemon/jobs/lifecycle';
import { runEverything } from '../../../src/daemon/jobs/default-plan';
import { jobDetail, jobSummaries } from '../../../src/daemon/jobs/views';
import type { Plan, PlanInput } from '../../../scheduler/types';
import { lateText, renderDetail } from '../../../src/cli/commands/show';
import { jobRecord } from '../../contract/executors/job-record';

const T0 = Date.parse('2026-11-29T00:00:00Z');
const MIN = 60_000;

describe('a job\'s current step (ledger)', () => {
  let db: Db;
  beforeEach(() => { db = openLedger(':memory:', { nowMs: T0 }); });
  afterEach(() => db.close());

  it('is the resume point after a killed run, the open run\'s step while one runs, and the last step once finished', () => {
    const job = jobRecord({ cwd: '/w', checkpointDir: '/w/c', totalSteps: 681 });
    insertJob(db, job);
    expect(currentStepOfJob(db, job.id)).toBe(0);
    const r1 = insertRun(db, { jobId: job.id, site: 'local', startedAtMs: T0, gpuIds: '', resumedFrom: null, startStep: 0 });
    recordProgress(db, r1.id, T0 + 1, 40, 681);
    const c40 = recordCheckpoint(db, { jobId: job.id, runId: r1.id, path: '/w/c/40', step: 40, createdAtMs: T0 + 1, bytes: 1, status: 'verified', error: null });
    recordProgress(db, r1.id, T0 + 2, 88, 681);
    expect(currentStepOfJob(db, job.id)).toBe(88);
    endRun(db, r1.id, { endedAtMs: T0 + 3, exitKind: 'killed', exitCode: null, exitSignal: 'SIGKILL', lostSteps: 48 });
    expect(currentStepOfJob(db, job.id)).toBe(40);
    expect(currentStepOfJob(db, job.id)).toBe(40); // what the planner input reads
    const r2 = insertRun(db, { jobId: job.id, site: 'local', startedAtMs: T0 + 4, gpuIds: '', resumedFrom: c40.id, startStep: 40 });
    expect(currentStepOfJob(db, job.id)).toBe(40);
    recordProgress(db, r2.id, T0 + 5, 60, 681);
    expect(currentStepOfJob(db, job.id)).toBe(60);
    recordProgress(db, r2.id, T0 + 6, 681, 681);
    endRun(db, r2.id, { endedAtMs: T0 + 7, exitKind: 'finished', exitCode: 0, exitSignal: null, lostSteps: 0 });
    expect(currentStepOfJob(db, job.id)).toBe(681);
  });

  it('is 0 after a lost run without any verified checkpoint', () => {
    const job = jobRecord({ cwd: '/w', checkpointDir: '/w/c' });
    insertJob(db, job);
    const r1 = insertRun(db, { jobId: job.id, site: 'local', startedAtMs: T0, gpuIds: '', resumedFrom: null, startStep: 0 });
    recordProgress(db, r1.id, T0 + 1, 500, null);
    recordCheckpoint(db, { jobId: job.id, runId: r1.id, path: '/w/c/500', step: 500, createdAtMs: T0 + 1, bytes: 0, status: 'corrupt', error: 'sha256' });
    endRun(db, r1.id, { endedAtMs: T0 + 2, exitKind: 'lost', exitCode: null, exitSignal: null, lostSteps: 500 });
    expect(currentStepOfJob(db, job.id)).toBe(0);
    expect(jobSummaries(db)[0]!.step).toBe(0);
  });
});

describe('a job\'s current step through the lifecycle (simulated executor, manual clock)', () => {
  let db: Db;
  let clock: ManualClock;
  let executor: SimulatedExecutor;
  let inputs: PlanInput[];
  let pauseAtMs: number | undefined;
  let rejected: Set<number>;

  beforeEach(() => {
    db = openLedger(':memory:', { nowMs: T0 });
    clock = new ManualClock(T0);
    executor = new SimulatedExecutor({ clock, behaviourOf: () => ({ stepMs: 1_000, totalSteps: 3_600, checkpointEverySteps: 600, ignoresPause: true, pauseLatencyMs: 2_000 }) });
    inputs = [];
    pauseAtMs = undefined;
    rejected = new Set();
  });
  afterEach(() => db.close());

  function lifecycle(): JobLifecycle {
    const planSource = (input: PlanInput): Plan => {
      inputs.push(input);
      const plan = runEverything(input);
      return input.nowMs === pauseAtMs ? { ...plan, decisions: input.jobs.map((j) => ({ jobId: j.id, action: 'pause' as const, reason: 'dirty hour' })) } : plan;
    };
    const verifyCheckpoint = async (a: { path: string; step: number }): Promise<{ path: string; step: number; bytes: number }> => {
      if (rejected.has(a.step)) throw new Error(`sha256 mismatch in ${a.path}`);
      return { ...a, bytes: 1 };
    };
    return new JobLifecycle({ db, clock, logger: nullLogger, planSource, verifyCheckpoint, slotMs: 5 * MIN,
      sites: [{ name: 'sim', zone: 'GB', gpus: 1, executor, jobPowerW: () => 365, suspendedPowerW: () => 15 }] });
  }

  async function runFor(lc: JobLifecycle, minutes: number): Promise<void> {
    for (let i = 0; i < minutes; i++) {
      clock.advance(MIN);
      executor.tick();
      await lc.tick(clock.now());
      await lc.idle();
    }
  }

  it('feeds the planner the work left from the resume point after a kill, and counts lost steps against the checkpoint really resumed from', async () => {
    const job = jobRecord({ cwd: '/sim', checkpointDir: path.join('/sim', 'ckpt'), sites: ['sim'], homeSite: 'sim', submittedAtMs: T0, deadlineMs: T0 + 24 * 60 * MIN });
    insertJob(db, job);
    const lc = lifecycle();
    await lc.tick(clock.now());
    await runFor(lc, 25); // step 1500; checkpoints at 600 and 1200
    pauseAtMs = clock.now() + MIN;
    await runFor(lc, 1); // the job ignores the pause and is killed at step 1560
    const [killed] = runsOf(db, job.id);
    expect(killed).toMatchObject({ exitKind: 'killed', lastStep: 1_560, lostSteps: 360 });
    expect(currentState(db, job.id)).toBe('paused');
    expect(currentStepOfJob(db, job.id)).toBe(1_200);
    // The checkpoint at 1200 fails its re-verification before the resume: the job resumes from 600.
    rejected.add(1_200);
    await runFor(lc, 1);
    const afterKill = inputs.at(-1)!;
    expect(afterKill.jobs[0]!.remainingWorkMs).toBe((3_600 - 1_200) * 1_000);
    expect(checkpointsOf(db, job.id).find((c) => c.step === 1_200)!.status).toBe('corrupt');
    const [first, resumed] = runsOf(db, job.id);
    expect(resumed).toMatchObject({ startStep: 600 });
    expect(first!.lostSteps).toBe(1_560 - 600);
    expect(jobDetail(db, job.id)!.step).toBe(600);
  });
});

describe('a deadline missed', () => {
  let db: Db;
  beforeEach(() => { db = openLedger(':memory:', { nowMs: T0 }); });
  afterEach(() => db.close());

  function finishedAt(deadlineMs: number, endMs: number): string {
    const job = jobRecord({ cwd: '/w', checkpointDir: '/w/c', submittedAtMs: T0, deadlineMs });
    insertJob(db, job);
    appendTransition(db, job.id, 'running', T0 + MIN, 'start');
    appendTransition(db, job.id, 'finished', endMs, 'exited: run 1 finished (exit 0)');
    return job.id;
  }

  it('is flagged in list and show, with how late, for a job that finished after its deadline', () => {
    const late = finishedAt(T0 + 60 * MIN, T0 + 157 * MIN);
    const onTime = finishedAt(T0 + 60 * MIN, T0 + 59 * MIN);
    const byId = new Map(jobSummaries(db).map((j) => [j.id, j]));
    expect(byId.get(late)).toMatchObject({ deadlineMissed: true, lateByMs: 97 * MIN });
    expect(byId.get(onTime)).toMatchObject({ deadlineMissed: false, lateByMs: null });
    expect(jobDetail(db, late)).toMatchObject({ deadlineMissed: true, lateByMs: 97 * MIN });
    expect(renderDetail(jobDetail(db, late)!)).toMatch(/^deadline {2}2026-11-29T01:00:00\.000Z — MISSED: finished 1h 37m late$/m);
    expect(renderDetail(jobDetail(db, onTime)!)).toMatch(/^deadline {2}2026-11-29T01:00:00\.000Z$/m);
  });

  it('is flagged for an unfinished job once its deadline has passed, when the caller gives the time', () => {
    const job = jobRecord({ cwd: '/w', checkpointDir: '/w/c', submittedAtMs: T0, deadlineMs: T0 + 60 * MIN });
    insertJob(db, job);
    appendTransition(db, job.id, 'running', T0 + MIN, 'start');
    expect(jobSummaries(db, T0 + 30 * MIN)[0]).toMatchObject({ deadlineMissed: false, lateByMs: null });
    expect(jobSummaries(db, T0 + 70 * MIN)[0]).toMatchObject({ deadlineMissed: true, lateByMs: 10 * MIN });
    expect(lateText(jobSummaries(db, T0 + 70 * MIN)[0]!)).toBe(' — MISSED: 10m late so far');
  });
});
