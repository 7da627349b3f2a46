/**
 * Running Slurm's client commands (`squeue`, `sacct`, `scontrol`, `scancel`), each with a
 * time limit, and telling "the controller cannot be reached" from "Slurm said no". The
 * executor's `poll` and `adopt` are synchronous in the contract, so there is a blocking
 * variant (a few tens of ms per call on a healthy controller; bounded by the time limit
 * when it is not).
 */
import { execFile, spawnSync } from 'node:child_process';
import { ExecutorError } from '../../core/errors';
import { isControllerUnreachable } from './parse';

/** Longest a Slurm command may take before the controller counts as unreachable, ms (default). */
export const DEFAULT_SLURM_COMMAND_TIMEOUT_MS = 15_000;

export interface SlurmResult {
  ok: boolean;
  stdout: string;
  stderr: string;
  /** The command failed because slurmctld could not be reached (or it timed out). */
  unreachable: boolean;
}

/**
 * The Slurm site's controller cannot be reached: nothing is known about its jobs, which are
 * neither lost nor to be started again. `SlurmExecutor.health()` says the same.
 */
export class SlurmUnavailableError extends ExecutorError {
  readonly site: string | undefined;
  constructor(message: string, jobId?: string, site?: string, options: { cause?: unknown } = {}) {
    super(message, jobId, options);
    this.site = site;
  }
}

function resultOf(status: number | null, stdout: string, stderr: string, timedOut: boolean, error?: Error): SlurmResult {
  const ok = status === 0 && !error;
  const text = `${stderr}\n${error && !timedOut ? error.message : ''}`;
  return { ok, stdout, stderr: timedOut ? `${stderr}\n(timed out)` : text.trim(), unreachable: !ok && (timedOut || isControllerUnreachable(text)) };
}

/** Runs `command args` to completion, blocking. */
export function runSlurmSync(command: string, args: readonly string[], timeoutMs: number): SlurmResult {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, env: process.env });
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  return resultOf(r.status, r.stdout ?? '', r.stderr ?? '', timedOut, r.error);
}

/** Runs `command args` to completion. */
export function runSlurm(command: string, args: readonly string[], timeoutMs: number, options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<SlurmResult> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, env: options.env ?? process.env, cwd: '/' },
      (error, stdout, stderr) => {
        const timedOut = Boolean(error && (error as { killed?: boolean }).killed);
        const status = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : null) : 0;
        resolve(resultOf(status, stdout, stderr, timedOut, error && status === null && !timedOut ? error : undefined));
      });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ?? '');
  });
}
