/**
 * The tiny launcher every local run goes through (ADR 0005; run as the job's user, ADR 0012).
 *
 * Why: after a daemon restart a job is no longer carbond's child, so its exit status is
 * lost to carbond (its new parent, init, reaps it). The wrapper — `/bin/sh`, the process
 * group leader — runs the command in the FOREGROUND, waits for it and writes its exit
 * status to `<runDir>/exit` (temp file + rename), then exits with the same status. Before
 * that it creates the run dir, its log and events file and the checkpoint dir, enters the
 * job's working directory, and sends its own output to the log — all as the job's user.
 *
 * Signals: the wrapper traps the pause signals with a no-op handler, so a signal to the
 * group reaches the command while the wrapper survives to record the exit. A handled
 * (not ignored) signal is reset to its default in the exec'd command, and POSIX shells
 * defer traps until a foreground command completes, so `$?` is always the command's own
 * status. SIGSTOP/SIGCONT/SIGKILL cannot be trapped and act on the whole group.
 * A command killed by signal N reports `128 + N`, as shells do.
 */
import * as fs from 'node:fs';
import { environHas, exeOf, findByArgvPair, listPids, ownerOf, PROC_ROOT, readArgv, readProcStat } from './proc';

/** The wrapper script (see the file's comment). */
export const WRAPPER_SCRIPT = [
  'd="$1"; c="$2"; shift 2',
  // Setup as the job's user (ADR 0012): its run dir, log, events file and checkpoint dir are
  // created by its own processes (mode 0700), never by root inside a directory the user controls.
  'umask 077',
  'mkdir -p "$d" "$CARBOND_CHECKPOINT_DIR" || exit 125',
  'exec >>"$d/output.log" 2>&1 || exit 125',
  ': >>"$d/events.jsonl" || exit 125',
  // Identity (PID + /proc start time, field 22), so a daemon that dies before recording the
  // PID can still re-adopt the run. A subshell keeps "$@" intact; its $$ is the wrapper's.
  '( read -r s < /proc/$$/stat; set -- $s; printf \'%s %s\\n\' "$$" "${22}" > "$d/pid.tmp" && mv -f "$d/pid.tmp" "$d/pid" )',
  'umask 022',
  "trap ':' TERM INT HUP USR1 USR2 QUIT ALRM",
  'if cd "$c"; then "$@"; rc=$?; else echo "carbond: cannot enter the working directory $c"; rc=126; fi',
  'printf \'%s\\n\' "$rc" > "$d/exit.tmp" && mv -f "$d/exit.tmp" "$d/exit"',
  'exit "$rc"',
].join('\n');

/**
 * argv for `spawn`: `/bin/sh -c WRAPPER carbond-run RUNDIR CWD COMMAND...`, behind
 * `setpriv --reuid --regid --init-groups` when the run is to be another user's (root daemon):
 * that user's uid, primary gid and supplementary groups from the user database (libuv's
 * uid/gid spawn options drop the supplementary groups, which on GPU boxes often grant
 * `/dev/nvidia*`). setpriv execs, so the PID is the wrapper's.
 */
export function wrapperArgv(runDir: string, cwd: string, command: readonly string[], asUser?: { uid: number; gid: number }): { file: string; args: string[] } {
  const sh = ['/bin/sh', '-c', WRAPPER_SCRIPT, WRAPPER_MARKER, runDir, cwd, ...command];
  if (!asUser) return { file: sh[0]!, args: sh.slice(1) };
  return { file: SETPRIV, args: ['--reuid', String(asUser.uid), '--regid', String(asUser.gid), '--init-groups', '--', ...sh] };
}

/** util-linux's setpriv (Debian: package util-linux, always installed). */
export const SETPRIV = '/usr/bin/setpriv';

/** The wrapper's `$0`: its argv holds `carbond-run RUNDIR`, which names the run it belongs to. */
export const WRAPPER_MARKER = 'carbond-run';

/**
 * The identity (PID + start time) of `pid` if it is the live wrapper of `runDir` run for `uid`,
 * else undefined. Its argv must hold `carbond-run RUNDIR` and it must lead its own process
 * group (carbond signals the group). Its owner must be `uid` — a user can start a process
 * with any argv, but only as themselves, so a forged one harms only their own job — or, for
 * a run of another user started by a root daemon, root running setpriv just before it
 * switches to that user and execs the wrapper (keeping its PID): no user can start a root
 * process whose executable is setpriv.
 */
export function runWrapperIdentity(pid: number, runDir: string, uid: number, procRoot = PROC_ROOT): { pid: number; startTicks: string } | undefined {
  const stat = readProcStat(pid, procRoot);
  if (!stat || stat.pgid !== pid || stat.state === 'Z' || stat.state === 'X') return undefined;
  const argv = readArgv(pid, procRoot) ?? [];
  if (!argv.some((w, i) => w === WRAPPER_MARKER && argv[i + 1] === runDir)) return undefined;
  const owner = ownerOf(pid, procRoot);
  const inSetpriv = owner === 0 && uid !== 0 && argv[0] === SETPRIV && isSetprivBinary(exeOf(pid, procRoot));
  return owner === uid || inSetpriv ? { pid, startTicks: stat.startTicks } : undefined;
}

/**
 * The live wrapper of `runDir` found by a scan of /proc — how a run is re-adopted when the
 * daemon died after starting it but before its PID reached the ledger or the wrapper wrote
 * its pid file. Undefined when none (then the run never started, or has ended).
 */
export function findRunWrapper(runDir: string, uid: number, procRoot = PROC_ROOT): { pid: number; startTicks: string } | undefined {
  for (const pid of findByArgvPair(WRAPPER_MARKER, runDir, procRoot)) {
    const identity = runWrapperIdentity(pid, runDir, uid, procRoot);
    if (identity) return identity;
  }
  return undefined;
}

/**
 * Kills (SIGKILL) what is left of a run whose wrapper is gone without a status (it alone was
 * killed): the processes of `uid` started with this run's `CARBOND_EVENTS`, which live on
 * orphaned. Without this a job whose run is `lost` and started again would have two process
 * trees. Returns the PIDs killed.
 */
export function killRunLeftovers(eventsPath: string, uid: number, procRoot = PROC_ROOT): number[] {
  const entry = `CARBOND_EVENTS=${eventsPath}`;
  const killed: number[] = [];
  // A few rounds: a leftover may fork while it is being looked for.
  for (let round = 0; round < 5; round += 1) {
    const left = listPids(procRoot).filter((pid) => pid !== process.pid && ownerOf(pid, procRoot) === uid
      && !['Z', 'X'].includes(readProcStat(pid, procRoot)?.state ?? 'X') && environHas(pid, entry, procRoot));
    if (left.length === 0) break;
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
        killed.push(pid);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    }
  }
  return killed;
}

function isSetprivBinary(exe: string | undefined): boolean {
  if (exe === undefined) return false;
  try {
    return exe === fs.realpathSync(SETPRIV);
  } catch {
    return false;
  }
}

/** Parses the pid file's text (`PID STARTTICKS`); undefined when malformed. */
export function parsePidFile(text: string): { pid: number; startTicks: string } | undefined {
  const m = /^(\d+) (\d+)\s*$/.exec(text);
  return m ? { pid: Number(m[1]), startTicks: m[2]! } : undefined;
}

/** Parses the exit file's text; undefined when it is not a status. */
export function parseExitFile(text: string): number | undefined {
  const rc = Number(text.trim());
  return text.trim() !== '' && Number.isInteger(rc) && rc >= 0 && rc <= 255 ? rc : undefined;
}
