/**
 * Killing the process groups a test started, without ever killing someone else's.
 *
 * A test that remembers a run's PID and, in its cleanup, kills `-PID` long after that run
 * ended may hit an unrelated group: PIDs wrap (pid_max is 32768 on many CI hosts) and a
 * parallel test's new wrapper can lead a group with the same number. So a group is
 * remembered with its leader's start time, and killed only while the PID is still that
 * leader, or no process holds the PID (then any group with that number is the old one's
 * orphaned members: the kernel never hands out a PID still in use as a process group id).
 */
import { readProcStat } from '../../src/executors/proc';

export interface GroupRef {
  pid: number;
  /** /proc start time of the leader when it was remembered; null when it was already gone. */
  startTicks: string | null;
}

/** The group led by `pid`, remembered now (pass `startTicks` when it was recorded earlier). */
export function groupOf(pid: number, startTicks: string | null = readProcStat(pid)?.startTicks ?? null): GroupRef {
  return { pid, startTicks };
}

/** SIGKILLs the remembered group unless its PID now belongs to another process. */
export function killGroup(ref: GroupRef): void {
  const now = readProcStat(ref.pid);
  if (now && now.startTicks !== ref.startTicks) return;
  try { process.kill(-ref.pid, 'SIGKILL'); } catch { /* no member left */ }
}

/** A list of groups to kill in a cleanup; `add` ignores a PID already held. */
export class Groups {
  private readonly refs: GroupRef[] = [];
  add(pid: number, startTicks?: string | null): void {
    if (!this.refs.some((r) => r.pid === pid)) this.refs.push(startTicks === undefined ? groupOf(pid) : groupOf(pid, startTicks));
  }
  killAll(): void {
    for (const ref of this.refs.splice(0)) killGroup(ref);
  }
}
