/**
 * The `RunExecutor` contract (DESIGN §1, §4): starts, asks to checkpoint, pauses,
 * suspends/continues and stops the runs of jobs on one site. Every implementation
 * (local process, simulated; Slurm next) passes `tests/contract/executors/`.
 *
 * Executors do not touch the ledger: they return what happened and the daemon's job
 * lifecycle (`src/daemon/jobs/`) records it.
 */
import type { JobEvent } from './events';
import type { JobRecord } from '../ledger/jobs';
import type { RunExitKind } from '../ledger/runs';

/** What an executor needs to know about the run it starts. */
export interface RunStartSpec {
  /** The ledger's run id (the run row is inserted before the start). */
  runId: number;
  /** CUDA_VISIBLE_DEVICES for the run, e.g. `0,1`; '' = no GPU (variable set empty). */
  gpuIds: string;
}

/** A verified checkpoint to resume from: becomes `CARBOND_RESUME_FROM`. */
export interface ResumePoint {
  path: string;
  step: number;
}

/** Where a run is and how to find it again; persisted in the `runs` row. */
export interface RunHandle {
  runId: number;
  jobId: string;
  /** Process group leader (local) — null for executors without processes. */
  pid: number | null;
  /** /proc/PID/stat field 22 of `pid`. */
  pidStartTicks: string | null;
  /** Executor-specific id (simulated run id, Slurm job id). */
  executorRef: string | null;
  /** Combined stdout+stderr of the run, null when the executor keeps none. */
  logPath: string | null;
  /** The `CARBOND_EVENTS` file. */
  eventsPath: string;
  /** The job's `CARBOND_CHECKPOINT_DIR` (acknowledged checkpoints must lie inside it). */
  checkpointDir: string;
}

/** How a run ended, as observed by the executor. */
export interface RunExit {
  /** Exit code of the command (null when killed by a signal or unknown). */
  code: number | null;
  /** Signal that ended it, e.g. `SIGKILL` (null when it exited). */
  signal: string | null;
  /** False when the process vanished without a recorded status (e.g. wrapper SIGKILLed while the daemon was down). */
  known: boolean;
}

export type RunPollState = 'running' | 'stopped' | 'exited';

export interface RunPoll {
  state: RunPollState;
  /** Set when `state === 'exited'`. */
  exit?: RunExit;
}

/**
 * Verifies an acknowledged checkpoint directory (manifest + sha256); throws `CheckpointError`
 * when bad. Default: `storeVerifier` (`./verify`), over the checkpoint store.
 */
export type VerifyCheckpoint = (
  ack: { path: string; step: number },
  job: { id: string; checkpointDir: string },
) => Promise<{ path: string; step: number; bytes: number }>;

export interface PauseOptions {
  /** e.g. `SIGTERM` (the job's `pause_signal`). */
  signal: NodeJS.Signals;
  /** How long the job has to checkpoint and exit before it is killed, ms. */
  checkpointTimeoutMs: number;
}

/** A checkpoint the run acknowledged after the pause request, with its verification. */
export interface AckedCheckpoint {
  path: string;
  step: number;
  bytes: number;
  verified: boolean;
  /** Why verification failed. */
  error?: string;
}

/**
 * The result of a pause request. `outcome`:
 * - `checkpointed`: a checkpoint newer than the request was acknowledged and verified, and the process exited;
 * - `exited`: it exited in time but without a verified new checkpoint (work since the last verified one is lost);
 * - `killed`: it did not exit in time and was killed (SIGKILL of the group).
 */
export interface PauseResult {
  outcome: 'checkpointed' | 'exited' | 'killed';
  exit: RunExit;
  /** Every checkpoint acknowledged after the request (newest last), verified or not. */
  checkpoints: AckedCheckpoint[];
  /** Milliseconds from the signal to the exit (or the kill). */
  latencyMs: number;
}

export interface RunExecutor {
  /** `local`, `simulated`, … */
  readonly kind: string;
  /** Starts the job's command for the run; resumes from `resumeFrom` when given (a VERIFIED checkpoint). */
  start(job: JobRecord, run: RunStartSpec, resumeFrom?: ResumePoint): Promise<RunHandle>;
  /** Pause signal → checkpoint ack + exit within the timeout, else kill. Resolves when the process is gone. */
  requestPause(handle: RunHandle, options: PauseOptions): Promise<PauseResult>;
  /** suspend mode: stop the whole process group (SIGSTOP). */
  suspend(handle: RunHandle): Promise<void>;
  /** suspend mode: continue the process group (SIGCONT). */
  continue(handle: RunHandle): Promise<void>;
  /** Kills the run now (SIGKILL of the group). Resolves when it is gone. */
  kill(handle: RunHandle): Promise<RunExit>;
  /** Non-blocking state of the run. */
  poll(handle: RunHandle): RunPoll;
  /** Resolves when the run exits. */
  wait(handle: RunHandle): Promise<RunExit>;
  /** Events appended by the job since `offset` (bytes for files; an index for simulated runs). */
  events(handle: RunHandle, offset: number): { events: JobEvent[]; nextOffset: number };
  /**
   * Re-attaches to a run recorded in the ledger after a daemon restart. Returns a handle
   * when the very same process still exists or its exit status is still readable;
   * `poll` on it then tells which. Never mistakes a reused PID for the run.
   */
  adopt(run: AdoptableRun, job: JobRecord): RunHandle;
  /**
   * Optional: whether the site can take work now (`ok: false` with a `reason`, e.g. the Slurm
   * controller does not answer). Executors of the local box omit it (always available). While a
   * site is unavailable its runs keep their last known state: `poll` never reports them exited,
   * so they are neither lost nor started again, and `start` throws (the Slurm executor's
   * `SlurmUnavailableError`). The daemon shows it in `status` and places no work there.
   */
  health?(): Promise<{ ok: boolean; reason?: string }>;
}

/** The part of a `runs` row `adopt` needs. */
export interface AdoptableRun {
  id: number;
  jobId: string;
  pid: number | null;
  pidStartTicks: string | null;
  executorRef: string | null;
  logPath: string | null;
}

/** What `classifyExit` needs to know besides the exit itself. */
export interface ExitContext {
  /** carbond asked the run to pause (sent its pause signal). */
  pauseRequested: boolean;
  /** carbond killed it (checkpoint timeout, cancel). */
  killedByCarbond: boolean;
  /** A checkpoint newer than the pause request was acknowledged and verified. */
  newVerifiedCheckpoint: boolean;
  /** The run reported its job's total steps (last step ≥ total steps, the total known). */
  reachedTotalSteps: boolean;
}

/**
 * Classifies how a run ended (DESIGN §4) — pure.
 * - killed by carbond (timeout, cancel) → `killed`;
 * - after a pause request: a verified new checkpoint → `paused`; exit 0 without one → `finished`
 *   only when the run reached its total steps (it completed as the request arrived), else
 *   `killed`: a job that exits 0 on the pause signal, or whose pause checkpoint failed
 *   verification, resumes from its last verified checkpoint and its work since is lost
 *   (a review saw such a job reported finished at step 88 of 681);
 * - no request: exit 0 → `finished`; any other exit → `failed`; status unknown → `lost`.
 */
export function classifyExit(exit: RunExit, ctx: ExitContext): RunExitKind {
  if (ctx.killedByCarbond) return 'killed';
  if (!exit.known) return 'lost';
  if (ctx.pauseRequested) {
    if (ctx.newVerifiedCheckpoint) return 'paused';
    return exit.code === 0 && ctx.reachedTotalSteps ? 'finished' : 'killed';
  }
  return exit.code === 0 ? 'finished' : 'failed';
}
