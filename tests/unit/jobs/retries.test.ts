/**
 * `--retries N`: a run that exits non-zero on its own is retried up to N times, each retry
 * after a backoff (1 min, doubling, at most 30 min) and resuming from the last verified
 * checkpoint; after the last one the job is failed, and its reason never says it resumes.
 */
import * as path from 'node:path';
import { ManualClock } from '../../../src/core/clock';
import { nullLogger } from '../../../src/core/logger';
import { SimulatedExecutor } from '../../../src/executors/simulated';
import { openLedger, type Db } from '../../../src/ledger/db';
import { currentState, getJob, insertJob, transitionsOf } from '../../../src/ledger/jobs';
import { runsOf } from '../../../src/ledger/runs';
import { JobLifecycle } from '../../../src/daemon/jobs/lifecycle';
import { retryDelayMs } from '../../../src/daemon/jobs/retry';
import { checkJobSpec, compileJob, MAX_RETRIES, type JobSpec, type SpecContext } from '../../../src/jobs/spec';
import { jobRecord } from '../../contract/executors/job-record';

const T0 = Date.parse('2026-11-29T00:00:00Z');
const MIN = 60_000;

describe('the retry option of a job', () => {
  const ctx: SpecContext = { nowMs: T0, sites: { box1: { gpus: 4 } }, safetyMarginMs: 0, checkpointTimeoutMs: 120_000, pauseOverheadMs: 300_000 };
  const good: JobSpec = { command: ['python', 'train.py'], cwd: '/home/a', deadlineMs: T0 + 10 * 60 * MIN };
  const ids = { id: 'j1', owner: 'ann', uid: 1000, gid: 1000, checkpointDir: '/c/j1' };

  it('defaults to no retry and keeps a number given', () => {
    expect(compileJob(good, ctx, ids).retries).toBe(0);
    expect(compileJob({ ...good, retries: 3 }, ctx, ids).retries).toBe(3);
    expect(compileJob({ ...good, retries: MAX_RETRIES }, ctx, ids).retries).toBe(20);
  });

  it.each<[string, unknown]>([['a negative count', -1], ['a fraction', 1.5], ['more than 20', 21], ['text', '3']])('rejects %s naming the field', (_what, retries) => {
    const issues = checkJobSpec({ ...good, retries } as unknown as JobSpec, ctx).all;
    expect(issues.map((i) => [i.path, i.message])).toEqual([['retries', 'must be a whole number from 0 to 20']]);
  });

  it.each([[1, 60_000], [2, 120_000], [3, 240_000], [5, 960_000], [6, 1_800_000], [20, 1_800_000]])('waits before retry %i: %i ms', (attempt, ms) => {
    expect(retryDelayMs(attempt)).toBe(ms);
  });
});

describe('retries through the lifecycle (simulated executor, manual clock)', () => {
  let db: Db;
  let clock: ManualClock;
  let executor: SimulatedExecutor;

  beforeEach(() => {
    db = openLedger(':memory:', { nowMs: T0 });
    clock = new ManualClock(T0);
    // 1 step a second, a checkpoint every 600 steps, exit 1 on reaching step 1000 (every run that gets there).
    executor = new SimulatedExecutor({ clock, behaviourOf: () => ({ stepMs: 1_000, totalSteps: 3_600, checkpointEverySteps: 600, ignoresPause: false, pauseLatencyMs: 2_000, failAtStep: 1_000 }) });
  });
  afterEach(() => db.close());

  function lifecycle(): JobLifecycle {
    return new JobLifecycle({ db, clock, logger: nullLogger, verifyCheckpoint: async (a) => ({ ...a, bytes: 1 }), slotMs: 5 * MIN,
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
  function submit(retries: number): string {
    const job = { ...jobRecord({ cwd: '/sim', checkpointDir: path.join('/sim', 'ckpt'), sites: ['sim'], homeSite: 'sim', submittedAtMs: T0, deadlineMs: T0 + 24 * 60 * MIN }), retries };
    insertJob(db, job);
    expect(getJob(db, job.id)!.retries).toBe(retries);
    return job.id;
  }

  it('retries a failed run after 1 min then 2 min, each from the last verified checkpoint, then fails the job with a reason that does not say it resumes', async () => {
    const id = submit(2);
    const lc = lifecycle();
    await lc.tick(clock.now());
    await runFor(lc, 40);
    const runs = runsOf(db, id);
    expect(runs.map((r) => [r.exitKind, r.startStep, r.lastStep])).toEqual([['failed', 0, 1_000], ['failed', 600, 1_000], ['failed', 600, 1_000]]);
    expect(runs[1]!.startedAtMs - runs[0]!.endedAtMs!).toBe(1 * MIN);
    expect(runs[2]!.startedAtMs - runs[1]!.endedAtMs!).toBe(2 * MIN);
    expect(currentState(db, id)).toBe('failed');
    const reasons = transitionsOf(db, id).map((t) => `${t.to}: ${t.reason}`);
    expect(reasons).toEqual([
      'queued: submitted',
      expect.stringMatching(/^running: /),
      'paused: exited: run 1 failed (exit 1), 400 steps lost; retry 1 of 2 in 1m, from step 600',
      expect.stringMatching(/^running: .*resumed from step 600/),
      'paused: exited: run 2 failed (exit 1), 400 steps lost; retry 2 of 2 in 2m, from step 600',
      expect.stringMatching(/^running: .*resumed from step 600/),
      'failed: exited: run 3 failed (exit 1); no retries left (2 of 2 used); its last verified checkpoint is step 600',
    ]);
  });

  it('fails a job without retries at once, and says so without "resumes"', async () => {
    const id = submit(0);
    const lc = lifecycle();
    await lc.tick(clock.now());
    await runFor(lc, 20);
    expect(runsOf(db, id)).toHaveLength(1);
    expect(currentState(db, id)).toBe('failed');
    const reason = transitionsOf(db, id).at(-1)!.reason;
    expect(reason).toBe('exited: run 1 failed (exit 1); no retries (--retries 0); its last verified checkpoint is step 600');
    expect(reason).not.toMatch(/resume/);
  });
});
