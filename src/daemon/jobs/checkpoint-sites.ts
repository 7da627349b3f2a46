/**
 * Where a job's checkpoints live at each site (issue 15, docs/sites.md). A site with a
 * `checkpointRoot` keeps a job's checkpoints at `<checkpointRoot>/users/<uid>/checkpoints/<jobId>`
 * (the layout of the state dir, ADR 0012); a site without one uses the job's checkpoint dir in
 * the state dir. Sites whose directories for a job are the same share storage: a checkpoint
 * written at one is there for the other, and a move between them copies nothing.
 *
 * A run on a site is started with the job's checkpoint dir *at that site* (`jobAt`): its
 * `CARBOND_CHECKPOINT_DIR`, the root its acknowledgements must lie in, and where retention prunes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExecutorError } from '../../core/errors';
import type { CheckpointRecord } from '../../ledger/checkpoints';
import type { JobRecord } from '../../ledger/jobs';
import type { SiteModel } from './types';

/** The job's checkpoint directory at `site`. */
export function checkpointDirAt(site: Pick<SiteModel, 'checkpointRoot'> | undefined, job: Pick<JobRecord, 'id' | 'uid' | 'checkpointDir'>): string {
  if (!site?.checkpointRoot) return job.checkpointDir;
  return path.join(site.checkpointRoot, 'users', String(job.uid ?? process.getuid?.() ?? 0), 'checkpoints', job.id);
}

/** The job as a run on `site` sees it: its checkpoint dir is the site's. */
export function jobAt<J extends JobRecord>(job: J, site: Pick<SiteModel, 'checkpointRoot'> | undefined): J {
  const dir = checkpointDirAt(site, job);
  return dir === job.checkpointDir ? job : { ...job, checkpointDir: dir };
}

/** Whether `dir` lies inside `root` (both absolute). */
export function isInside(dir: string, root: string): boolean {
  const rel = path.relative(path.resolve(root), path.resolve(dir));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Whether the checkpoint at `checkpointPath` is in the job's storage at `site` (written there, or copied there). */
export function isAvailableAt(checkpointPath: string, site: Pick<SiteModel, 'checkpointRoot'> | undefined, job: Pick<JobRecord, 'id' | 'uid' | 'checkpointDir'>): boolean {
  return isInside(checkpointPath, checkpointDirAt(site, job));
}

/** The site (of `sites`) whose storage holds `checkpointPath`, preferring `prefer` when several share it. */
export function siteHolding(checkpointPath: string, sites: readonly SiteModel[], job: Pick<JobRecord, 'id' | 'uid' | 'checkpointDir'>, prefer?: string): SiteModel | undefined {
  const holding = sites.filter((s) => isAvailableAt(checkpointPath, s, job));
  return holding.find((s) => s.name === prefer) ?? holding[0];
}

/**
 * The checkpoint a run on `site` should resume from: the highest verified step, and among the
 * rows of that step (the original and its copies) the one already at `site`. Ordered best
 * first; the caller verifies and falls back.
 */
export function resumeCandidates(verified: readonly CheckpointRecord[], site: Pick<SiteModel, 'checkpointRoot'> | undefined, job: Pick<JobRecord, 'id' | 'uid' | 'checkpointDir'>): CheckpointRecord[] {
  const here = (c: CheckpointRecord): number => (isAvailableAt(c.path, site, job) ? 1 : 0);
  return [...verified].sort((a, b) => b.step - a.step || here(b) - here(a) || b.id - a.id);
}

/** Every distinct checkpoint root of `sites` (for the verifier: a user's area may lie under any of them). */
export function checkpointRoots(sites: readonly Pick<SiteModel, 'checkpointRoot'>[]): string[] {
  return [...new Set(sites.map((s) => s.checkpointRoot).filter((r): r is string => r !== undefined))];
}

/**
 * Makes a site's `checkpointRoot` ready for users' areas, as the state dir is (ADR 0012): a
 * missing root (and missing parents) is created 0711 whatever the daemon's umask (077), so that
 * users pass through to `users/<uid>`; an existing one must be a real directory of carbond's
 * own user that nobody else can write, or carbond (often root) would create, `chown` and write
 * areas through entries a user could replace. Throws `ExecutorError` naming the site otherwise.
 */
export function ensureCheckpointRoot(site: string, root: string, jobId?: string): void {
  const missing: string[] = [];
  for (let dir = path.resolve(root); !fs.existsSync(dir); dir = path.dirname(dir)) missing.unshift(dir);
  for (const dir of missing) {
    try {
      fs.mkdirSync(dir, { mode: 0o711 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new ExecutorError(`site ${site}: cannot create checkpointRoot ${root}: ${(err as Error).message}`, jobId);
    }
    fs.chmodSync(dir, 0o711);
  }
  const problem = checkpointRootProblem(root, process.getuid?.() ?? 0);
  if (problem) throw new ExecutorError(`site ${site}: checkpointRoot ${root} ${problem}: make it a directory of carbond's user that only it can write (e.g. mode 0711)`, jobId);
}

/**
 * What makes an existing `checkpointRoot` unfit for users' areas of a carbond running as `uid`
 * (undefined: fit; `missing` when it does not exist: the daemon creates it). `carbond doctor` asks too.
 */
export function checkpointRootProblem(root: string, uid: number): string | undefined {
  const st = fs.lstatSync(root, { throwIfNoEntry: false });
  if (!st) return 'missing';
  if (!st.isDirectory()) return 'is not a directory (a symbolic link is refused too)';
  if (st.uid !== uid) return `belongs to uid ${st.uid}, not to carbond's uid ${uid}`;
  if ((st.mode & 0o022) !== 0) return `can be written by others (mode ${(st.mode & 0o777).toString(8)})`;
  return undefined;
}
