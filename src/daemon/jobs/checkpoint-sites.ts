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
import * as path from 'node:path';
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
