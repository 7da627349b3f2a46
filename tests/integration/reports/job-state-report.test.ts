/**
 * Reports and status take a job's state from the ledger, not from its runs: the real job
 * lifecycle (simulated executor) cancels one job mid-run and loses the run of another (its
 * site is gone at a restart), and the report says `cancelled` and `paused` (the lost run's job
 * resumes; `lost` is that run's exit kind, shown with the run), where a guess from the runs
 * said `paused` and `failed`.
 */
import * as path from 'node:path';
import { ManualClock } from '../../../src/core/clock';
import { nullLogger } from '../../../src/core/logger';
import { runEverything } from '../../../src/daemon/jobs/default-plan';
import { JobLifecycle } from '../../../src/daemon/jobs/lifecycle';
import type { SiteModel } from '../../../src/daemon/jobs/types';
import { SimulatedExecutor } from '../../../src/executors/simulated';
import { openLedger, type Db } from '../../../src/ledger/db';
import { currentState, insertJob } from '../../../src/ledger/jobs';
import { loadReportRows } from '../../../src/ledger/report-rows';
import { buildReport } from '../../../src/reports/build';
import { renderReport } from '../../../src/reports/render';
import { statusEnergy } from '../../../src/reports/status';
import { jobRecord } from '../../contract/executors/job-record';
import { makeTempDir, removeDir } from '../../helpers/state-dir';

const T0 = Date.parse('2030-03-04T10:00:00Z');
const MIN = 60_000;

describe('the state a report gives a job', () => {
  let dir: string;
  let db: Db;

  beforeEach(async () => {
    dir = makeTempDir();
    db = openLedger(path.join(dir, 'ledger.sqlite'), { nowMs: T0 });
    const clock = new ManualClock(T0);
    const site = (name: string): SiteModel => ({ name, zone: 'Z', gpus: 2, executor: new SimulatedExecutor({ clock }), jobPowerW: () => 300, suspendedPowerW: () => 0 });
    const deps = { db, clock, logger: nullLogger, planSource: runEverything, verifyCheckpoint: async (a: { path: string; step: number }) => ({ ...a, bytes: 1 }) };
    insertJob(db, jobRecord({ id: 'cancelled-mid-run', cwd: dir, checkpointDir: dir, sites: ['box'], homeSite: 'box', submittedAtMs: T0 }));
    insertJob(db, jobRecord({ id: 'lost-run', cwd: dir, checkpointDir: dir, sites: ['gone'], homeSite: 'gone', submittedAtMs: T0 }));
    const before = new JobLifecycle({ ...deps, sites: [site('box'), site('gone')] });
    await before.tick(T0);
    clock.advance(10 * MIN);
    await before.tick(clock.now());
    await before.cancel('cancelled-mid-run', clock.now(), 'cancelled by its owner');
    // A restart whose configuration no longer has the site `gone`: its open run is lost.
    clock.advance(MIN);
    await new JobLifecycle({ ...deps, sites: [site('box')] }).reconcile(clock.now());
  });
  afterEach(() => {
    db.close();
    removeDir(dir);
  });

  it('is cancelled for a job cancelled mid-run, and paused with its run lost for a job whose run was lost', async () => {
    expect([currentState(db, 'cancelled-mid-run'), currentState(db, 'lost-run')]).toEqual(['cancelled', 'paused']);
    const rows = loadReportRows(db, {});
    expect(rows.jobs.map((j) => [j.id, j.state])).toEqual([['cancelled-mid-run', 'cancelled'], ['lost-run', 'paused']]);
    const report = buildReport(rows, { nowMs: T0 + 20 * MIN });
    expect(report.jobs.map((j) => [j.id, j.state, j.finishedAt])).toEqual([['cancelled-mid-run', 'cancelled', null], ['lost-run', 'paused', null]]);
    expect(report.charts.runs.map((r) => [r.jobId, r.exitKind])).toEqual([['cancelled-mid-run', 'killed'], ['lost-run', 'lost']]);
    const markdown = await renderReport(report, 'md');
    expect(markdown).toMatch(/ran on box · cancelled · submitted/);
    expect(markdown).toMatch(/ran on gone · paused · submitted/);
    expect(JSON.parse(await renderReport(report, 'json')).jobs.map((j: { state: string }) => j.state)).toEqual(['cancelled', 'paused']);
  });

  it('counts neither job as running in status', () => {
    const status = statusEnergy(db, T0 + 20 * MIN);
    expect(status.running).toEqual([]);
    expect(status.total.jobs).toBe(2);
  });
});
