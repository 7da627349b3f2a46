/**
 * Checkpoint work with the owner's rights (ADR 0012). A checkpoint under
 * `<stateDir>/users/<uid>/` is that user's: when carbond is root, it is verified and pruned
 * by `checkpoint-worker.ts` running as that user (`setpriv` with the user's groups), so that
 * no link, FIFO or race in a directory the user controls can make root read, hash, write or
 * delete anything the user could not. Elsewhere (carbond's own user, root's jobs, the layout
 * before ADR 0012) the same code runs in-process.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isRoot, userById } from '../os/users';
import { SETPRIV } from './local-wrapper';
import { serveWorkerRequest, type WorkerAnswer, type WorkerRequest } from './checkpoint-worker';

/** Longest a worker may take (hashing a large checkpoint), ms. */
export const WORKER_TIMEOUT_MS = 15 * 60_000;
/** Largest answer read from a worker, bytes. */
const MAX_ANSWER_BYTES = 1_048_576;

/** The worker script: next to this file when built; from `dist/` when this runs from source (ts-jest). */
export function workerScript(): string {
  if (__filename.endsWith('.js')) return path.join(__dirname, 'checkpoint-worker.js');
  return path.resolve(__dirname, '..', '..', 'dist', 'src', 'executors', 'checkpoint-worker.js');
}

/** The uid whose area holds `dir` (`<stateDir>/users/<uid>/…`), if any. */
export function areaUidOf(stateDir: string, dir: string): number | undefined {
  const rel = path.relative(path.join(stateDir, 'users'), path.resolve(dir));
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const uid = Number(rel.split(path.sep)[0]);
  return Number.isSafeInteger(uid) && uid >= 0 ? uid : undefined;
}

function runWorker(uid: number, req: WorkerRequest): Promise<WorkerAnswer> {
  const who = userById(uid);
  if (!who) return Promise.resolve({ ok: false, message: `uid ${uid} is not in the user database` });
  const script = workerScript();
  if (!fs.existsSync(script)) return Promise.resolve({ ok: false, message: `${script} is missing: run \`npm run build\`` });
  return new Promise((resolve) => {
    const child = spawn(SETPRIV, ['--reuid', String(who.uid), '--regid', String(who.gid), '--init-groups', '--', process.execPath, script], {
      cwd: '/', env: { PATH: '/usr/bin:/bin', HOME: who.home }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), WORKER_TIMEOUT_MS);
    child.stdout.on('data', (c: Buffer) => { if (out.length < MAX_ANSWER_BYTES) out += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { if (err.length < 4096) err += c.toString('utf8'); });
    child.on('error', (e) => { clearTimeout(timer); resolve({ ok: false, message: `cannot run the checkpoint worker: ${e.message}` }); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out) as WorkerAnswer);
      } catch {
        resolve({ ok: false, message: `checkpoint worker as uid ${uid} ended (${signal ?? code}) without an answer${err ? `: ${err.trim().slice(0, 500)}` : ''}` });
      }
    });
    child.stdin.end(JSON.stringify(req));
  });
}

/**
 * The uid whose rights checkpoint work in `dir` needs: the area's owner, else the owner of
 * the directory itself — a job's checkpoint dir of the layout before ADR 0012
 * (`<stateDir>/checkpoints/<jobId>`) was handed to its user, and its entry lives in a
 * directory of root's, so its owner is what the user cannot fake.
 */
export function workUidOf(stateDir: string | readonly string[], dir: string): number | undefined {
  for (const root of typeof stateDir === 'string' ? [stateDir] : stateDir) {
    const area = areaUidOf(root, dir);
    if (area !== undefined) return area;
  }
  try {
    const st = fs.lstatSync(dir);
    return st.isDirectory() ? st.uid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Serves `req` as the owner of its directory when that needs a change of user, else in-process
 * (also with no `stateDir`). `stateDir` may list several roots with the `users/<uid>/` layout:
 * the state dir and the sites' checkpoint roots (docs/sites.md).
 */
export function checkpointWork(stateDir: string | readonly string[] | undefined, req: WorkerRequest): Promise<WorkerAnswer> {
  const uid = stateDir === undefined || !isRoot() ? undefined : workUidOf(stateDir, req.root);
  if (uid !== undefined && uid !== 0) return runWorker(uid, req);
  return serveWorkerRequest(req);
}
