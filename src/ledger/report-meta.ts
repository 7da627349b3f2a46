/**
 * What a report says about how its ledger came to be, beyond the rows it prices: which
 * scheduling policies made the plans behind the jobs' decisions (the `plans` table stores
 * each plan's policy). Works on a read-only ledger.
 */
import type { Db } from './db';

/** A policy, how many of the jobs' plans it made, and the first and last of them (UTC epoch ms). */
export interface PolicyRow { policy: string; plans: number; fromMs: number; toMs: number }

/**
 * The policies behind the decisions of `jobIds`, most plans first.
 * @example a simulation run with `--policy carbond` → [{ policy: 'carbond', plans: 461, … }]
 */
export function policiesOfJobs(db: Db, jobIds: readonly string[]): PolicyRow[] {
  if (jobIds.length === 0) return [];
  const rows = db.prepare(`SELECT p.policy AS policy, COUNT(*) AS plans, MIN(p.created_at) AS from_ms, MAX(p.created_at) AS to_ms FROM plans p
    WHERE p.id IN (SELECT d.plan_id FROM decisions d WHERE d.job_id IN (SELECT value FROM json_each(?)))
    GROUP BY p.policy ORDER BY plans DESC, policy`).all(JSON.stringify(jobIds)) as Array<{ policy: string; plans: number; from_ms: number; to_ms: number }>;
  return rows.map((r) => ({ policy: r.policy, plans: r.plans, fromMs: r.from_ms, toMs: r.to_ms }));
}
