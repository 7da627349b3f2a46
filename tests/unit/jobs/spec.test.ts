import { InputError } from '../../../src/core/errors';
import { checkJobSpec, compileJob, type JobSpec, type SpecContext } from '../../../src/jobs/spec';
import { remainingWorkMs, msPerStepObserved } from '../../../src/jobs/remaining';

const NOW = Date.parse('2026-11-29T12:00:00Z');
const ctx: SpecContext = { nowMs: NOW, sites: { box1: { gpus: 4 }, box2: { gpus: 0 } }, safetyMarginMs: 30 * 60_000, checkpointTimeoutMs: 120_000, pauseOverheadMs: 300_000 };
const good: JobSpec = { command: ['python', 'train.py'], cwd: '/home/a', deadlineMs: NOW + 10 * 3_600_000, estimateMs: 6 * 3_600_000 };

describe('job submission checks', () => {
  it('accepts a job that fits and compiles it with the defaults', () => {
    const job = compileJob(good, ctx, { id: 'j1', owner: 'ann', uid: 1000, gid: 1000, checkpointDir: '/var/lib/carbond/checkpoints/j1' });
    expect(job).toMatchObject({ name: 'python', sites: ['box1', 'box2'], homeSite: 'box1', mode: 'checkpoint', pauseSignal: 'SIGTERM', checkpointTimeoutMs: 120_000, submittedAtMs: NOW });
  });

  it.each<[string, Partial<JobSpec>, string, RegExp]>([
    ['a missing command', { command: [] }, 'command', /is missing/],
    ['a deadline in the past', { deadlineMs: NOW - 1 }, 'deadline', /in the past/],
    ['an unknown site', { sites: ['box9'] }, 'sites', /unknown site \(configured: box1, box2\)/],
    ['an estimate that cannot fit', { estimateMs: 10 * 3_600_000 }, 'estimate', /cannot fit before the deadline: 10h of work \+ 30m margin, but only 10h left/],
    ['too many GPUs', { gpus: 8 }, 'gpus', /no allowed site/],
    ['a bad signal', { pauseSignal: 'SIGNOPE' }, 'pauseSignal', /not a signal/],
  ])('rejects %s naming the field', (_what, change, field, message) => {
    const issues = checkJobSpec({ ...good, ...change }, ctx).all;
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe(field);
    expect(issues[0]!.message).toMatch(message);
  });

  it('reports every problem at once as an InputError with exit code 2', () => {
    let err: unknown;
    try {
      compileJob({ ...good, command: [], deadlineMs: NOW - 1, sites: ['x'] }, ctx, { id: 'j', owner: 'a', uid: null, gid: null, checkpointDir: '/c' });
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).exitCode).toBe(2);
    expect((err as InputError).issues.map((i) => i.path)).toEqual(['command', 'deadline', 'sites']);
  });
});

describe('remaining work', () => {
  it.each([
    [{ estimateMs: 3_600_000, totalSteps: null, doneSteps: 500 }, 3_600_000],
    [{ estimateMs: 3_600_000, totalSteps: 1000, doneSteps: 250 }, 2_700_000],
    [{ estimateMs: 3_600_000, totalSteps: 1000, doneSteps: 250, msPerStep: 2_000 }, 1_500_000],
    [{ estimateMs: 3_600_000, totalSteps: 1000, doneSteps: 1200, msPerStep: 2_000 }, 0],
  ])('%j needs %d ms more', (job, expected) => {
    expect(remainingWorkMs(job)).toBe(expected);
  });

  it('takes the step rate from the newest run with two progress points', () => {
    expect(msPerStepObserved([
      { runId: 1, atMs: 0, step: 0 }, { runId: 1, atMs: 10_000, step: 100 },
      { runId: 2, atMs: 50_000, step: 100 }, { runId: 2, atMs: 110_000, step: 400 },
    ])).toBe(200);
    expect(msPerStepObserved([{ runId: 3, atMs: 0, step: 7 }])).toBeUndefined();
  });
});
