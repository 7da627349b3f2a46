/**
 * Checkpoints a job wrote, with the result of verifying them (DESIGN §4). Only a
 * `verified` row is ever resumed from; a `corrupt` one is kept with its error.
 */
import type { Db } from './db';

export type CheckpointStatus = 'verified' | 'corrupt' | 'pruned';

export interface CheckpointRecord {
  id: number;
  jobId: string;
  runId: number | null;
  path: string;
  step: number;
  createdAtMs: number;
  bytes: number;
  status: CheckpointStatus;
  error: string | null;
}

interface CheckpointRow {
  id: number; job_id: string; run_id: number | null; path: string; step: number;
  created_at: number; bytes: number; status: CheckpointStatus; error: string | null;
}

function decode(r: CheckpointRow): CheckpointRecord {
  return { id: r.id, jobId: r.job_id, runId: r.run_id, path: r.path, step: r.step, createdAtMs: r.created_at, bytes: r.bytes, status: r.status, error: r.error };
}

export type NewCheckpoint = Omit<CheckpointRecord, 'id'>;

/**
 * Records a checkpoint. Idempotent per (job, path, status): the same event read twice
 * (events files are re-read after a daemon restart) returns the existing row.
 */
export function recordCheckpoint(db: Db, c: NewCheckpoint): CheckpointRecord {
  return db.transaction((): CheckpointRecord => {
    const existing = db.prepare('SELECT * FROM checkpoints WHERE job_id = ? AND path = ? AND status = ? ORDER BY id DESC LIMIT 1')
      .get(c.jobId, c.path, c.status) as CheckpointRow | undefined;
    if (existing && existing.step === c.step) return decode(existing);
    const info = db.prepare(`INSERT INTO checkpoints (job_id, run_id, path, step, created_at, bytes, status, error)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(c.jobId, c.runId, c.path, c.step, c.createdAtMs, c.bytes, c.status, c.error);
    return decode(db.prepare('SELECT * FROM checkpoints WHERE id = ?').get(Number(info.lastInsertRowid)) as CheckpointRow);
  })();
}

/** The newest verified checkpoint of a job (highest step, then newest row). */
export function lastVerifiedCheckpoint(db: Db, jobId: string): CheckpointRecord | undefined {
  const row = db.prepare(`SELECT * FROM checkpoints WHERE job_id = ? AND status = 'verified' ORDER BY step DESC, id DESC LIMIT 1`)
    .get(jobId) as CheckpointRow | undefined;
  return row ? decode(row) : undefined;
}

/** A job's checkpoints in step order: a pause checkpoint can be recorded before a periodic one of a lower step read later from the events file. */
export function checkpointsOf(db: Db, jobId: string): CheckpointRecord[] {
  return (db.prepare('SELECT * FROM checkpoints WHERE job_id = ? ORDER BY step, id').all(jobId) as CheckpointRow[]).map(decode);
}

/** Marks a checkpoint corrupt (found bad when about to resume from it), with the reason. */
export function markCheckpointCorrupt(db: Db, id: number, error: string): void {
  db.prepare(`UPDATE checkpoints SET status = 'corrupt', error = ? WHERE id = ?`).run(error, id);
}

/** Marks checkpoints removed by retention. */
export function markCheckpointsPruned(db: Db, ids: readonly number[]): void {
  const stmt = db.prepare(`UPDATE checkpoints SET status = 'pruned' WHERE id = ?`);
  db.transaction(() => { for (const id of ids) stmt.run(id); })();
}
