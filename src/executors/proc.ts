/**
 * Linux process identity from /proc. A PID alone is not an identity: PIDs are reused.
 * carbond stores the PID with its start time (field 22 of /proc/PID/stat, clock ticks
 * since boot) and treats a PID whose start time differs as a different process.
 */
import * as fs from 'node:fs';

export interface ProcStat {
  pid: number;
  /** Field 3: R running, S sleeping, T stopped, Z zombie, … */
  state: string;
  /** Field 4: parent process id. */
  ppid: number;
  /** Field 5: process group id. */
  pgid: number;
  /** Field 22: start time in clock ticks after boot, kept as text (it can exceed 2^53 in theory). */
  startTicks: string;
}

/** Parses /proc/PID/stat text. The command name (field 2) may hold spaces and parentheses. */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // After ")": field 3 is index 0, so field N is index N - 3.
  const rest = text.slice(close + 2).trim().split(/\s+/);
  const state = rest[0];
  const ppid = Number(rest[4 - 3]);
  const pgid = Number(rest[5 - 3]);
  const startTicks = rest[22 - 3];
  if (!state || startTicks === undefined || !Number.isFinite(pid)) return undefined;
  return { pid, state, ppid, pgid, startTicks };
}

/** Reads /proc/PID/stat; undefined when the process does not exist (or /proc is absent). */
export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The start time of `pid` (field 22), or null when it does not exist. */
export function readStartTicks(pid: number): string | null {
  return readProcStat(pid)?.startTicks ?? null;
}

export type ProcessLiveness = 'running' | 'stopped' | 'gone';

/**
 * Whether the process `pid` that started at `startTicks` still exists (null ticks: gone). A zombie counts as
 * gone (it has exited); a PID now held by another process (other start time) is gone.
 */
export function livenessOf(pid: number, startTicks: string | null): ProcessLiveness {
  // Without a recorded start time the process cannot be told from a PID reuse: treat as gone.
  if (startTicks === null) return 'gone';
  const stat = readProcStat(pid);
  if (!stat || stat.startTicks !== startTicks) return 'gone';
  if (stat.state === 'Z' || stat.state === 'X') return 'gone';
  return stat.state === 'T' || stat.state === 't' ? 'stopped' : 'running';
}

/** Sends `signal` to the process group `pgid`; false when no member exists any more. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** The children of `pid` (Linux: /proc/PID/task/PID/children, else a scan of /proc); [] when unknown. */
export function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter((t) => t !== '').map(Number);
  } catch {
    return scanChildren(pid); // kernels without CONFIG_PROC_CHILDREN
  }
}

/** The children of `pid` by a scan of every /proc/N/stat for its parent pid (field 4). */
export function scanChildren(pid: number): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  return entries.filter((e) => /^\d+$/.test(e) && readProcStat(Number(e))?.ppid === pid).map(Number);
}

/** /proc/PID/cmdline (NUL-separated argv), or undefined when the process is gone. */
export function readCmdline(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
}
