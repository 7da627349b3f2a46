/**
 * The RunExecutor contract suite (CONVENTIONS §3): every executor, fakes included,
 * runs these tests through a harness, so the simulated executor cannot drift from the
 * local one.
 */
import type { JobRecord } from '../../../src/ledger/jobs';
import { classifyExit, type RunExecutor, type RunHandle } from '../../../src/executors/types';

export type JobKind = 'protocol' | 'ignores-pause' | 'short';

export interface ExecutorHarness {
  /** A fresh executor; a second call models a daemon restart (same machine, new carbond). */
  make(): RunExecutor;
  /** A job of the kind: `protocol` runs 20 ms steps for a long time, `short` finishes in ~10 steps. */
  job(kind: JobKind): JobRecord;
  /** Lets `ms` of (real or simulated) time pass. */
  letTimePass(ms: number): Promise<void>;
  /** Stops whatever is left (children) and removes temp files. */
  cleanup(): Promise<void>;
}

let nextRunId = 1;
const runSpec = (): { runId: number; gpuIds: string } => ({ runId: nextRunId++, gpuIds: '' });

function progressSteps(ex: RunExecutor, h: RunHandle): number[] {
  return ex.events(h, 0).events.flatMap((e) => (e.event === 'progress' ? [e.step] : []));
}

/** Lets time pass in small slices until the run has reported `step` (at most 200 slices). */
async function progressTo(harness: ExecutorHarness, ex: RunExecutor, h: RunHandle, step: number): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const max = Math.max(-1, ...progressSteps(ex, h));
    if (max >= step) return max;
    await harness.letTimePass(50);
  }
  throw new Error(`run ${h.runId} did not reach step ${step}`);
}

export function executorContract(name: string, makeHarness: () => ExecutorHarness): void {
  describe(`RunExecutor contract: ${name}`, () => {
    let harness: ExecutorHarness;
    beforeEach(() => { harness = makeHarness(); });
    afterEach(async () => { await harness.cleanup(); });

    it('starts a run that reports progress and polls as running', async () => {
      const ex = harness.make();
      const h = await ex.start(harness.job('protocol'), runSpec());
      await progressTo(harness, ex, h, 3);
      expect(ex.poll(h).state).toBe('running');
      const exit = await ex.kill(h);
      expect(classifyExit(exit, { pauseRequested: false, killedByCarbond: true, newVerifiedCheckpoint: false, reachedTotalSteps: false })).toBe('killed');
      expect(ex.poll(h).state).toBe('exited');
    });

    it('pauses a protocol job with a verified checkpoint newer than the request, then it has exited', async () => {
      const ex = harness.make();
      const h = await ex.start(harness.job('protocol'), runSpec());
      await progressTo(harness, ex, h, 3);
      const result = await ex.requestPause(h, { signal: 'SIGTERM', checkpointTimeoutMs: 5_000 });
      expect(result.outcome).toBe('checkpointed');
      const last = result.checkpoints[result.checkpoints.length - 1]!;
      expect(last.verified).toBe(true);
      expect(last.step).toBeGreaterThanOrEqual(3);
      expect(result.exit.known).toBe(true);
      expect(ex.poll(h).state).toBe('exited');
    });

    it('resumes a run from a checkpoint at its step', async () => {
      const ex = harness.make();
      const job = harness.job('protocol');
      const h1 = await ex.start(job, runSpec());
      await progressTo(harness, ex, h1, 3);
      const paused = await ex.requestPause(h1, { signal: 'SIGTERM', checkpointTimeoutMs: 5_000 });
      const ckpt = paused.checkpoints[paused.checkpoints.length - 1]!;
      const h2 = await ex.start(job, runSpec(), { path: ckpt.path, step: ckpt.step });
      await progressTo(harness, ex, h2, ckpt.step + 1);
      const steps = progressSteps(ex, h2);
      expect(Math.min(...steps)).toBeGreaterThanOrEqual(ckpt.step);
      expect(Math.max(...steps)).toBeGreaterThan(ckpt.step);
      await ex.kill(h2);
    });

    it('kills a run that ignores the pause signal once the timeout has passed', async () => {
      const ex = harness.make();
      const h = await ex.start(harness.job('ignores-pause'), runSpec());
      await progressTo(harness, ex, h, 1); // its handler is installed by then
      const result = await ex.requestPause(h, { signal: 'SIGTERM', checkpointTimeoutMs: 300 });
      expect(result.outcome).toBe('killed');
      expect(result.latencyMs).toBeGreaterThanOrEqual(300);
      expect(result.checkpoints.filter((c) => c.verified)).toHaveLength(0);
      expect(ex.poll(h).state).toBe('exited');
    });

    it('suspends a run so it makes no progress, and continues it', async () => {
      const ex = harness.make();
      const h = await ex.start(harness.job('protocol'), runSpec());
      await progressTo(harness, ex, h, 1);
      await ex.suspend(h);
      await harness.letTimePass(100);
      expect(ex.poll(h).state).toBe('stopped');
      const frozen = Math.max(...progressSteps(ex, h));
      await harness.letTimePass(300);
      expect(Math.max(...progressSteps(ex, h))).toBe(frozen);
      await ex.continue(h);
      expect(ex.poll(h).state).toBe('running');
      await progressTo(harness, ex, h, frozen + 1);
      await ex.kill(h);
    });

    it('reports a run that completes as exited with code 0', async () => {
      const ex = harness.make();
      const h = await ex.start(harness.job('short'), runSpec());
      const waited = ex.wait(h);
      await harness.letTimePass(1_000);
      const exit = await waited;
      expect(exit).toEqual({ code: 0, signal: null, known: true });
      expect(classifyExit(exit, { pauseRequested: false, killedByCarbond: false, newVerifiedCheckpoint: false, reachedTotalSteps: false })).toBe('finished');
    });

    it('adopts a running run from a new executor (daemon restart) and can still pause it', async () => {
      const first = harness.make();
      const job = harness.job('protocol');
      const h = await first.start(job, runSpec());
      await progressTo(harness, first, h, 1);
      const second = harness.make();
      const adopted = second.adopt({ id: h.runId, jobId: h.jobId, pid: h.pid, pidStartTicks: h.pidStartTicks, executorRef: h.executorRef, logPath: h.logPath }, job);
      expect(second.poll(adopted).state).toBe('running');
      const result = await second.requestPause(adopted, { signal: 'SIGTERM', checkpointTimeoutMs: 5_000 });
      expect(result.outcome).toBe('checkpointed');
      expect(second.poll(adopted)).toEqual({ state: 'exited', exit: { code: 0, signal: null, known: true } });
    });
  });
}
