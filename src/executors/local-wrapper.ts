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
  const sh = ['/bin/sh', '-c', WRAPPER_SCRIPT, 'carbond-run', runDir, cwd, ...command];
  if (!asUser) return { file: sh[0]!, args: sh.slice(1) };
  return { file: SETPRIV, args: ['--reuid', String(asUser.uid), '--regid', String(asUser.gid), '--init-groups', '--', ...sh] };
}

/** util-linux's setpriv (Debian: package util-linux, always installed). */
export const SETPRIV = '/usr/bin/setpriv';

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
