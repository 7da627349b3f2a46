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

/** Where the process table is read; tests point the scans below at a hand-made one. */
export const PROC_ROOT = '/proc';

/** Reads /proc/PID/stat; undefined when the process does not exist (or /proc is absent). */
export function readProcStat(pid: number, procRoot = PROC_ROOT): ProcStat | undefined {
  try {
    return parseProcStat(fs.readFileSync(`${procRoot}/${pid}/stat`, 'utf8'));
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

/** The PIDs in the process table (numeric entries of /proc); [] when it cannot be read. */
export function listPids(procRoot = PROC_ROOT): number[] {
  try {
    return fs.readdirSync(procRoot).filter((e) => /^\d+$/.test(e)).map(Number);
  } catch {
    return [];
  }
}

/** /proc/PID/cmdline split into argv words, or undefined when the process is gone (or a kernel thread: no words). */
export function readArgv(pid: number, procRoot = PROC_ROOT): string[] | undefined {
  try {
    const words = fs.readFileSync(`${procRoot}/${pid}/cmdline`, 'utf8').split('\0');
    if (words.at(-1) === '') words.pop();
    return words.length > 0 ? words : undefined;
  } catch {
    return undefined;
  }
}

/** The real uid owning the process (the owner of its /proc entry), or undefined when it is gone. */
export function ownerOf(pid: number, procRoot = PROC_ROOT): number | undefined {
  try {
    return fs.statSync(`${procRoot}/${pid}`).uid;
  } catch {
    return undefined;
  }
}

/** The executable of the process (/proc/PID/exe), or undefined when unreadable (gone, or not ours to read). */
export function exeOf(pid: number, procRoot = PROC_ROOT): string | undefined {
  try {
    return fs.readlinkSync(`${procRoot}/${pid}/exe`);
  } catch {
    return undefined;
  }
}

/** Whether the environment the process was started with (/proc/PID/environ) holds the entry `entry` (`KEY=VALUE`). */
export function environHas(pid: number, entry: string, procRoot = PROC_ROOT): boolean {
  try {
    return fs.readFileSync(`${procRoot}/${pid}/environ`, 'utf8').split('\0').includes(entry);
  } catch {
    return false;
  }
}

/**
 * The live processes whose argv holds `first` immediately followed by `second`, e.g. the run
 * wrapper of one run dir: `… carbond-run /var/lib/carbond/users/1000/runs/7 …`.
 */
export function findByArgvPair(first: string, second: string, procRoot = PROC_ROOT): number[] {
  return listPids(procRoot).filter((pid) => {
    const argv = readArgv(pid, procRoot);
    if (!argv) return false;
    for (let i = argv.indexOf(first); i >= 0 && i < argv.length - 1; i = argv.indexOf(first, i + 1)) {
      if (argv[i + 1] === second) return true;
    }
    return false;
  });
}
