import { ManualClock } from '../../../src/core/clock';
import { DaemonUnavailableError } from '../../../src/cli/daemon-client';
import { endOf, waitForJobs, WaitExit, type JobView } from '../../../src/cli/job-wait';

const SIGNALS = { SIGKILL: 9, SIGTERM: 15 };

function view(state: string, over: Partial<JobView> = {}, run: Record<string, unknown> | null = null): JobView {
  return { id: 'j1', name: 'n', state, step: 0, totalSteps: null, manualOverride: null, deadlineMissed: false, lateByMs: null, runs: run ? [run] : [], ...over } as JobView;
}
const run = (exitKind: string, exitCode: number | null, exitSignal: string | null = null): Record<string, unknown> => ({ exitKind, exitCode, exitSignal, endedAt: '2026-01-01T00:00:00Z' });

describe('the exit code a waited-for job stands for', () => {
  it.each([
    ['finished on time', view('finished', {}, run('finished', 0)), 0],
    ['finished after its deadline', view('finished', { deadlineMissed: true, lateByMs: 60_000 }, run('finished', 0)), WaitExit.DeadlineMissed],
    ['cancelled', view('cancelled', {}, run('killed', null, 'SIGKILL')), WaitExit.Cancelled],
    ['failed with its own status 3', view('failed', {}, run('failed', 3)), 3],
    ['failed, killed by SIGKILL', view('failed', {}, run('failed', null, 'SIGKILL')), 137],
    ['failed without a run (could not start)', view('failed'), WaitExit.Failed],
    ['failed, its last run lost', view('failed', {}, run('lost', null)), WaitExit.Lost],
  ])('%s', (_what, v, code) => {
    expect(endOf(v, SIGNALS).code).toBe(code);
  });

  it('keeps the documented codes clear of the CLI\'s own 0–4', () => {
    expect(Object.values(WaitExit).filter((v) => typeof v === 'number').sort()).toEqual([5, 6, 7, 8, 9]);
  });
});

describe('waitForJobs', () => {
  const clock = new ManualClock(0);
  const sleep = (ms: number): Promise<void> => { clock.advance(ms); return Promise.resolve(); };
  const isUnavailable = (err: unknown): boolean => err instanceof DaemonUnavailableError;

  it('asks again, backing off, until the job ends', async () => {
    const states = ['queued', 'running', 'running', 'running', 'finished'];
    const pauses: number[] = [];
    const out = await waitForJobs(['j1'], (v) => v.state === 'finished', {
      clock, isUnavailable, get: async () => view(states.shift()!, { step: 1 }), sleep: (ms) => { pauses.push(ms); return sleep(ms); },
    });
    expect(out).toMatchObject({ timedOut: false, lost: false, views: [{ state: 'finished' }] });
    expect(pauses).toEqual([200, 200, 300, 450]);
  });

  it('gives up as timed out at --timeout, and as lost when the daemon stays silent', async () => {
    const timed = await waitForJobs(['j1'], () => false, { clock, isUnavailable, sleep, get: async () => view('running') }, { timeoutMs: 5_000 });
    expect(timed.timedOut).toBe(true);
    let calls = 0;
    const get = async (): Promise<JobView> => { calls += 1; if (calls > 1) throw new DaemonUnavailableError('/s', 'ECONNREFUSED'); return view('running'); };
    const lost = await waitForJobs(['j1'], () => false, { clock, isUnavailable, sleep, get }, { lostAfterMs: 10_000 });
    expect(lost).toMatchObject({ lost: true, timedOut: false });
  });

  it('throws the first answer\'s error (no daemon, no such job, not yours) at once', async () => {
    const get = async (): Promise<JobView> => { throw new DaemonUnavailableError('/s', 'ENOENT'); };
    await expect(waitForJobs(['j1'], () => false, { clock, isUnavailable, sleep, get })).rejects.toThrow(/not running/);
  });
});
