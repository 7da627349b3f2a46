/**
 * `carbond doctor`: is this box ready to run carbond? Each check says ok, warn (carbond runs,
 * but with less: no GPU readings, an unsynchronised clock), fail (carbond cannot do its
 * job: an invalid config, a state dir with the wrong owner or modes) or skip (does not
 * apply here), with a one-line fix. Exit 0 unless a check failed (then 1): warnings alone
 * do not fail a provisioning script, `--json` shows them.
 */
import { execFile } from 'node:child_process';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** Short, stable name (`config`, `state-dir`, `socket`, …). */
  name: string;
  status: CheckStatus;
  /** What was found, one line. */
  detail: string;
  /** What to do about it, one line; absent when ok. */
  fix?: string;
}

export interface DoctorReport {
  ok: boolean;
  counts: Record<CheckStatus, number>;
  checks: CheckResult[];
}

/** A command's outcome: `missing` when it is not installed. */
export interface CommandResult {
  ok: boolean;
  missing: boolean;
  stdout: string;
  /** stderr's first line, or the error's message. */
  error: string;
}

/** Runs `cmd args` with a timeout; never throws. */
export function runCommand(cmd: string, args: readonly string[], timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(cmd, [...args], { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve({ ok: true, missing: false, stdout, error: '' });
      const code = (err as NodeJS.ErrnoException).code;
      const first = (stderr || err.message).split('\n').find((l) => l.trim()) ?? err.message;
      resolve({ ok: false, missing: code === 'ENOENT', stdout, error: err.killed ? `no answer in ${timeoutMs} ms` : first.trim() });
    });
  });
}

export function doctorReport(checks: CheckResult[]): DoctorReport {
  const counts: Record<CheckStatus, number> = { ok: 0, warn: 0, fail: 0, skip: 0 };
  for (const c of checks) counts[c.status] += 1;
  return { ok: counts.fail === 0, counts, checks };
}

const MARK: Record<CheckStatus, string> = { ok: 'ok', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

/** Text for people: one line a check, its fix indented below. */
export function renderDoctor(r: DoctorReport): string {
  const width = Math.max(...r.checks.map((c) => c.name.length));
  const lines = r.checks.flatMap((c) => [`${MARK[c.status].padEnd(4)}  ${c.name.padEnd(width)}  ${c.detail}`, ...(c.fix ? [`${' '.repeat(6 + width)}  fix: ${c.fix}`] : [])]);
  const n = r.counts;
  lines.push('', `${n.ok} ok, ${n.warn} ${n.warn === 1 ? 'warning' : 'warnings'}, ${n.fail} failed, ${n.skip} skipped`);
  return lines.join('\n');
}
