/** The real planner (`scheduler/plan`) plugged into the lifecycle as its PlanSource, over the simulated executor. */
import { ManualClock } from '../../../src/core/clock';
import { nullLogger } from '../../../src/core/logger';
import { SimulatedExecutor } from '../../../src/executors/simulated';
import { openLedger } from '../../../src/ledger/db';
import { currentState, insertJob } from '../../../src/ledger/jobs';
import { runsOf } from '../../../src/ledger/runs';
import { JobLifecycle } from '../../../src/daemon/jobs/lifecycle';
import { plan } from '../../../scheduler';
import type { SlotSeries } from '../../../scheduler/types';
import { jobRecord } from '../../contract/executors/job-record';

const T0 = Date.parse('2026-11-29T00:00:00Z');
const SLOT = 5 * 60_000;
const HOUR = 3_600_000;

it('waits through dirty hours and runs in the clean ones when the scheduler is the plan source', async () => {
  const db = openLedger(':memory:', { nowMs: T0 });
  const clock = new ManualClock(T0);
  const executor = new SimulatedExecutor({ clock, behaviourOf: () => ({ stepMs: 1_000, totalSteps: 3_600, checkpointEverySteps: 0, ignoresPause: false, pauseLatencyMs: 1_000 }) });
  // 400 g for the first 4 h, then 50 g: a 1 h job due in 12 h should wait.
  const series: SlotSeries = { zone: 'GB', startMs: T0, slotMs: SLOT, gPerKWh: Array.from({ length: 12 * 12 }, (_, i) => (i < 48 ? 400 : 50)) };
  const lc = new JobLifecycle({ db, clock, logger: nullLogger, planSource: plan, planSignal: () => ({ series: { GB: series } }), policy: 'carbond', slotMs: SLOT, safetyMarginMs: 30 * 60_000,
    verifyCheckpoint: async (a) => ({ ...a, bytes: 1 }), sites: [{ name: 'sim', zone: 'GB', gpus: 1, executor, jobPowerW: () => 300, suspendedPowerW: () => 0 }] });
  const job = jobRecord({ cwd: '/sim', checkpointDir: '/sim/c', sites: ['sim'], homeSite: 'sim', estimateMs: HOUR, deadlineMs: T0 + 12 * HOUR, submittedAtMs: T0, pauseOverheadMs: 60_000 });
  insertJob(db, job);
  await lc.tick(clock.now());
  expect(currentState(db, job.id)).toBe('queued');
  for (let t = 0; t < 8 * 12 && currentState(db, job.id) !== 'finished'; t++) {
    clock.advance(SLOT);
    executor.tick();
    await lc.tick(clock.now());
    await lc.idle();
  }
  expect(currentState(db, job.id)).toBe('finished');
  expect(runsOf(db, job.id)[0]!.startedAtMs).toBeGreaterThanOrEqual(T0 + 4 * HOUR);
  db.close();
});
