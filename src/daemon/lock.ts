/**
 * One daemon per state directory. The lock is a file `<stateDir>/daemon.lock` created
 * exclusively (O_EXCL) and holding the owner's pid and its start time from
 * `/proc/<pid>/stat`. A lock whose owner is gone — or whose pid was reused by another
 * process (different start time) — is stale and taken over. Node has no flock(2); this
 * is the portable equivalent that survives `kill -9`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CarbondError, ExitCode } from '../core/errors';

export const LOCK_FILE = 'daemon.lock';

/** The state dir is held by a live daemon. Exit code 1. */
export class DaemonRunningError extends CarbondError {
  readonly pid: number;
  constructor(stateDir: string, pid: number) {
    super('E_DAEMON_RUNNING', `another carbond daemon (pid ${pid}) is already running on state dir ${stateDir}; stop it first (kill -TERM ${pid})`, ExitCode.Failure);
    this.pid = pid;
  }
}

export interface StateLock {
  readonly file: string;
  /** Removes the lock file if it is still ours. */
  release(): void;
}

interface LockContent {
  pid: number;
  /** Kernel start time of the process in clock ticks since boot; null where /proc is absent. */
  startTicks: number | null;
}

/** Field 22 of /proc/<pid>/stat: the process start time in clock ticks since boot. */
export function processStartTicks(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(fields[19]);
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

function isAlive(owner: LockContent): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = processStartTicks(owner.pid);
  return owner.startTicks === null || now === null || now === owner.startTicks;
}

function readOwner(file: string): LockContent | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockContent>;
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, startTicks: parsed.startTicks ?? null } : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the state-dir lock for `pid` or throws `DaemonRunningError`. Creates `stateDir` if needed. */
export function acquireStateLock(stateDir: string, pid: number = process.pid): StateLock {
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o750 });
  const file = path.join(stateDir, LOCK_FILE);
  const mine: LockContent = { pid, startTicks: processStartTicks(pid) };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const fd = fs.openSync(file, 'wx', 0o644);
      fs.writeSync(fd, JSON.stringify(mine));
      fs.closeSync(fd);
      return { file, release: () => releaseIfMine(file, pid) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    // A racing daemon may have created the file but not written it yet: give it a moment.
    const owner = readOwner(file) ?? (pause(100), readOwner(file));
    if (owner && isAlive(owner)) throw new DaemonRunningError(stateDir, owner.pid);
    fs.rmSync(file, { force: true });
  }
  throw new CarbondError('E_LOCK', `cannot take the lock ${file}`, ExitCode.Failure);
}

function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function releaseIfMine(file: string, pid: number): void {
  if (readOwner(file)?.pid === pid) fs.rmSync(file, { force: true });
}

/** The pid holding the lock of `stateDir`, if a live daemon holds it. */
export function lockOwner(stateDir: string): number | undefined {
  const owner = readOwner(path.join(stateDir, LOCK_FILE));
  return owner && isAlive(owner) ? owner.pid : undefined;
}
