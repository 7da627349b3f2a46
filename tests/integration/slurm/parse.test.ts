/** Reading Slurm's outputs (pure; runs without Slurm): the 22.05 formats seen on the real Slurm and newer shapes. */
import { batchScript, exitOfPair, exitOfWaitStatus, finalExit, isControllerUnreachable, parseJobsJson, parseSacctText, SlurmQueueError, parseSbatchId, parseSqueueText, pollStateOf, shellQuote, slurmJobName } from '../../../src/executors/slurm/parse';

describe('Slurm output parsing', () => {
  it.each([
    [0, { code: 0, signal: null, known: true }],
    [768, { code: 3, signal: null, known: true }],
    [9, { code: null, signal: 'SIGKILL', known: true }],
    [15, { code: null, signal: 'SIGTERM', known: true }],
  ])('decodes the wait status %i that 22.05 squeue --json gives as exit_code', (status, exit) => {
    expect(exitOfWaitStatus(status)).toEqual(exit);
  });

  it('decodes CODE:SIGNAL pairs and rejects malformed ones', () => {
    expect(exitOfPair('3:0')).toEqual({ code: 3, signal: null, known: true });
    expect(exitOfPair('0:15')).toEqual({ code: null, signal: 'SIGTERM', known: true });
    expect(exitOfPair('x')).toBeUndefined();
  });

  it('maps Slurm states to poll states', () => {
    expect(['PENDING', 'RUNNING', 'CONFIGURING', 'REQUEUED'].map(pollStateOf)).toEqual(['running', 'running', 'running', 'running']);
    expect(['SUSPENDED', 'STOPPED'].map(pollStateOf)).toEqual(['stopped', 'stopped']);
    expect(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'COMPLETING'].map(pollStateOf)).toEqual(Array(6).fill('exited'));
  });

  it('reports a failed node as an unknown status and a cancel recorded as 0:0 as SIGKILL', () => {
    expect(finalExit('NODE_FAIL', { code: 0, signal: null, known: true })).toEqual({ code: null, signal: null, known: false });
    expect(finalExit('CANCELLED', { code: 0, signal: null, known: true })).toEqual({ code: null, signal: 'SIGKILL', known: true });
  });

  it('reads 22.05 squeue --json, ignoring entries of unexpected shape, and the 23.02 shapes', () => {
    const text = JSON.stringify({ jobs: [
      { job_id: 7, name: 'carbond-j-r1', job_state: 'PENDING', state_reason: 'JobHeldUser', user_id: 1001, exit_code: 0 },
      { job_id: 8, name: 'x', job_state: 'FAILED', exit_code: 768 },
      { job_id: 'bad', job_state: 'RUNNING' },
      null,
      { job_id: 9, name: 'y', job_state: ['CANCELLED'], exit_code: { status: 'SIGNALED', return_code: 0, signal: { id: 9, name: 'KILL' } } },
    ] });
    expect(parseJobsJson(text)).toEqual([
      { id: '7', name: 'carbond-j-r1', state: 'PENDING', held: true, uid: 1001 },
      { id: '8', name: 'x', state: 'FAILED', held: false, exit: { code: 3, signal: null, known: true } },
      { id: '9', name: 'y', state: 'CANCELLED', held: false, exit: { code: null, signal: 'SIGKILL', known: true } },
    ]);
    expect(parseJobsJson('{"meta":{}}')).toEqual([]);
  });

  it('refuses 22.05\'s squeue --json of a controller that is down (exit 0, an errors list, no jobs) instead of reading it as no jobs', () => {
    const down = JSON.stringify({ meta: { Slurm: { release: '22.05.8' } },
      errors: [{ description: 'Failed while looking for jobs', error_number: -1, error: 'Unspecified error', source: 'slurm_load_jobs' }], jobs: [] });
    expect(() => parseJobsJson(down)).toThrow(SlurmQueueError);
    expect(() => parseJobsJson(down)).toThrow(/slurm_load_jobs: Failed while looking for jobs/);
    expect(parseJobsJson(JSON.stringify({ errors: [], jobs: [] }))).toEqual([]);
  });

  it('reads squeue and sacct text formats', () => {
    expect(parseSqueueText('12|RUNNING|carbond-a-r1|None|1001\n\n')).toEqual([{ id: '12', name: 'carbond-a-r1', state: 'RUNNING', held: false, uid: 1001 }]);
    expect(parseSacctText('3|exp|CANCELLED by 0|0:0\n4|e|COMPLETED|0:0\n5_1|arr|COMPLETED|0:0')).toEqual([
      { id: '3', name: 'exp', state: 'CANCELLED', held: false, exit: { code: null, signal: 'SIGKILL', known: true } },
      { id: '4', name: 'e', state: 'COMPLETED', held: false, exit: { code: 0, signal: null, known: true } },
    ]);
  });

  it('reads sbatch --parsable ids, with or without a cluster', () => {
    expect(parseSbatchId('123\n')).toBe('123');
    expect(parseSbatchId('123;cluster\n')).toBe('123');
    expect(parseSbatchId('sbatch: error')).toBeUndefined();
  });

  it('tells an unreachable controller from a refusal', () => {
    expect(isControllerUnreachable('squeue: error: Unable to contact slurm controller (connect failure)')).toBe(true);
    expect(isControllerUnreachable('slurm_load_jobs error: Invalid job id specified')).toBe(false);
  });

  it('writes a batch script that execs the argv word for word', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(batchScript(['python', 'train.py', '--name', "a b'c"], false, 'carbond job j run 1')).toBe("#!/bin/sh\n# carbond job j run 1\nexec 'python' 'train.py' '--name' 'a b'\\''c'\n");
    expect(slurmJobName('job/1 x', 4)).toBe('carbond-job_1_x-r4');
  });
});
