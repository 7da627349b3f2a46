/**
 * Whole-ledger counts for benchmarks and fault tests (bench/burst.ts): how often each job was
 * paused, how many runs were paused before their first progress event, which jobs finished
 * when. Reads only; not on any daemon path.
 */
import type { Db } from './db';

export interface LedgerAudit {
  /** Pause requests per job (pausing or suspended), leaving out the daemon's own stop. */
  pausesByJob: Array<{ jobId: string; n: number }>;
  /** Runs whose pause request came before any progress of that run was recorded. */
  pausedBeforeProgress: number;
  finished: Array<{ jobId: string; atMs: number }>;
  deadlines: Map<string, number>;
  plans: number;
  decisions: number;
}

/** Jobs that have reached `finished`. */
export function finishedJobCount(db: Db): number {
  return db.prepare(`SELECT COUNT(*) FROM transitions WHERE to_state = 'finished'`).pluck().get() as number;
}

export function auditLedger(db: Db): LedgerAudit {
  const pausesByJob = (db.prepare(`SELECT job_id, COUNT(*) AS n FROM transitions WHERE to_state IN ('pausing', 'suspended') AND reason NOT LIKE 'daemon stopping%' GROUP BY job_id`).all() as Array<{ job_id: string; n: number }>)
    .map((r) => ({ jobId: r.job_id, n: r.n }));
  const pausedBeforeProgress = (db.prepare(`SELECT COUNT(*) AS n FROM runs r
    JOIN transitions t ON t.job_id = r.job_id AND t.to_state = 'pausing' AND t.at >= r.started_at AND (r.ended_at IS NULL OR t.at <= r.ended_at)
    WHERE NOT EXISTS (SELECT 1 FROM progress p WHERE p.run_id = r.id AND p.at <= t.at)`).get() as { n: number }).n;
  const finished = (db.prepare(`SELECT job_id, at FROM transitions WHERE to_state = 'finished'`).all() as Array<{ job_id: string; at: number }>)
    .map((r) => ({ jobId: r.job_id, atMs: r.at }));
  const deadlines = new Map((db.prepare('SELECT id, deadline_at FROM jobs').all() as Array<{ id: string; deadline_at: number }>).map((r) => [r.id, r.deadline_at]));
  const count = (table: 'plans' | 'decisions'): number => db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
  return { pausesByJob, pausedBeforeProgress, finished, deadlines, plans: count('plans'), decisions: count('decisions') };
}
