/**
 * The tiny launcher every local run goes through (ADR: docs/adr/0005-run-wrapper.md).
 *
 * Why: after a daemon restart a job is no longer carbond's child, so its exit status is
 * lost to carbond (its new parent, init, reaps it). The wrapper — `/bin/sh`, the process
 * group leader — runs the command in the FOREGROUND, waits for it and writes its exit
 * status to `<runDir>/exit` (temp file + rename), then exits with the same status.
 *
 * Signals: the wrapper traps the pause signals with a no-op handler, so a signal to the
 * group reaches the command while the wrapper survives to record the exit. A handled
 * (not ignored) signal is reset to its default in the exec'd command, and POSIX shells
 * defer traps until a foreground command completes, so `$?` is always the command's own
 * status. SIGSTOP/SIGCONT/SIGKILL cannot be trapped and act on the whole group.
 * A command killed by signal N reports `128 + N`, as shells do.
 */
export const WRAPPER_SCRIPT = [
  'f="$1"; shift',
  // Identity first (PID + /proc start time, field 22), so a daemon that dies before recording
  // the PID can still re-adopt the run. A subshell keeps "$@" intact; its $$ is the wrapper's.
  '( read -r s < /proc/$$/stat; set -- $s; printf \'%s %s\\n\' "$$" "${22}" > "${f%/*}/pid.tmp" && mv -f "${f%/*}/pid.tmp" "${f%/*}/pid" )',
  "trap ':' TERM INT HUP USR1 USR2 QUIT ALRM",
  '"$@"',
  'rc=$?',
  'printf \'%s\\n\' "$rc" > "$f.tmp" && mv -f "$f.tmp" "$f"',
  'exit "$rc"',
].join('\n');

/** argv for `spawn`: `/bin/sh -c WRAPPER carbond-run EXITFILE COMMAND...`. */
export function wrapperArgv(exitFile: string, command: readonly string[]): { file: string; args: string[] } {
  return { file: '/bin/sh', args: ['-c', WRAPPER_SCRIPT, 'carbond-run', exitFile, ...command] };
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
