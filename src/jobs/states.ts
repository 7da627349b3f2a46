/**
 * The job state machine (CONVENTIONS §5): one table of states and legal transitions.
 * Transitions are appended to the ledger (`transitions`); a job's current state is the
 * `to_state` of its newest row. An illegal transition throws `StateError`.
 */
import { StateError } from '../core/errors';

export type JobState =
  | 'queued'
  | 'running'
  | 'pausing'
  | 'paused'
  | 'suspended'
  | 'finished'
  | 'failed'
  | 'cancelled';

/** Every state, with why it exists and where it may go next. */
export const JOB_STATES: Readonly<Record<JobState, { doc: string; next: readonly JobState[] }>> = {
  // Submitted and accepted; no run has started yet. Waits for the plan (or a manual resume).
  queued: { doc: 'submitted, never started', next: ['running', 'failed', 'cancelled'] },
  // A run is live: a process (group) exists on a site and is doing work.
  running: { doc: 'a run is live', next: ['pausing', 'suspended', 'paused', 'finished', 'failed', 'cancelled'] },
  // The pause signal was sent; waiting up to checkpointTimeoutMs for a checkpoint ack and the exit.
  pausing: { doc: 'pause signal sent, waiting for checkpoint and exit', next: ['paused', 'finished', 'failed', 'cancelled'] },
  // No process; resumes from its last verified checkpoint (or from scratch when it has none).
  // Also where a failed run leaves its job while retries are left (src/daemon/jobs/retry.ts).
  paused: { doc: 'no process; resumable from the last verified checkpoint', next: ['running', 'failed', 'cancelled'] },
  // suspend mode: the process group is SIGSTOPped; it keeps its memory (and GPU memory).
  suspended: { doc: 'process group stopped (SIGSTOP)', next: ['running', 'paused', 'finished', 'failed', 'cancelled'] },
  // Terminal: the command exited 0 without being asked to pause.
  finished: { doc: 'the command completed', next: [] },
  // Terminal: the command exited non-zero on its own with no retry left, or could not be started (missing cwd, …).
  failed: { doc: 'the command failed', next: [] },
  // Terminal: the owner or root cancelled it; any live run was killed.
  cancelled: { doc: 'cancelled by its owner or root', next: [] },
};

/** States in which the job has a live process (group). */
export const LIVE_STATES: readonly JobState[] = ['running', 'pausing', 'suspended'];
/** States from which nothing follows. */
export const TERMINAL_STATES: readonly JobState[] = ['finished', 'failed', 'cancelled'];

export function isJobState(value: string): value is JobState {
  return Object.prototype.hasOwnProperty.call(JOB_STATES, value);
}

export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.includes(state);
}

export function isLive(state: JobState): boolean {
  return LIVE_STATES.includes(state);
}

export function canTransition(from: JobState | null, to: JobState): boolean {
  if (from === null) return to === 'queued';
  return JOB_STATES[from].next.includes(to);
}

/** Throws `StateError` unless `from → to` is in the table (`null → queued` is the submit). */
export function assertTransition(jobId: string, from: JobState | null, to: JobState): void {
  if (!canTransition(from, to)) {
    throw new StateError(`job ${jobId}: illegal transition ${from ?? '(none)'} → ${to}`);
  }
}
