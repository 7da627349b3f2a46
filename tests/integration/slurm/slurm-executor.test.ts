/**
 * The Slurm executor against a real Slurm, beyond the contract: re-adoption after a daemon
 * restart never duplicates a job, and a stopped slurmctld makes the site unavailable without
 * losing its runs.
 */
import { spawnSync } from 'node:child_process';
import { SlurmUnavailableError, type SlurmExecutor } from '../../../src/executors/slurm';
import type { RunHandle } from '../../../src/executors/types';
import { describeSlurm, runSetup, SlurmWorld } from './slurm-env';

jest.setTimeout(120_000);

let runId = 100_000 + Math.floor(Math.random() * 100_000);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Slurm job ids named `name` in the controller (any state). */
function jobsNamed(name: string): string[] {
  const r = spawnSync('squeue', ['-h', '--states=all', '-n', name, '-o', '%i'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean);
}

async function progressed(ex: SlurmExecutor, h: RunHandle, step: number): Promise<number> {
  for (let i = 0; i < 300; i += 1) {
    const steps = ex.events(h, 0).events.flatMap((e) => (e.event === 'progress' ? [e.step] : []));
    if (Math.max(-1, ...steps) >= step) return Math.max(...steps);
    await sleep(50);
  }
  throw new Error(`run ${h.runId} did not reach step ${step}`);
}

describeSlurm('Slurm executor on a real Slurm', () => {
  let world: SlurmWorld;
  beforeAll(() => { world = new SlurmWorld(); });
  afterEach(() => { world.cancelAll(); });
  afterAll(() => { runSetup('start-ctld'); world?.cleanup(); });

  it('re-adopts a run by its job name after a restart that lost the Slurm job id, and never submits it twice', async () => {
    const job = world.job('protocol');
    const first = world.executor('zone-b');
    const spec = { runId: runId++, gpuIds: '' };
    const h = await first.start(job, spec);
    await progressed(first, h, 2);
    const name = `carbond-${job.id}-r${spec.runId}`;
    expect(jobsNamed(name)).toEqual([h.executorRef]);

    const second = world.executor('zone-b'); // the daemon restarted; its ledger has no executor_ref
    const adopted = second.adopt({ id: spec.runId, jobId: job.id, pid: null, pidStartTicks: null, executorRef: null, logPath: null }, job);
    expect(adopted.executorRef).toBe(h.executorRef);
    expect(second.poll(adopted).state).toBe('running');
    const again = await second.start(job, spec); // a repeated start of the same run
    expect(again.executorRef).toBe(h.executorRef);
    expect(jobsNamed(name)).toEqual([h.executorRef]);

    const paused = await second.requestPause(adopted, { signal: 'SIGTERM', checkpointTimeoutMs: 10_000 });
    expect(paused.outcome).toBe('checkpointed');
    expect(second.poll(adopted)).toEqual({ state: 'exited', exit: { code: 0, signal: null, known: true } });
  });

  it('never takes a run started right after a queue listing for gone: polled at once and on, it runs and makes progress', async () => {
    const ex = world.executor('zone-a', { pollMs: 5_000 }); // a listing is reused for 5 s
    const first = await ex.start(world.job('protocol'), { runId: runId++, gpuIds: '' }); // its start lists the queue
    const h = await ex.start(world.job('protocol'), { runId: runId++, gpuIds: '' }); // within the listing's poll interval
    for (let i = 0; i < 20; i++) {
      for (const run of [first, h]) expect(ex.poll(run).state).not.toBe('exited');
      await sleep(100);
    }
    expect((await Promise.race([ex.wait(h), sleep(1_000).then(() => 'still running')]))).toBe('still running');
    await progressed(ex, h, 2);
    expect(ex.poll(h).state).toBe('running');
    await ex.kill(first);
    await ex.kill(h);
  });

  it('reports the site unavailable while slurmctld is stopped, keeps the run running (never lost), and works again once it is back', async () => {
    const ex = world.executor('zone-a', { commandTimeoutMs: 8_000 });
    const job = world.job('protocol');
    const h = await ex.start(job, { runId: runId++, gpuIds: '' });
    await progressed(ex, h, 2);
    expect(await ex.health()).toEqual({ ok: true });

    runSetup('stop-ctld');
    try {
      const health = await ex.health();
      expect(health.ok).toBe(false);
      expect(health.reason).toMatch(/slurmctld/);
      expect(ex.poll(h)).toEqual({ state: 'running' });
      await expect(ex.start(world.job('short'), { runId: runId++, gpuIds: '' })).rejects.toBeInstanceOf(SlurmUnavailableError);
      // The job itself runs on under slurmd meanwhile.
      const before = await progressed(ex, h, 0);
      await progressed(ex, h, before + 5);
    } finally {
      runSetup('start-ctld');
    }
    expect(await ex.health()).toEqual({ ok: true });
    expect(ex.poll(h).state).toBe('running');
    const paused = await ex.requestPause(h, { signal: 'SIGTERM', checkpointTimeoutMs: 10_000 });
    expect(paused.outcome).toBe('checkpointed');
    expect(paused.checkpoints.at(-1)!.verified).toBe(true);
  });
});
