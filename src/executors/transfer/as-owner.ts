/**
 * Commands of a checkpoint transfer, run with the job owner's rights (ADR 0012): a root
 * daemon starts each one as `setpriv --reuid U --regid G --init-groups -- argv…`, so rsync,
 * ssh and the shell steps read and write only what the owner could, and ssh finds the
 * owner's keys and known hosts under their home. A daemon that is not root runs them as
 * itself, and only for its own uid.
 */
import { spawn } from 'node:child_process';
import { isRoot, ownUid, userById } from '../../os/users';
import { SETPRIV } from '../local-wrapper';

/** The job's owner, as the ledger records it. */
export interface TransferOwner {
  uid: number;
  gid: number;
}

export interface OwnerCommandOptions {
  /** Written to stdin, which is then closed. Default: no input. */
  input?: string | Buffer;
  /** Then the command's process group is killed (SIGKILL). */
  timeoutMs: number;
  /** stdout kept, bytes; more makes `overflowed` true. Default 1 MiB. */
  maxStdoutBytes?: number;
}

export interface OwnerCommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  /** The last 4 KiB of stderr. */
  stderr: string;
  timedOut: boolean;
  overflowed: boolean;
}

/** Runs one command as `owner`; see the module comment. */
export type OwnerRunner = (argv: readonly string[], options: OwnerCommandOptions) => Promise<OwnerCommandResult>;

const STDERR_KEEP_CHARS = 4096;
const DEFAULT_MAX_STDOUT_BYTES = 1_048_576;
const OWNER_PATH = '/usr/local/bin:/usr/bin:/bin';

/**
 * A runner for `owner`, or a reason why there can be none: the uid is not in the user
 * database, or this process is neither root nor that user.
 */
export function ownerRunner(owner: TransferOwner): OwnerRunner | string {
  const who = userById(owner.uid);
  if (!who) return `uid ${owner.uid} is not in the user database`;
  const env = { PATH: OWNER_PATH, HOME: who.home, USER: who.name, LOGNAME: who.name, LANG: 'C.UTF-8' };
  if (isRoot()) {
    const prefix = ['--reuid', String(owner.uid), '--regid', String(owner.gid), '--init-groups', '--'];
    return (argv, options) => runCommand(SETPRIV, [...prefix, ...argv], env, options);
  }
  if (ownUid() !== owner.uid) return `carbond runs as uid ${ownUid()}, not as root, so it cannot act as uid ${owner.uid}`;
  return (argv, options) => runCommand(argv[0]!, argv.slice(1), env, options);
}

function runCommand(file: string, args: readonly string[], env: NodeJS.ProcessEnv, options: OwnerCommandOptions): Promise<OwnerCommandResult> {
  const maxStdout = options.maxStdoutBytes ?? DEFAULT_MAX_STDOUT_BYTES;
  return new Promise((resolve) => {
    // Its own process group, so that a timeout also stops rsync's ssh and the remote shell's client.
    const child = spawn(file, args, { cwd: '/', env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let overflowed = false;
    let stderr = '';
    let timedOut = false;
    const killGroup = (): void => {
      try { if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    };
    const timer = setTimeout(() => { timedOut = true; killGroup(); }, options.timeoutMs);
    child.stdout.on('data', (c: Buffer) => {
      if (outBytes + c.length > maxStdout) overflowed = true;
      else { out.push(c); outBytes += c.length; }
    });
    child.stderr.on('data', (c: Buffer) => { stderr = (stderr + c.toString('utf8')).slice(-STDERR_KEEP_CHARS); });
    child.stdin.on('error', () => undefined); // EPIPE: the command did not read its input
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout: Buffer.alloc(0), stderr: `cannot run ${file}: ${e.message}`, timedOut, overflowed });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr, timedOut, overflowed });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** One line on how a command ended, for error messages: `exit 23: rsync: … (stderr)`. */
export function describeFailure(r: OwnerCommandResult, timeoutMs: number): string {
  const how = r.timedOut ? `timed out after ${timeoutMs} ms` : r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
  const said = `${r.stderr}\n${r.stdout.toString('utf8', 0, Math.min(r.stdout.length, 2000))}`.trim().replace(/\s*\n\s*/g, ' | ');
  return said ? `${how}: ${said.slice(-1500)}` : how;
}
