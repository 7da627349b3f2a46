import * as path from 'node:path';
import { StateError } from '../../../src/core/errors';
import { assertTransition, canTransition, JOB_STATES, TERMINAL_STATES, type JobState } from '../../../src/jobs/states';
import { openLedger } from '../../../src/ledger/db';
import { appendTransition, currentState, insertJob, transitionsOf } from '../../../src/ledger/jobs';
import { jobRecord } from '../../contract/executors/job-record';

describe('the job state machine', () => {
  it.each<[JobState | null, JobState, boolean]>([
    [null, 'queued', true],
    [null, 'running', false],
    ['queued', 'running', true],
    ['queued', 'paused', false],
    ['running', 'pausing', true],
    ['pausing', 'paused', true],
    ['pausing', 'running', false],
    ['paused', 'running', true],
    ['running', 'suspended', true],
    ['suspended', 'running', true],
    ['finished', 'running', false],
    ['cancelled', 'queued', false],
  ])('%s → %s is legal: %s', (from, to, legal) => {
    expect(canTransition(from, to)).toBe(legal);
  });

  it('lets nothing follow a terminal state', () => {
    for (const s of TERMINAL_STATES) expect(JOB_STATES[s].next).toEqual([]);
  });

  it('throws a StateError naming the job and both states on an illegal transition', () => {
    expect(() => assertTransition('j1', 'finished', 'running')).toThrow(new StateError('job j1: illegal transition finished → running'));
  });

  it('derives the current state from the newest transition row and refuses an illegal one without writing it', () => {
    const db = openLedger(':memory:', { nowMs: 0 });
    const job = jobRecord({ cwd: '/tmp', checkpointDir: path.join('/tmp', 'c') });
    insertJob(db, job);
    expect(currentState(db, job.id)).toBe('queued');
    appendTransition(db, job.id, 'running', 10, 'start');
    appendTransition(db, job.id, 'finished', 20, 'done');
    expect(() => appendTransition(db, job.id, 'running', 30, 'again')).toThrow(StateError);
    expect(transitionsOf(db, job.id).map((t) => [t.from, t.to])).toEqual([[null, 'queued'], ['queued', 'running'], ['running', 'finished']]);
    expect(currentState(db, job.id)).toBe('finished');
    db.close();
  });
});
