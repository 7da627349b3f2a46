/**
 * A simulated executor (DESIGN §3: `carbond simulate`, and the daemon tests): runs exist
 * only in memory and advance with a `Clock`. A run makes one step per `stepMs` of
 * unstopped time, checkpoints every `checkpointEverySteps` and on a pause request, and
 * exits 0 at `totalSteps`. Passes the same contract suite as the local executor.
 */
import type { Clock } from '../core/clock';
import { ExecutorError } from '../core/errors';
import type { JobRecord } from '../ledger/jobs';
import type { JobEvent } from './events';
import type { AdoptableRun, PauseOptions, PauseResult, ResumePoint, RunExecutor, RunExit, RunHandle, RunPoll, RunStartSpec } from './types';

/** How a simulated job behaves. */
export interface SimulatedBehaviour {
  /** Running time per step, ms. */
  stepMs: number;
  totalSteps: number;
  /** Periodic checkpoints; 0 = only on pause. */
  checkpointEverySteps: number;
  /** Ignores the pause signal (is killed after the timeout). */
  ignoresPause: boolean;
  /** Time from the pause signal to the checkpoint-and-exit, ms (reported as latency). */
  pauseLatencyMs: number;
  /** Exits 1 on reaching this step (every run that gets there: a crash that recurs); absent = never. */
  failAtStep?: number;
  /**
   * Running time a run resumed from a checkpoint spends before its first step (loading the
   * checkpoint, warming up), at full power; a fresh start spends none. Default 0.
   */
  resumeOverheadMs?: number;
}

export const DEFAULT_SIMULATED_BEHAVIOUR: SimulatedBehaviour = { stepMs: 1_000, totalSteps: 3_600, checkpointEverySteps: 0, ignoresPause: false, pauseLatencyMs: 5_000 };

interface SimRun {
  handle: RunHandle;
  behaviour: SimulatedBehaviour;
  startStep: number;
  /** Running time before the first step (a resume's overhead), ms. */
  overheadMs: number;
  /** Running time accumulated before `runningSinceMs`. */
  ranMs: number;
  runningSinceMs: number | null;
  exit?: RunExit;
  events: JobEvent[];
  lastCheckpointStep: number;
  lastProgressStep: number;
  waiters: Array<(exit: RunExit) => void>;
}

/** The simulated machine: survives a simulated daemon restart (a new executor over the same world). */
export class SimulatedWorld {
  readonly runs = new Map<number, SimRun>();
  /** Set to a reason to simulate the site's controller being away (`health()` says so); undefined = up. */
  outage: string | undefined;
}

export interface SimulatedExecutorOptions {
  clock: Clock;
  world?: SimulatedWorld;
  /** Behaviour per job; default `DEFAULT_SIMULATED_BEHAVIOUR` with `totalSteps` from the job's estimate at 1 s a step. */
  behaviourOf?: (job: JobRecord) => SimulatedBehaviour;
}

export class SimulatedExecutor implements RunExecutor {
  readonly kind = 'simulated';
  readonly world: SimulatedWorld;

  constructor(private readonly options: SimulatedExecutorOptions) {
    this.world = options.world ?? new SimulatedWorld();
  }

  async start(job: JobRecord, run: RunStartSpec, resumeFrom?: ResumePoint): Promise<RunHandle> {
    const behaviour = this.options.behaviourOf?.(job) ?? { ...DEFAULT_SIMULATED_BEHAVIOUR, totalSteps: Math.max(1, Math.ceil(job.estimateMs / DEFAULT_SIMULATED_BEHAVIOUR.stepMs)) };
    const handle: RunHandle = { runId: run.runId, jobId: job.id, pid: null, pidStartTicks: null, executorRef: `sim-${run.runId}`, logPath: null,
      eventsPath: `sim://${run.runId}/events`, checkpointDir: job.checkpointDir };
    const startStep = resumeFrom?.step ?? 0;
    const overheadMs = resumeFrom ? behaviour.resumeOverheadMs ?? 0 : 0;
    this.world.runs.set(run.runId, { handle, behaviour, startStep, overheadMs, ranMs: 0, runningSinceMs: this.options.clock.now(), events: [], lastCheckpointStep: startStep, lastProgressStep: startStep, waiters: [] });
    return handle;
  }

  poll(handle: RunHandle): RunPoll {
    const r = this.run(handle);
    this.advance(r);
    if (r.exit) return { state: 'exited', exit: r.exit };
    return { state: r.runningSinceMs === null ? 'stopped' : 'running' };
  }

  /** Resolves when the run exits; simulated time moves only when the clock is advanced and `tick()` (or `poll`) runs. */
  wait(handle: RunHandle): Promise<RunExit> {
    const r = this.run(handle);
    this.advance(r);
    if (r.exit) return Promise.resolve(r.exit);
    return new Promise((resolve) => r.waiters.push(resolve));
  }

  /** Whether the simulated site can take orders (see `SimulatedWorld.outage`). */
  async health(): Promise<{ ok: boolean; reason?: string }> {
    return this.world.outage === undefined ? { ok: true } : { ok: false, reason: this.world.outage };
  }

  /** Brings every run up to the clock's time (events, exits); call after advancing the clock. */
  tick(): void {
    for (const r of this.world.runs.values()) this.advance(r);
  }

  /**
   * When the next running run will exit on its own (its last step), if nothing stops it first;
   * Infinity when none runs. What a simulation sleeps until at most.
   * @example a run at step 10 of 100, 1 s a step, running since t → exits at t + 90 s
   */
  nextExitMs(): number {
    let next = Infinity;
    for (const r of this.world.runs.values()) {
      if (r.exit || r.runningSinceMs === null) continue;
      const needMs = r.overheadMs + (this.lastStepOf(r) - r.startStep) * r.behaviour.stepMs;
      next = Math.min(next, r.runningSinceMs + Math.max(0, needMs - r.ranMs));
    }
    return next;
  }

  /**
   * Forgets the runs that have ended: a long simulation keeps only what may still be asked
   * about. Call only once their exits are recorded (after the lifecycle's tick).
   */
  forgetEnded(): void {
    for (const [id, r] of this.world.runs) if (r.exit) this.world.runs.delete(id);
  }

  async requestPause(handle: RunHandle, options: PauseOptions): Promise<PauseResult> {
    const r = this.live(handle, options.signal);
    if (r.behaviour.ignoresPause) {
      const exit = this.end(r, { code: null, signal: 'SIGKILL', known: true });
      return { outcome: 'killed', exit, checkpoints: [], latencyMs: options.checkpointTimeoutMs };
    }
    const step = this.stepOf(r);
    const path = `${handle.checkpointDir}/ckpt-${String(step).padStart(12, '0')}`;
    r.events.push({ event: 'checkpoint', path, step });
    const exit = this.end(r, { code: 0, signal: null, known: true });
    return { outcome: 'checkpointed', exit, checkpoints: [{ path, step, bytes: 0, verified: true }], latencyMs: r.behaviour.pauseLatencyMs };
  }

  async suspend(handle: RunHandle): Promise<void> {
    const r = this.live(handle, 'SIGSTOP');
    if (r.runningSinceMs !== null) {
      r.ranMs += this.options.clock.now() - r.runningSinceMs;
      r.runningSinceMs = null;
    }
  }

  async continue(handle: RunHandle): Promise<void> {
    const r = this.live(handle, 'SIGCONT');
    if (r.runningSinceMs === null) r.runningSinceMs = this.options.clock.now();
  }

  async kill(handle: RunHandle): Promise<RunExit> {
    const r = this.run(handle);
    this.advance(r);
    return r.exit ?? this.end(r, { code: null, signal: 'SIGKILL', known: true });
  }

  events(handle: RunHandle, offset: number): { events: JobEvent[]; nextOffset: number } {
    const r = this.run(handle);
    this.advance(r);
    return { events: r.events.slice(offset), nextOffset: r.events.length };
  }

  adopt(run: AdoptableRun, job: JobRecord): RunHandle {
    const r = this.world.runs.get(run.id);
    if (r) return r.handle;
    return { runId: run.id, jobId: run.jobId, pid: null, pidStartTicks: null, executorRef: run.executorRef, logPath: null, eventsPath: `sim://${run.id}/events`, checkpointDir: job.checkpointDir };
  }

  private run(handle: RunHandle): SimRun {
    const r = this.world.runs.get(handle.runId);
    if (r) return r;
    // Unknown to the world (never started here): it vanished without a status.
    const lost: SimRun = { handle, behaviour: DEFAULT_SIMULATED_BEHAVIOUR, startStep: 0, overheadMs: 0, ranMs: 0, runningSinceMs: null, events: [], lastCheckpointStep: 0, lastProgressStep: 0, waiters: [], exit: { code: null, signal: null, known: false } };
    this.world.runs.set(handle.runId, lost);
    return lost;
  }

  private live(handle: RunHandle, what: string): SimRun {
    const r = this.run(handle);
    this.advance(r);
    if (r.exit) throw new ExecutorError(`run ${handle.runId} of job ${handle.jobId} is not running (cannot send ${what})`, handle.jobId);
    return r;
  }

  private stepOf(r: SimRun): number {
    const ranMs = r.ranMs + (r.runningSinceMs === null ? 0 : this.options.clock.now() - r.runningSinceMs);
    return Math.min(this.lastStepOf(r), r.startStep + Math.floor(Math.max(0, ranMs - r.overheadMs) / r.behaviour.stepMs));
  }

  /** The step a run ends at: where it fails, when it gets there before its total, else its total. */
  private lastStepOf(r: SimRun): number {
    const failAt = r.behaviour.failAtStep;
    return failAt !== undefined && failAt > r.startStep && failAt < r.behaviour.totalSteps ? failAt : r.behaviour.totalSteps;
  }

  /** Emits the progress/checkpoint events up to now and ends the run at its last step. */
  private advance(r: SimRun): void {
    if (r.exit) return;
    const step = this.stepOf(r);
    const every = r.behaviour.checkpointEverySteps;
    if (every > 0) {
      for (let s = (Math.floor(r.lastCheckpointStep / every) + 1) * every; s <= step; s += every) {
        r.events.push({ event: 'checkpoint', path: `${r.handle.checkpointDir}/ckpt-${String(s).padStart(12, '0')}`, step: s });
        r.lastCheckpointStep = s;
      }
    }
    if (step > r.lastProgressStep) {
      r.events.push({ event: 'progress', step, totalSteps: r.behaviour.totalSteps });
      r.lastProgressStep = step;
    }
    if (step >= this.lastStepOf(r)) this.end(r, { code: step >= r.behaviour.totalSteps ? 0 : 1, signal: null, known: true });
  }

  private end(r: SimRun, exit: RunExit): RunExit {
    if (r.runningSinceMs !== null) r.ranMs += this.options.clock.now() - r.runningSinceMs;
    r.runningSinceMs = null;
    r.exit = exit;
    for (const w of r.waiters.splice(0)) w(exit);
    return exit;
  }
}
