/** Plans the scheduler produced and the decisions in them (DESIGN §3 step 5: "persist the plan"). */
import type { Db } from './db';

export interface PlanRow {
  createdAtMs: number;
  policy: string;
  nextWakeMs: number | null;
  planJson: string;
  decisions: ReadonlyArray<{ jobId: string; action: string; site: string | null; reason: string }>;
}

/** Inserts a plan and its decisions in one transaction; returns the plan id. */
export function recordPlan(db: Db, plan: PlanRow): number {
  return db.transaction((): number => {
    const info = db.prepare('INSERT INTO plans (created_at, policy, next_wake_at, plan_json) VALUES (?, ?, ?, ?)')
      .run(plan.createdAtMs, plan.policy, plan.nextWakeMs, plan.planJson);
    const planId = Number(info.lastInsertRowid);
    const stmt = db.prepare('INSERT INTO decisions (plan_id, job_id, at, action, site, reason) VALUES (?, ?, ?, ?, ?, ?)');
    for (const d of plan.decisions) stmt.run(planId, d.jobId, plan.createdAtMs, d.action, d.site, d.reason);
    return planId;
  })();
}

/** The newest decisions about a job, newest first. */
export function decisionsOf(db: Db, jobId: string, limit = 20): Array<{ atMs: number; action: string; site: string | null; reason: string }> {
  const rows = db.prepare('SELECT at, action, site, reason FROM decisions WHERE job_id = ? ORDER BY id DESC LIMIT ?').all(jobId, limit) as Array<{ at: number; action: string; site: string | null; reason: string }>;
  return rows.map((r) => ({ atMs: r.at, action: r.action, site: r.site, reason: r.reason }));
}
