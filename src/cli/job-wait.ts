/**
 * Waiting for jobs from the CLI (`wait`, `submit --wait`, `pause|resume|cancel --wait`), the
 * way `sbatch --wait` blocks: ask the daemon for each job (`GET /v1/jobs/:id`, the owner-only
 * route: another user's job answers 403, as for `show`) until a condition holds, backing off
 * between asks. Polling, not a long-poll route: it needs nothing new from the daemon (no
 * per-job change notification in the lifecycle, no request held open on the control socket),
 * and at one small read a job every 2 s at most it costs the daemon nothing measurable.
 *
 * A daemon that stops answering after it has answered once (a restart, an upgrade) is asked
 * again until `lostAfterMs` has passed: the waiter then gives up with `WaitExit.Lost`.
 */
import type { Clock } from '../core/clock';
import type { JobDetailView } from './commands/show';

/**
 * Exit codes of waiting (README, "Exit codes"), above the CLI's own 0–4. A job that failed
 * with an exit status of its own passes that status on (1–255; 128 + N for signal N, as
 * shells do), so these may also be a job's own: `--json` says which (`state`, `exitStatus`).
 */
export enum WaitExit {
  /** `--timeout` expired before the job reached the state waited for. */
  Timeout = 5,
  /** The job was cancelled (by its owner or root). */
  Cancelled = 6,
  /** The job failed without an exit status of its own (could not start, killed by carbond). */
  Failed = 7,
  /** The daemon stopped answering for longer than the wait allows, or the job's last run was lost. */
  Lost = 8,
  /** The job finished, but after its deadline (its results are complete). */
  DeadlineMissed = 9,
}

/** First pause between asks, ms; it grows by half each time the job has not changed. */
export const WAIT_POLL_MIN_MS = 200;
/** Longest pause between asks, ms. */
export const WAIT_POLL_MAX_MS = 2_000;
/** How long a daemon may stay silent (restart) before the wait gives up with `WaitExit.Lost`, ms. */
export const WAIT_LOST_AFTER_MS = 60_000;

export type JobView = Pick<JobDetailView, 'id' | 'name' | 'state' | 'step' | 'totalSteps' | 'manualOverride' | 'deadlineMissed' | 'lateByMs' | 'runs'>;

interface RunView { exitKind: string | null; exitCode: number | null; exitSignal: string | null; endedAt: string | null }

/** How one job's wait ended: the exit code it stands for, and why, for people. */
export interface WaitEnd {
  id: string;
  name: string;
  state: string;
  /** The exit status of the job's last run (null: none, or killed by a signal). */
  exitStatus: number | null;
  exitSignal: string | null;
  deadlineMissed: boolean;
  lateByMs: number | null;
  /** This job's part of the CLI's exit code. */
  code: number;
  reason: string;
}

const TERMINAL = new Set(['finished', 'failed', 'cancelled']);

export function isEnded(view: Pick<JobView, 'state'>): boolean {
  return TERMINAL.has(view.state);
}

function lastRun(view: JobView): RunView | undefined {
  return (view.runs as RunView[]).at(-1);
}

/** 128 + the signal's number (SIGKILL → 137), as a shell reports a process killed by it; undefined for an unknown name. */
export function signalStatus(signal: string, signals: Readonly<Record<string, number>>): number | undefined {
  const n = signals[signal];
  return n === undefined ? undefined : 128 + n;
}

/**
 * The exit code a job in an end state stands for.
 * @example finished on time → 0; finished 1 h late → 9; failed with exit 3 → 3; killed by SIGKILL → 137; cancelled → 6
 */
export function endOf(view: JobView, signals: Readonly<Record<string, number>> = {}): WaitEnd {
  const run = lastRun(view);
  const base = { id: view.id, name: view.name, state: view.state, exitStatus: run?.exitCode ?? null, exitSignal: run?.exitSignal ?? null, deadlineMissed: view.deadlineMissed, lateByMs: view.lateByMs };
  if (view.state === 'finished') {
    return view.deadlineMissed ? { ...base, code: WaitExit.DeadlineMissed, reason: 'finished after its deadline' } : { ...base, code: 0, reason: 'finished' };
  }
  if (view.state === 'cancelled') return { ...base, code: WaitExit.Cancelled, reason: 'cancelled' };
  if (run?.exitKind === 'lost') return { ...base, code: WaitExit.Lost, reason: 'failed: its last run was lost' };
  if (run?.exitCode !== null && run?.exitCode !== undefined && run.exitCode > 0 && run.exitCode < 256) return { ...base, code: run.exitCode, reason: `failed with exit status ${run.exitCode}` };
  const bySignal = run?.exitSignal ? signalStatus(run.exitSignal, signals) : undefined;
  if (bySignal !== undefined) return { ...base, code: bySignal, reason: `failed: killed by ${run!.exitSignal}` };
  return { ...base, code: WaitExit.Failed, reason: 'failed without an exit status of its own' };
}

/** A one-line progress summary: `j1a2b running step 40/100`. */
export function progressText(views: readonly JobView[]): string {
  return views.map((v) => `${v.id} ${v.state}${v.manualOverride ? ` (held ${v.manualOverride})` : ''} step ${v.step}${v.totalSteps ? `/${v.totalSteps}` : ''}`).join(' · ');
}

export interface WaitDeps {
  /** The job now (throws `DaemonUnavailableError` when nothing answers). */
  get(id: string): Promise<JobView>;
  sleep(ms: number): Promise<void>;
  clock: Clock;
  /** Told each round's views (the TTY progress line). */
  progress?(views: readonly JobView[]): void;
  /** True for the error "the daemon does not answer". */
  isUnavailable(err: unknown): boolean;
}

export interface WaitOptions {
  /** Give up after this long, ms; absent = no limit. */
  timeoutMs?: number;
  lostAfterMs?: number;
}

export interface WaitOutcome {
  /** The last view of each job, in the order asked. */
  views: JobView[];
  timedOut: boolean;
  /** The daemon stopped answering for longer than `lostAfterMs`. */
  lost: boolean;
}

/**
 * Asks for every job until `done(view)` holds for all of them, the timeout passes, or the
 * daemon has been silent too long. The first ask's errors (no such job, not yours, no daemon)
 * are thrown as they are.
 */
export async function waitForJobs(ids: readonly string[], done: (v: JobView) => boolean, deps: WaitDeps, options: WaitOptions = {}): Promise<WaitOutcome> {
  const startMs = deps.clock.now();
  const lostAfterMs = options.lostAfterMs ?? WAIT_LOST_AFTER_MS;
  let views = await Promise.all(ids.map((id) => deps.get(id)));
  let silentSinceMs: number | undefined;
  let pauseMs = WAIT_POLL_MIN_MS;
  for (;;) {
    deps.progress?.(views);
    if (views.every(done)) return { views, timedOut: false, lost: false };
    const nowMs = deps.clock.now();
    if (options.timeoutMs !== undefined && nowMs - startMs >= options.timeoutMs) return { views, timedOut: true, lost: false };
    if (silentSinceMs !== undefined && nowMs - silentSinceMs >= lostAfterMs) return { views, timedOut: false, lost: true };
    const leftMs = options.timeoutMs === undefined ? pauseMs : Math.max(0, Math.min(pauseMs, startMs + options.timeoutMs - nowMs));
    await deps.sleep(leftMs);
    try {
      const next = await Promise.all(views.map((v) => (done(v) ? v : deps.get(v.id))));
      const changed = next.some((v, i) => v.state !== views[i]!.state || v.step !== views[i]!.step);
      pauseMs = changed ? WAIT_POLL_MIN_MS : Math.min(WAIT_POLL_MAX_MS, Math.round(pauseMs * 1.5));
      views = next;
      silentSinceMs = undefined;
    } catch (err) {
      if (!deps.isUnavailable(err)) throw err;
      silentSinceMs ??= nowMs;
      pauseMs = WAIT_POLL_MAX_MS;
    }
  }
}
