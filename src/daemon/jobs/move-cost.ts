/**
 * The planner's move cost (issue 15, docs/sites.md): for each unfinished job that has a
 * verified checkpoint, the time to bring its newest one to each allowed site whose storage
 * lacks it (`PlanJob.moveMs`). Per site pair, in this order:
 * 1. the destination's configured `moveTime.<from>`;
 * 2. the newest measured copy of that pair (`checkpoint_transfers`);
 * 3. an estimate: the checkpoint's bytes at `ESTIMATE_BYTES_PER_S` plus `ESTIMATE_FIXED_MS`.
 * A site sharing storage with where the checkpoint lies costs nothing. A site whose last copy
 * for the job failed is left out of the job's sites for `MOVE_RETRY_AFTER_MS`. Only read when
 * some site has its own `checkpointRoot` (otherwise every site shares the state dir).
 */
import type { Db } from '../../ledger/db';
import { checkpointsOf } from '../../ledger/checkpoints';
import type { JobRecord } from '../../ledger/jobs';
import { lastTransfersByPair, pairKey, recentFailedDestinations, type TransferRecord } from '../../ledger/transfers';
import type { PlanJob } from '../../../scheduler/types';
import { isAvailableAt } from './checkpoint-sites';
import type { SiteModel } from './types';

/**
 * After a failed copy to a site, the job is not planned there for this long (a corrupt copy or a
 * lost connection would otherwise be retried every tick): 30 min. Other sites stay open.
 */
export const MOVE_RETRY_AFTER_MS = 30 * 60_000;
/** Assumed copy rate before a site pair has been measured: 50 MiB/s. */
export const ESTIMATE_BYTES_PER_S = 50 * 1024 * 1024;
/** Assumed fixed cost of a copy (connections, verification, fsyncs) before measurement: 10 s. */
export const ESTIMATE_FIXED_MS = 10_000;

/** Whether sites differ in checkpoint storage at all. */
export function sitesDifferInStorage(sites: readonly SiteModel[]): boolean {
  return new Set(sites.map((s) => s.checkpointRoot ?? '')).size > 1;
}

/** Time to copy `bytes` from `from` to `to`, ms (rules 1–3 above). */
export function moveTimeMs(from: string, to: SiteModel, bytes: number, measured: ReadonlyMap<string, TransferRecord>): number {
  const configured = to.moveTimeMs?.[from];
  if (configured !== undefined) return configured;
  const last = measured.get(pairKey(from, to.name));
  if (last) return Math.round(last.seconds * 1000);
  return ESTIMATE_FIXED_MS + Math.round((bytes / ESTIMATE_BYTES_PER_S) * 1000);
}

/**
 * Sets `moveMs` on the plan jobs that need one. A running job's next checkpoint will lie at the
 * site it runs on; a paused one's newest verified checkpoint lies wherever it (or a copy) is.
 */
export function attachMoveCosts(db: Db, planJobs: PlanJob[], records: ReadonlyMap<string, JobRecord>, sites: readonly SiteModel[], nowMs: number): void {
  if (!sitesDifferInStorage(sites)) return;
  let measured: Map<string, TransferRecord> | undefined;
  const failed = recentFailedDestinations(db, nowMs - MOVE_RETRY_AFTER_MS);
  for (const pj of planJobs) {
    if (pj.phase === 'queued') continue;
    const refused = failed.get(pj.id);
    if (refused) {
      const open = pj.sites.filter((s) => !refused.has(s) || s === pj.currentSite);
      if (open.length > 0) pj.sites = open;
    }
    const job = records.get(pj.id);
    if (!job) continue;
    const verified = checkpointsOf(db, pj.id).filter((c) => c.status === 'verified');
    const top = verified.reduce((m, c) => Math.max(m, c.step), -1);
    const newest = verified.filter((c) => c.step === top);
    const bytes = newest[0]?.bytes ?? 0;
    const current = sites.find((s) => s.name === pj.currentSite);
    // Where the checkpoint to resume from is (or will be): every site holding a copy of the newest step; a running job's own site.
    const holders = pj.phase === 'running' && current ? [current] : onePerStorage(sites.filter((s) => newest.some((c) => isAvailableAt(c.path, s, job))), pj.currentSite);
    if (holders.length === 0) continue; // nothing to bring (no checkpoint yet: the job restarts from step 0 anywhere)
    const moveMs: Record<string, number> = {};
    for (const name of pj.sites) {
      const to = sites.find((s) => s.name === name);
      if (!to || holders.some((h) => (h.checkpointRoot ?? '') === (to.checkpointRoot ?? ''))) continue;
      measured ??= lastTransfersByPair(db);
      moveMs[name] = Math.min(...holders.map((h) => moveTimeMs(h.name, to, bytes, measured!)));
    }
    if (Object.keys(moveMs).length > 0) pj.moveMs = moveMs;
  }
}

/** One site per distinct storage (sites sharing a root hold the same copy): `prefer` where it is one of them, else the first. */
function onePerStorage(holders: readonly SiteModel[], prefer: string | undefined): SiteModel[] {
  const byRoot = new Map<string, SiteModel>();
  for (const h of holders) {
    const root = h.checkpointRoot ?? '';
    if (!byRoot.has(root) || h.name === prefer) byRoot.set(root, h);
  }
  return [...byRoot.values()];
}
