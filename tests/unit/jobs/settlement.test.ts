/**
 * Recording how a run ended is one transaction: a daemon that dies between closing the run
 * and moving its job on must not leave a finished run whose job still looks live (on restart
 * the job would be "paused: no run found" and run again — or, failed, be retried).
 */
import { nullLogger } from '../../../src/core/logger';
import { openLedger, type Db } from '../../../src/ledger/db';
import { appendTransition, currentState, insertJob } from '../../../src/ledger/jobs';
import { insertRun, openRunOf, recordProgress, runsOf } from '../../../src/ledger/runs';
import { finishRun } from '../../../src/daemon/jobs/record';
import { jobRecord } from '../../contract/executors/job-record';

const T0 = Date.parse('2026-11-29T00:00:00Z');

describe('settling a run\'s end', () => {
  let db: Db;
  beforeEach(() => { db = openLedger(':memory:', { nowMs: T0 }); });
  afterEach(() => db.close());

  it('leaves the run open and the job as it was when the job\'s transition cannot be written (the daemon died there)', () => {
    const job = jobRecord({ cwd: '/w', checkpointDir: '/w/c', totalSteps: 10 });
    insertJob(db, job);
    appendTransition(db, job.id, 'running', T0 + 1, 'start');
    const run = insertRun(db, { jobId: job.id, site: 'local', startedAtMs: T0 + 1, gpuIds: '', resumedFrom: null, startStep: 0 });
    recordProgress(db, run.id, T0 + 2, 10, 10);
    // The crash, made deterministic: the transition's INSERT fails after the run's UPDATE.
    db.exec(`CREATE TEMP TRIGGER crash BEFORE INSERT ON transitions BEGIN SELECT RAISE(ABORT, 'daemon killed'); END`);
    expect(() => finishRun(db, nullLogger, job, run.id, { code: 0, signal: null, known: true }, { pauseRequested: false, killedByCarbond: false, reason: 'exited' }, T0 + 3)).toThrow(/daemon killed/);
    expect(openRunOf(db, job.id)?.id).toBe(run.id);
    expect(currentState(db, job.id)).toBe('running');
    // After the restart the same end is recorded once, whole.
    db.exec('DROP TRIGGER crash');
    expect(finishRun(db, nullLogger, job, run.id, { code: 0, signal: null, known: true }, { pauseRequested: false, killedByCarbond: false, reason: 'exited' }, T0 + 4)).toBe('finished');
    expect(currentState(db, job.id)).toBe('finished');
    expect(runsOf(db, job.id)).toMatchObject([{ exitKind: 'finished', endedAtMs: T0 + 4 }]);
  });
});
