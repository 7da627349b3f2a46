/**
 * Reconciliation reads a re-adopted run's events and asks whether it still lives. Reading
 * first can take a while (every checkpoint acknowledged while the daemon was down is verified);
 * a run that writes its last steps and exits meanwhile must not be recorded as finished short
 * of its final step. The crash suite saw a job "finished" at step 2990 of 3000.
 */
import { ManualClock } from '../../../src/core/clock';
import { nullLogger } from '../../../src/core/logger';
import { SimulatedExecutor, SimulatedWorld } from '../../../src/executors/simulated';
import { openLedger, type Db } from '../../../src/ledger/db';
import { currentState, insertJob } from '../../../src/ledger/jobs';
import { runsOf } from '../../../src/ledger/runs';
import { JobLifecycle } from '../../../src/daemon/jobs/lifecycle';
import type { RunExecutor } from '../../../src/executors/types';
import { jobRecord } from '../../contract/executors/job-record';

const T0 = Date.parse('2026-11-29T00:00:00Z');
const MIN = 60_000;

describe('reconciliation of a run that ends while its events are being read', () => {
  let db: Db;
  afterEach(() => db.close());

  it('records the run at its final step', async () => {
    db = openLedger(':memory:', { nowMs: T0 });
    const clock = new ManualClock(T0);
    const world = new SimulatedWorld();
    const behaviourOf = (): { stepMs: number; totalSteps: number; checkpointEverySteps: number; ignoresPause: boolean; pauseLatencyMs: number } =>
      ({ stepMs: 1_000, totalSteps: 3_600, checkpointEverySteps: 600, ignoresPause: false, pauseLatencyMs: 2_000 });
    const lifecycle = (executor: RunExecutor): JobLifecycle => new JobLifecycle({ db, clock, logger: nullLogger, verifyCheckpoint: async (a) => ({ ...a, bytes: 1 }), slotMs: 5 * MIN,
      sites: [{ name: 'sim', zone: 'GB', gpus: 1, executor, jobPowerW: () => 365, suspendedPowerW: () => 15 }] });
    const job = jobRecord({ cwd: '/sim', checkpointDir: '/sim/ckpt', sites: ['sim'], homeSite: 'sim', submittedAtMs: T0 });
    insertJob(db, job);
    const before = new SimulatedExecutor({ clock, world, behaviourOf });
    const lc = lifecycle(before);
    await lc.tick(clock.now());
    clock.advance(30 * MIN);
    before.tick();
    await lc.tick(clock.now());
    expect(runsOf(db, job.id)[0]!.lastStep).toBe(1_800);

    // The daemon restarts; while it reads the run's events, the run makes its last 1800 steps and exits.
    const inner = new SimulatedExecutor({ clock, world, behaviourOf });
    let reads = 0;
    const racing = Object.assign(Object.create(inner) as SimulatedExecutor, {
      events: (h: Parameters<SimulatedExecutor['events']>[0], offset: number) => {
        const r = inner.events(h, offset);
        if ((reads += 1) === 1) { clock.advance(30 * MIN); inner.tick(); }
        return r;
      },
    });
    const after = lifecycle(racing);
    await after.reconcile(clock.now());
    await after.tick(clock.now());
    expect(currentState(db, job.id)).toBe('finished');
    expect(runsOf(db, job.id)).toMatchObject([{ exitKind: 'finished', lastStep: 3_600 }]);
  });
});
