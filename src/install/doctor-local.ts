/**
 * Doctor checks of carbond's own files: the config, the state dir and socket with the
 * modes of ADR 0012 (src/daemon/state-files.ts), the socket's group, the disk under the
 * state dir (src/daemon/disk/health.ts) and the native addon.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedLocations } from '../config/locations';
import type { Config } from '../config/types';
import { probeDisk } from '../daemon/disk/health';
import { usersDir } from '../daemon/state-files';
import { checkpointRootProblem } from '../daemon/jobs/checkpoint-sites';
import type { CheckResult } from './doctor';

const octal = (mode: number): string => `0${(mode & 0o777).toString(8)}`;

export function configCheck(load: () => Config, configPath: string): { result: CheckResult; config: Config | null } {
  try {
    const config = load();
    const where = config.configPath ?? `${configPath} (absent: defaults)`;
    return { result: { name: 'config', status: 'ok', detail: `${where}: valid, ${Object.keys(config.zones).length} zones, ${Object.keys(config.sites).length} sites` }, config };
  } catch (err) {
    const issues = (err as { issues?: unknown[] }).issues;
    const detail = Array.isArray(issues) ? `${configPath}: ${issues.length} ${issues.length === 1 ? 'problem' : 'problems'}` : `${configPath}: ${(err as Error).message.split('\n')[0]}`;
    return { result: { name: 'config', status: 'fail', detail, fix: 'run `carbond config check` to list every problem, then edit the file' }, config: null };
  }
}

/** Owner and modes of the state dir, `users/` and the ledger's files (ADR 0012). */
export function stateDirCheck(where: ResolvedLocations, uid: number): CheckResult {
  const name = 'state-dir';
  const st = fs.statSync(where.stateDir, { throwIfNoEntry: false });
  if (!st) return { name, status: 'warn', detail: `${where.stateDir} does not exist yet`, fix: 'the daemon creates it on first start; or run `carbond install`' };
  if (!st.isDirectory()) return { name, status: 'fail', detail: `${where.stateDir} is not a directory`, fix: `move it away; the daemon needs a directory there` };
  if (st.uid !== uid) return { name, status: 'fail', detail: `${where.stateDir} belongs to uid ${st.uid}, not ${uid}: the daemon refuses it`, fix: `chown ${uid} ${where.stateDir}` };
  const want = uid === 0 ? 0o711 : 0o700;
  const wrong: string[] = [];
  if ((st.mode & 0o777) !== want) wrong.push(`${where.stateDir} is ${octal(st.mode)}, not ${octal(want)}`);
  const users = fs.statSync(usersDir(where.stateDir), { throwIfNoEntry: false });
  if (users && (users.mode & 0o777) !== 0o711) wrong.push(`users/ is ${octal(users.mode)}, not 0711`);
  for (const f of [where.ledgerPath, `${where.ledgerPath}-wal`, `${where.ledgerPath}-shm`]) {
    const fst = fs.statSync(f, { throwIfNoEntry: false });
    if (fst && (fst.mode & 0o777) !== 0o600) wrong.push(`${path.basename(f)} is ${octal(fst.mode)}, not 0600`);
  }
  if (wrong.length) return { name, status: 'fail', detail: wrong.join('; '), fix: `chmod ${octal(want)} ${where.stateDir}; chmod 0600 ${where.ledgerPath}* (the daemon also fixes them at start)` };
  return { name, status: 'ok', detail: `${where.stateDir} (${octal(want)}, uid ${uid})${fs.existsSync(where.ledgerPath) ? ', ledger 0600' : ', no ledger yet'}` };
}

/** The socket: a socket file with mode 0660 (with a group) or 0600, and a daemon answering it. */
export async function socketCheck(where: ResolvedLocations, withGroup: boolean, answers: (socketPath: string) => Promise<string | null>): Promise<CheckResult> {
  const name = 'socket';
  const st = fs.lstatSync(where.socketPath, { throwIfNoEntry: false });
  const start = where.mode === 'system' ? 'systemctl start carbond' : 'systemctl --user start carbond (or carbond daemon)';
  if (!st) return { name, status: 'warn', detail: `no socket at ${where.socketPath}: the daemon is not running`, fix: start };
  if (!st.isSocket()) return { name, status: 'fail', detail: `${where.socketPath} is not a socket`, fix: 'remove it; the daemon creates the socket' };
  const want = withGroup ? 0o660 : 0o600;
  if ((st.mode & 0o777) !== want) return { name, status: 'fail', detail: `${where.socketPath} is ${octal(st.mode)}, not ${octal(want)}`, fix: 'restart the daemon: it sets the socket\'s mode' };
  const who = await answers(where.socketPath);
  if (who === null) return { name, status: 'warn', detail: `${where.socketPath} (${octal(want)}) but no daemon answers: a stale socket`, fix: start };
  return { name, status: 'ok', detail: `${where.socketPath} (${octal(want)}): ${who}` };
}

/** The socket's group exists (system mode; ADR 0012). */
export function groupCheck(group: string | null, gidOf: (group: string) => number | undefined): CheckResult {
  const name = 'socket-group';
  if (group === null) return { name, status: 'skip', detail: 'user mode: the socket is yours alone (0600)' };
  const gid = gidOf(group);
  if (gid === undefined) return { name, status: 'warn', detail: `group ${group} does not exist: only root can use the socket`, fix: `groupadd --system ${group} && usermod -aG ${group} USER (or carbond install)` };
  return { name, status: 'ok', detail: `group ${group} (gid ${gid}): its members may submit jobs` };
}

/** Free space and writability where the ledger and checkpoints live. */
export function diskCheck(stateDir: string): CheckResult {
  let dir = stateDir;
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  const h = probeDisk(dir);
  if (h.problem) return { name: 'disk', status: 'fail', detail: h.problem, fix: 'free space (old checkpoints, logs) or move stateDir to a bigger filesystem' };
  const free = h.freeBytes === null ? 'free space unknown' : `${(h.freeBytes / 1_073_741_824).toFixed(1)} GiB free`;
  return { name: 'disk', status: 'ok', detail: `${free} under ${dir}` };
}

/** The native addon (peer credentials, safe opens): a root daemon cannot serve users without it. */
export function nativeCheck(load: () => unknown, root: boolean): CheckResult {
  try {
    load();
    return { name: 'native-addon', status: 'ok', detail: 'native/build/carbond_native.node loads' };
  } catch (err) {
    return {
      name: 'native-addon', status: root ? 'fail' : 'warn', detail: (err as Error).message.split('\n')[0] ?? 'does not load',
      fix: 'npm run build:native in carbond\'s directory (needs cc and the Node.js headers), or reinstall carbond',
    };
  }
}

/** Each site's `checkpointRoot` (docs/sites.md): carbond's own, writable by nobody else; a missing one is created at start. */
export function checkpointRootsCheck(config: Pick<Config, 'sites'>, uid: number): CheckResult {
  const name = 'checkpoint-roots';
  const roots = Object.entries(config.sites).flatMap(([site, s]) => (s.checkpointRoot ? [{ site, root: s.checkpointRoot }] : []));
  if (!roots.length) return { name, status: 'skip', detail: 'no site has its own checkpointRoot (checkpoints live in the state dir)' };
  const found = roots.map((r) => ({ ...r, problem: checkpointRootProblem(r.root, uid) }));
  const bad = found.filter((r) => r.problem !== undefined && r.problem !== 'missing');
  if (bad.length) {
    return { name, status: 'fail', detail: bad.map((r) => `site ${r.site}: ${r.root} ${r.problem}`).join('; '),
      fix: `chown ${uid} ROOT && chmod 0711 ROOT for each (the daemon refuses to start otherwise)` };
  }
  const missing = found.filter((r) => r.problem === 'missing');
  if (missing.length) return { name, status: 'warn', detail: missing.map((r) => `site ${r.site}: ${r.root} does not exist yet`).join('; '), fix: 'the daemon creates it (0711) at start; create it yourself if its parent is a mount not yet there' };
  return { name, status: 'ok', detail: roots.map((r) => `${r.site}: ${r.root}`).join(', ') };
}
