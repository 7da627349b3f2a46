/**
 * File modes of the daemon's own files (DESIGN §7, ADR 0012). The state dir is mode 0711
 * when the daemon is root (others may pass through it to their own area and to the socket,
 * but not list it) and 0700 otherwise; the ledger, its WAL and shared-memory files and the
 * lock are 0600, so stored environments and every other user's rows are root's alone.
 * `<stateDir>/users/` (0711, root) holds one directory per job owner, `users/<uid>`
 * (0700, owned by that user): that user's runs and checkpoints, written by the user's own
 * processes. The daemon creates and hands over only `users/<uid>` itself, whose entry lives
 * in a directory no user can write, and never creates anything below it.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CarbondError, ConfigError, ExitCode } from '../core/errors';
import { isRoot } from '../os/users';

/** `<stateDir>/users`: one directory per job owner. */
export function usersDir(stateDir: string): string {
  return path.join(stateDir, 'users');
}

/** `<stateDir>/users/<uid>`: the owner's runs and checkpoints (see the module comment). */
export function userAreaOf(stateDir: string, uid: number): string {
  return path.join(usersDir(stateDir), String(uid));
}

/** Brings the state dir, the users dir and the ledger's files to their modes. Call before opening the ledger, and after. */
export function secureStateDir(stateDir: string, ledgerPath: string): void {
  const root = isRoot();
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(stateDir);
  if (!st.isDirectory()) throw new CarbondError('E_STATE_DIR', `state dir ${stateDir} is not a directory`, ExitCode.Failure);
  const own = process.getuid?.() ?? 0;
  if (st.uid !== own) throw new CarbondError('E_STATE_DIR', `state dir ${stateDir} belongs to uid ${st.uid}, not to carbond's uid ${own}: refusing to use it`, ExitCode.Failure);
  fs.chmodSync(stateDir, root ? 0o711 : 0o700);
  const users = usersDir(stateDir);
  if (fs.existsSync(users)) {
    const ust = fs.lstatSync(users);
    if (!ust.isDirectory() || ust.uid !== own) throw new CarbondError('E_STATE_DIR', `${users} is not carbond's own directory: refusing to use it`, ExitCode.Failure);
    fs.chmodSync(users, 0o711);
  }
  for (const f of [ledgerPath, `${ledgerPath}-wal`, `${ledgerPath}-shm`, `${ledgerPath}-journal`, path.join(stateDir, 'daemon.lock')]) {
    try {
      if (fs.lstatSync(f).isFile()) fs.chmodSync(f, 0o600);
    } catch {
      // not there (yet)
    }
  }
}

/**
 * Creates (or checks) `users/<uid>` for a job owner: a directory owned by `uid:gid`, mode
 * 0700. Safe as root: `users/` is root's and mode 0711, so no user can put a link or
 * anything else at this name; an entry that is not a directory is refused.
 */
export function ensureUserArea(stateDir: string, uid: number, gid: number): string {
  const dir = userAreaOf(stateDir, uid);
  if (!fs.existsSync(usersDir(stateDir))) {
    fs.mkdirSync(usersDir(stateDir), { recursive: true, mode: 0o711 });
    fs.chmodSync(usersDir(stateDir), 0o711); // created on first use; made 0711 whatever the umask
  }
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) throw new CarbondError('E_STATE_DIR', `${dir} is not a directory`, ExitCode.Executor);
  if (isRoot() && (st.uid !== uid || st.gid !== gid)) fs.lchownSync(dir, uid, gid);
  if ((st.mode & 0o777) !== 0o700) fs.chmodSync(dir, 0o700);
  return dir;
}

/**
 * The gid of the socket's group, or undefined where the socket keeps the daemon's own group.
 * A group named in the config that does not exist is a configuration error; the system
 * default (`carbond`) missing leaves the socket to root alone (`warn` says so).
 */
export function socketGidOf(group: string | null, explicit: boolean, warn: (message: string) => void): number | undefined {
  if (group === null) return undefined;
  let line = '';
  try {
    line = execFileSync('getent', ['group', group], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    // exit 2: no such group
  }
  const gid = Number(line.split(':')[2]);
  if (line && Number.isInteger(gid)) return gid;
  if (explicit) throw new ConfigError([{ path: 'socketGroup', message: 'no such group (create it with `groupadd --system NAME`)', value: group }]);
  warn(`group ${group} does not exist: only root can use the socket (create it with \`groupadd --system ${group}\` and add the users who may submit jobs)`);
  return undefined;
}
