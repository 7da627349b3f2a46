/**
 * The built `carbond` end to end with real jobs: submit through the CLI, pause/resume by
 * hand, SIGKILL the daemon while a job runs and restart it (the job is re-adopted, never
 * started twice), stop it gracefully (the job checkpoints and pauses, then resumes from
 * its checkpoint), bad input exits 2 and records nothing, and only the owner or root acts.
 */
import { Groups } from '../../helpers/groups';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exitWithin, isolatedEnv, killAll, runCli, spawnCarbond, type SpawnedCarbond } from '../../helpers/processes';
import { makeTempDir, removeDir } from '../../helpers/state-dir';
import { waitFor, waitForSocket } from '../../helpers/wait';

const JOB = path.resolve(__dirname, '../../fixtures/jobs/protocol-job.js');
jest.setTimeout(90_000);
/** A deadline well within what submit accepts (at most 366 days ahead). */
const SOON = new Date(Date.now() + 30 * 86_400_000).toISOString();

interface Detail {
  id: string;
  state: string;
  step: number;
  manualOverride: string | null;
  lastVerifiedStep: number | null;
  runs: Array<{ id: number; pid: number; exitKind: string | null; startStep: number; lostSteps: number }>;
  transitions: Array<{ to: string; reason: string }>;
  checkpoints: Array<{ path: string; step: number; status: string }>;
}

describe('run control through the daemon (built binary, real jobs)', () => {
  let dir: string;
  let state: string;
  let env: NodeJS.ProcessEnv;
  const pids = new Groups();
  beforeEach(() => {
    dir = makeTempDir('cd-rc-');
    state = path.join(dir, 'state');
    env = isolatedEnv(dir, {}, 'tickInterval = "* * * * * *"\n[scheduler]\ncheckpointTimeout = "10s"\nkeepCheckpoints = 1\n');
  });
  afterEach(async () => {
    await killAll();
    pids.killAll();
    removeDir(dir);
  });

  const cli = (cmd: string, ...args: string[]): ReturnType<typeof runCli> => runCli([cmd, '--state-dir', state, ...args], env);
  async function show(id: string): Promise<Detail> {
    const r = await cli('show', id, '--json');
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as Detail;
    for (const run of d.runs) if (run.pid && run.exitKind === null) pids.add(run.pid);
    return d;
  }
  async function daemon(): Promise<SpawnedCarbond> {
    const d = spawnCarbond(['daemon', '--state-dir', state], env);
    await waitForSocket(path.join(state, 'carbond.sock'), 15_000);
    return d;
  }
  async function submit(steps: number): Promise<{ id: string; cwd: string }> {
    const cwd = fs.mkdtempSync(path.join(dir, 'job-'));
    const file = path.join(cwd, 'job.json');
    fs.writeFileSync(file, JSON.stringify({ cwd, name: 'counter', estimate: '1h', command: [process.execPath, JOB, '--steps', String(steps), '--step-ms', '20', '--checkpoint-every', '25'] }));
    const r = await cli('submit', '--file', file, '--deadline', new Date(Date.now() + 24 * 3_600_000).toISOString(), '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return { id: (JSON.parse(r.stdout) as Detail).id, cwd };
  }
  const starts = (cwd: string): number[] => fs.readFileSync(path.join(cwd, 'starts.log'), 'utf8').trim().split('\n').map((l) => Number(l.split(' ')[2]));

  it('re-adopts a running job after the daemon is SIGKILLed, and resumes from the checkpoint after a graceful stop', async () => {
    let d = await daemon();
    const job = await submit(100_000);
    await waitFor('the job to make progress', async () => (await show(job.id)).step >= 30, 20_000, 200);
    const before = await show(job.id);
    d.process.kill('SIGKILL');
    await exitWithin(d, 5_000);
    d = await daemon();
    await waitFor('a tick after the restart', async () => (await show(job.id)).step > before.step, 20_000, 200);
    const after = await show(job.id);
    expect(after.state).toBe('running');
    expect(after.runs).toHaveLength(1);
    expect(after.runs[0]!.pid).toBe(before.runs[0]!.pid);
    expect(starts(job.cwd)).toEqual([0]);

    d.process.kill('SIGTERM');
    expect(await exitWithin(d, 20_000)).toEqual({ code: 0, signal: null });
    const stopped = await show(job.id);
    expect(stopped.state).toBe('paused');
    expect(stopped.runs[0]).toMatchObject({ exitKind: 'paused', lostSteps: 0 });
    expect(stopped.transitions.at(-2)!.reason).toMatch(/daemon stopping/);
    const ckptStep = stopped.lastVerifiedStep!;
    expect(ckptStep).toBeGreaterThanOrEqual(after.step);
    // keepCheckpoints = 1: of the periodic checkpoints (every 25 steps, so at least one) and the pause's, only the newest is left.
    const verified = stopped.checkpoints.filter((c) => c.status === 'verified');
    expect(verified.map((c) => c.step)).toEqual([ckptStep]);
    expect(stopped.checkpoints.filter((c) => c.status === 'pruned').length).toBeGreaterThanOrEqual(1);
    expect(fs.readdirSync(path.join(state, 'users', String(process.getuid!()), 'checkpoints', job.id))).toEqual([path.basename(verified[0]!.path)]);

    d = await daemon();
    await waitFor('the resumed run', async () => (await show(job.id)).runs.length === 2 && (await show(job.id)).state === 'running', 20_000, 200);
    await waitFor('the resumed job to log its start', () => starts(job.cwd).length === 2, 10_000);
    expect(starts(job.cwd)).toEqual([0, ckptStep]);
    const cancelled = await cli('cancel', job.id, '--json');
    expect({ code: cancelled.code, stderr: cancelled.stderr }).toEqual({ code: 0, stderr: '' });
    expect((JSON.parse(cancelled.stdout) as Detail).state).toBe('cancelled');
    d.process.kill('SIGTERM');
    await exitWithin(d, 20_000);
  });

  it('prints a job\'s output, and holds a manual pause against the plan until resume --auto', async () => {
    const d = await daemon();
    const job = await submit(100_000);
    await waitFor('progress', async () => (await show(job.id)).step >= 10, 20_000, 200);
    const logs = await cli('logs', job.id);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/^step 10$/m);
    expect((await cli('pause', job.id)).code).toBe(0);
    await waitFor('the pause', async () => (await show(job.id)).state === 'paused', 20_000, 200);
    await new Promise((r) => setTimeout(r, 2_500)); // a few ticks: the run-everything plan would resume it
    const held = await show(job.id);
    expect(held).toMatchObject({ state: 'paused', manualOverride: 'pause' });
    expect(held.runs).toHaveLength(1);
    expect((await cli('resume', job.id, '--auto')).code).toBe(0);
    await waitFor('the plan to resume it', async () => (await show(job.id)).state === 'running', 20_000, 200);
    expect((await show(job.id)).manualOverride).toBeNull();
    d.process.kill('SIGTERM');
    await exitWithin(d, 20_000);
  });

  it('rejects bad submissions with exit 2 naming the problem and records nothing', async () => {
    const d = await daemon();
    const missing = await cli('submit', '--deadline', SOON);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/command: is missing/);
    const past = await cli('submit', '--deadline', '2001-01-01T00:00:00Z', '--', 'true');
    expect(past.code).toBe(2);
    expect(past.stderr).toMatch(/deadline: is in the past/);
    const site = await cli('submit', '--deadline', SOON, '--sites', 'moon', '--', 'true');
    expect(site.stderr).toMatch(/sites: unknown site .*"moon"/);
    expect(site.code).toBe(2);
    const fit = await cli('submit', '--deadline', new Date(Date.now() + 3_600_000).toISOString(), '--estimate', '6h', '--', 'true');
    expect(fit.code).toBe(2);
    expect(fit.stderr).toMatch(/estimate: cannot fit before the deadline/);
    const retries = await cli('submit', '--deadline', SOON, '--retries', '21', '--', 'true');
    expect(retries.code).toBe(2);
    expect(retries.stderr).toMatch(/retries: must be a whole number from 0 to 20/);
    const list = await cli('list', '--json');
    expect(JSON.parse(list.stdout)).toEqual([]);
    d.process.kill('SIGTERM');
    await exitWithin(d, 20_000);
  });
});

describe('submit --retries (built binary)', () => {
  let dir: string;
  afterEach(async () => { await killAll(); removeDir(dir); });

  it('records the retry count the user gave, and 0 when none', async () => {
    dir = makeTempDir('cd-rt-');
    const state = path.join(dir, 'state');
    const env = isolatedEnv(dir, {}, '[scheduler]\ncheckpointTimeout = "10s"\n');
    const d = spawnCarbond(['daemon', '--state-dir', state], env);
    await waitForSocket(path.join(state, 'carbond.sock'), 15_000);
    const submit = async (...flags: string[]): Promise<{ job: { retries: number } }> => {
      const r = await runCli(['submit', '--state-dir', state, '--deadline', SOON, ...flags, '--json', '--', 'sleep', '600'], env);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      return JSON.parse(r.stdout) as { job: { retries: number } };
    };
    expect((await submit('--retries', '3')).job.retries).toBe(3);
    expect((await submit()).job.retries).toBe(0);
    d.process.kill('SIGTERM');
    await exitWithin(d, 20_000);
  });
});
