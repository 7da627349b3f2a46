/**
 * Plans the scheduler produced and the decisions in them (DESIGN §3 step 5: "persist the plan").
 *
 * Retention: the daemon plans at every tick, and a burst of jobs means a tick every few
 * seconds, each plan holding every job. What readers need is less: `show` reads a job's
 * newest decisions, reports its decisions other than `keep`; nothing reads an old plan's
 * body. So a decision is stored only when it changes the job's action or site from its last
 * stored one, only the newest plan keeps its body (older ones keep their row, `plan_json`
 * `'null'`), and housekeeping deletes superseded plans no stored decision refers to. The
 * ledger then grows with jobs and their changes, not with ticks.
 * (The rows a plan is built from, `planJobRows`, are read in ./runs.)
 */
import type { Db } from './db';

export interface PlanRow {
  createdAtMs: number;
  policy: string;
  nextWakeMs: number | null;
  planJson: string;
  decisions: ReadonlyArray<{ jobId: string; action: string; site: string | null; reason: string }>;
}

/** What a superseded plan keeps of its body. */
export const SUPERSEDED_PLAN_JSON = 'null';

/**
 * Inserts a plan and the decisions in it that change their job's action or site, in one
 * transaction; the previous newest plan gives up its body. Returns the plan id.
 */
export function recordPlan(db: Db, plan: PlanRow): number {
  return db.transaction((): number => {
    const previous = db.prepare('SELECT MAX(id) FROM plans').pluck().get() as number | null;
    const info = db.prepare('INSERT INTO plans (created_at, policy, next_wake_at, plan_json) VALUES (?, ?, ?, ?)')
      .run(plan.createdAtMs, plan.policy, plan.nextWakeMs, plan.planJson);
    const planId = Number(info.lastInsertRowid);
    const last = db.prepare('SELECT action, site FROM decisions WHERE job_id = ? ORDER BY id DESC LIMIT 1');
    const stmt = db.prepare('INSERT INTO decisions (plan_id, job_id, at, action, site, reason) VALUES (?, ?, ?, ?, ?, ?)');
    for (const d of plan.decisions) {
      const before = last.get(d.jobId) as { action: string; site: string | null } | undefined;
      if (before && before.action === d.action && before.site === d.site) continue;
      stmt.run(planId, d.jobId, plan.createdAtMs, d.action, d.site, d.reason);
    }
    if (previous !== null) db.prepare('UPDATE plans SET plan_json = ? WHERE id = ?').run(SUPERSEDED_PLAN_JSON, previous);
    return planId;
  })();
}

/** Where the last prune stopped: plans and decisions up to these ids have been looked at. */
export interface PrunedUpTo {
  planId: number;
  decisionId: number;
}

/** Plans one prune looks at, at most: bounds the first prune of a ledger written before retention (one transaction, one WAL). */
export const PRUNE_PLANS_PER_CALL = 5_000;

/**
 * Deletes superseded plans (all but the newest) no decision refers to, and drops the bodies
 * of superseded plans (ledgers written before bodies were dropped on insert). Looks only
 * past `since`, at most `limit` plans: ids only grow and `recordPlan` writes a plan's
 * decisions right after it, so the decisions of the plans after `since.planId` are the ones
 * after `since.decisionId`. Pass back what it returned; a fresh start (no `since`) looks from
 * the beginning. Returns how many plans it deleted and where it stopped.
 * @example after 15 ticks with one decision that changed: 14 plans deleted, the one the
 *   decision refers to and the newest kept.
 */
export function pruneSupersededPlans(db: Db, since: PrunedUpTo = { planId: 0, decisionId: 0 }, limit = PRUNE_PLANS_PER_CALL): { deleted: number; upTo: PrunedUpTo } {
  return db.transaction(() => {
    const newest = db.prepare('SELECT MAX(id) FROM plans').pluck().get() as number | null;
    if (newest === null || newest - 1 <= since.planId) return { deleted: 0, upTo: since };
    const planId = Math.min(newest - 1, since.planId + limit);
    // The first decision past this stretch of plans (decisions are in plan order): the stretch's end.
    const next = db.prepare('SELECT id FROM decisions WHERE id > ? AND plan_id > ? ORDER BY id LIMIT 1').pluck().get(since.decisionId, planId) as number | undefined;
    const decisionId = next === undefined ? ((db.prepare('SELECT MAX(id) FROM decisions').pluck().get() as number | null) ?? since.decisionId) : next - 1;
    db.prepare('UPDATE plans SET plan_json = ? WHERE id > ? AND id <= ? AND plan_json <> ?').run(SUPERSEDED_PLAN_JSON, since.planId, planId, SUPERSEDED_PLAN_JSON);
    const deleted = db.prepare(`DELETE FROM plans WHERE id > ? AND id <= ?
      AND id NOT IN (SELECT plan_id FROM decisions WHERE id > ? AND id <= ?)`).run(since.planId, planId, since.decisionId, decisionId).changes;
    return { deleted, upTo: { planId, decisionId } };
  })();
}

/** The newest decisions about a job, newest first. */
export function decisionsOf(db: Db, jobId: string, limit = 20): Array<{ atMs: number; action: string; site: string | null; reason: string }> {
  const rows = db.prepare('SELECT at, action, site, reason FROM decisions WHERE job_id = ? ORDER BY id DESC LIMIT ?').all(jobId, limit) as Array<{ at: number; action: string; site: string | null; reason: string }>;
  return rows.map((r) => ({ atMs: r.at, action: r.action, site: r.site, reason: r.reason }));
}
