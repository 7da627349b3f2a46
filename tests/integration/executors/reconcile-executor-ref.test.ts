/**
 * A run the daemon died before recording (its executor's id unknown to the ledger) and that
 * reconciliation finds again by name (the Slurm executor adopts by job name) gets that id
 * recorded, so the next restart adopts it by id. Here the simulated executor plays the part:
 * its world keeps the run, as Slurm keeps a job, across a "daemon restart".
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../../src/core/clock';
import { nullLogger } from '../../../src/core/logger';
import { JobLifecycle } from '../../../src/daemon/jobs/lifecycle';
import { SimulatedExecutor, SimulatedWorld } from '../../../src/executors/simulated';
import { closeLedger, openLedger } from '../../../src/ledger/db';
import { currentState, insertJob } from '../../../src/ledger/jobs';
import { runsOf, setRunProcess } from '../../../src/ledger/runs';
import { acceptSimulatedCheckpoint } from '../../../src/simulate/engine';
import { jobRecord } from '../../contract/executors/job-record';

it('records the executor id of a run re-adopted without one', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-ref-'));
  const file = path.join(dir, 'ledger.sqlite');
  const clock = new ManualClock(Date.parse('2026-12-01T00:00:00Z'));
  const world = new SimulatedWorld();
  const lifecycleOn = (db: ReturnType<typeof openLedger>): JobLifecycle => new JobLifecycle({
    db, clock, logger: nullLogger, verifyCheckpoint: acceptSimulatedCheckpoint, pruneCheckpoints: false,
    sites: [{ name: 'local', zone: 'GB', gpus: 1, executor: new SimulatedExecutor({ clock, world }), jobPowerW: () => 100, suspendedPowerW: () => 0 }],
  });
  try {
    let db = openLedger(file, { nowMs: clock.now() });
    const job = jobRecord({ cwd: dir, checkpointDir: '/simulated/x', gpus: 1, submittedAtMs: clock.now() });
    insertJob(db, job);
    await lifecycleOn(db).tick(clock.now());
    const [run] = runsOf(db, job.id);
    expect(run!.executorRef).toBe(`sim-${run!.id}`);
    // The crash window: the run exists at the site, its id never reached the ledger.
    setRunProcess(db, run!.id, { pid: null, pidStartTicks: null, executorRef: null, logPath: null });
    closeLedger(db);
    clock.advance(60_000);
    db = openLedger(file, { nowMs: clock.now() });
    const report = await lifecycleOn(db).reconcile(clock.now());
    expect(report.adopted).toEqual([run!.id]);
    expect(runsOf(db, job.id)).toMatchObject([{ id: run!.id, executorRef: `sim-${run!.id}`, endedAtMs: null }]);
    expect(currentState(db, job.id)).toBe('running');
    closeLedger(db);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
