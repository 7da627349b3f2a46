/**
 * Waiting from a pipeline, with the built binary, a real daemon and real jobs: `submit --wait`
 * and `wait` block until the job ends and exit with what it came to (0 finished, the job's own
 * status when it failed, 6 cancelled), an unknown id is an input error (2), `--timeout` exits
 * 5, and `pause|resume|cancel --wait` return only once the job is there.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Groups } from '../../helpers/groups';
import { exitWithin, isolatedEnv, killAll, runCli, spawnCarbond, type SpawnedCarbond } from '../../helpers/processes';
import { makeTempDir, removeDir } from '../../helpers/state-dir';
import { waitFor, waitForSocket } from '../../helpers/wait';

const JOB = path.resolve(__dirname, '../../fixtures/jobs/protocol-job.js');
jest.setTimeout(90_000);

interface Detail {
  id: string;
  state: string;
  step: number;
  runs: Array<{ pid: number; exitKind: string | null; endedAt: string | null }>;
}
interface WaitEnd { id: string; state: string; exitStatus: number | null; code: number; reason: string }

describe('waiting for jobs (built binary, real daemon and jobs)', () => {
  let dir: string;
  let state: string;
  let env: NodeJS.ProcessEnv;
  let daemon: SpawnedCarbond;
  const pids = new Groups();
  beforeAll(async () => {
    dir = makeTempDir('cd-wait-');
    state = path.join(dir, 'state');
    env = isolatedEnv(dir, {}, 'tickInterval = "* * * * * *"\n[scheduler]\ncheckpointTimeout = "10s"\n');
    daemon = spawnCarbond(['daemon', '--state-dir', state], env);
    await waitForSocket(path.join(state, 'carbond.sock'), 15_000);
  });
  afterAll(async () => {
    daemon.process.kill('SIGTERM');
    await exitWithin(daemon, 20_000).catch(() => undefined);
    await killAll();
    pids.killAll();
    removeDir(dir);
  });

  const cli = (args: string[], timeoutMs = 30_000): ReturnType<typeof runCli> => runCli([args[0]!, '--state-dir', state, ...args.slice(1)], env, timeoutMs);
  const deadline = (): string => new Date(Date.now() + 24 * 3_600_000).toISOString();
  /** Submit flags for the counter job, in a working directory of its own (it writes starts.log there). */
  function counter(steps: number, ...extra: string[]): string[] {
    const cwd = fs.mkdtempSync(path.join(dir, 'job-'));
    const file = path.join(cwd, 'job.json');
    fs.writeFileSync(file, JSON.stringify({ cwd, name: 'counter', estimate: '1h', command: [process.execPath, JOB, '--steps', String(steps), '--step-ms', '20', '--checkpoint-every', '25', ...extra] }));
    return ['--file', file, '--deadline', deadline()];
  }
  async function submit(steps: number, ...extra: string[]): Promise<string> {
    const r = await cli(['submit', '--json', ...counter(steps, ...extra)]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    return (JSON.parse(r.stdout) as Detail).id;
  }
  async function show(id: string): Promise<Detail> {
    const d = JSON.parse((await cli(['show', id, '--json'])).stdout) as Detail;
    for (const run of d.runs) if (run.pid && run.exitKind === null) pids.add(run.pid);
    return d;
  }

  it('submit --wait blocks until the job finishes and exits 0, naming the job at once on stderr', async () => {
    const r = await cli(['submit', '--wait', ...counter(40)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^submitted (j[0-9a-f]+) \(counter\): queued/);
    const id = /^submitted (j[0-9a-f]+)/.exec(r.stderr)![1]!;
    expect(r.stdout.trim()).toBe(`${id} (counter): finished`);
    expect(await show(id)).toMatchObject({ state: 'finished', step: 40 });
  });

  it('wait exits with the failed job\'s own exit status, and --json says so', async () => {
    const id = await submit(100, '--fail-at', '5');
    const r = await cli(['wait', id, '--json']);
    expect(r.code).toBe(3);
    const out = JSON.parse(r.stdout) as { jobs: WaitEnd[]; exitCode: number };
    expect(out).toMatchObject({ exitCode: 3, jobs: [{ id, state: 'failed', exitStatus: 3, code: 3, reason: 'failed with exit status 3' }] });
  });

  it('a job cancelled while waited for makes wait exit 6; cancel --wait returns once its process is gone', async () => {
    const id = await submit(100_000);
    await waitFor('progress', async () => (await show(id)).step >= 5, 20_000, 200);
    const waiting = cli(['wait', id]);
    await new Promise((r) => setTimeout(r, 1_000)); // the waiter has asked a few times
    const cancel = await cli(['cancel', id, '--wait', '--json']);
    expect(cancel.code).toBe(0);
    const detail = JSON.parse(cancel.stdout) as Detail;
    expect(detail.state).toBe('cancelled');
    expect(detail.runs.every((run) => run.endedAt !== null)).toBe(true);
    const waited = await waiting;
    expect(waited.code).toBe(6);
    expect(waited.stdout.trim()).toBe(`${id} (counter): cancelled`);
  });

  it('wait on an unknown id is an input error naming it (exit 2)', async () => {
    const r = await cli(['wait', 'jnosuchjob']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/job: no such job .*"jnosuchjob"/);
    expect(r.stdout).toBe('');
  });

  it('pause --wait and resume --wait return once the job is paused / running; wait --timeout exits 5', async () => {
    const id = await submit(100_000);
    await waitFor('progress', async () => (await show(id)).step >= 5, 20_000, 200);
    const paused = await cli(['pause', id, '--wait', '--json']);
    expect(paused.code).toBe(0);
    expect((JSON.parse(paused.stdout) as Detail).state).toBe('paused');
    const resumed = await cli(['resume', id, '--wait', '--json']);
    expect(resumed.code).toBe(0);
    expect((JSON.parse(resumed.stdout) as Detail).state).toBe('running');
    const timedOut = await cli(['wait', id, '--timeout', '1s']);
    expect(timedOut.code).toBe(5);
    expect(timedOut.stdout).toMatch(/still running when --timeout expired/);
    expect(timedOut.wallMs).toBeLessThan(10_000);
    expect((await cli(['cancel', id, '--wait'])).code).toBe(0);
  });
});
