/**
 * Jobs on a full or read-only state dir (a real small tmpfs): a run that dies then is the
 * disk's doing, so its job is paused (not failed, no retry used) with the disk named; nothing
 * new starts while there is no room; work resumes once there is.
 */
import { ManualClock } from '../../../src/core/clock';
import { nullLogger } from '../../../src/core/logger';
import { SimulatedExecutor } from '../../../src/executors/simulated';
import { JobLifecycle } from '../../../src/daemon/jobs/lifecycle';
import { runEverything } from '../../../src/daemon/jobs/default-plan';
import { openLedger, type Db } from '../../../src/ledger/db';
import { currentState, insertJob, transitionsOf } from '../../../src/ledger/jobs';
import { runsOf } from '../../../src/ledger/runs';
import { jobRecord } from '../../contract/executors/job-record';
import { canMountTmpfs, mountSmallFs, type SmallFs } from '../../helpers/small-fs';

const describeMounting = canMountTmpfs() || process.env['CI'] ? describe : describe.skip;
const T0 = Date.parse('2026-12-01T00:00:00Z');
const MIN = 60_000;

describeMounting('jobs when the state dir has no room', () => {
  let small: SmallFs;
  let db: Db;
  let clock: ManualClock;
  let executor: SimulatedExecutor;
  let lc: JobLifecycle;

  beforeEach(() => {
    small = mountSmallFs(8 * 1024 * 1024);
    db = openLedger(':memory:', { nowMs: T0 });
    clock = new ManualClock(T0);
    executor = new SimulatedExecutor({ clock, behaviourOf: () => ({ stepMs: 1_000, totalSteps: 600, checkpointEverySteps: 60, ignoresPause: false, pauseLatencyMs: 1_000, failAtStep: 200 }) });
    lc = new JobLifecycle({ db, clock, logger: nullLogger, planSource: runEverything, verifyCheckpoint: async (a) => ({ ...a, bytes: 1 }), slotMs: 5 * MIN, stateDir: small.dir,
      sites: [{ name: 'sim', zone: 'GB', gpus: 1, executor, jobPowerW: () => 300, suspendedPowerW: () => 0 }] });
  });
  afterEach(() => { db.close(); small.close(); });

  async function minutes(n: number): Promise<void> {
    for (let i = 0; i < n; i += 1) {
      clock.advance(MIN);
      executor.tick();
      await lc.tick(clock.now());
      await lc.idle();
    }
  }

  it('fails a crashing job when the disk is fine, but pauses it naming the disk when the disk is full', async () => {
    const fine = jobRecord({ cwd: '/sim', checkpointDir: '/sim/a', sites: ['sim'], homeSite: 'sim', submittedAtMs: T0 });
    insertJob(db, fine);
    await minutes(5);
    expect(currentState(db, fine.id)).toBe('failed');

    const full = jobRecord({ cwd: '/sim', checkpointDir: '/sim/b', sites: ['sim'], homeSite: 'sim', submittedAtMs: clock.now() });
    insertJob(db, full);
    await minutes(1);
    expect(currentState(db, full.id)).toBe('running');
    small.fill();
    await minutes(4);
    expect(currentState(db, full.id)).toBe('paused');
    expect(transitionsOf(db, full.id).at(-1)!.reason).toMatch(/run \d+ failed \(exit 1\) while the state dir .* is nearly full: .*; waits for room, then resumes from step 180/);
    // No room: nothing starts, whatever the plan says.
    await minutes(3);
    expect(runsOf(db, full.id)).toHaveLength(1);
    small.free();
    await minutes(1);
    expect(currentState(db, full.id)).toBe('running');
    expect(runsOf(db, full.id)).toHaveLength(2);
    expect(runsOf(db, full.id)[1]).toMatchObject({ startStep: 180 });
  });

  it('starts nothing on a read-only state dir, and starts the job once it is writable again', async () => {
    small.readOnly(true);
    const job = jobRecord({ cwd: '/sim', checkpointDir: '/sim/c', sites: ['sim'], homeSite: 'sim', submittedAtMs: T0 });
    insertJob(db, job);
    await minutes(3);
    expect(currentState(db, job.id)).toBe('queued');
    small.readOnly(false);
    await minutes(1);
    expect(currentState(db, job.id)).toBe('running');
  });
});
