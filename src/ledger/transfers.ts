/**
 * SQL for `checkpoint_transfers` (migration 6): every copy of a job's checkpoint between two
 * sites' storage, with its measured time. The newest successful copy of a site pair is the
 * planner's default move cost for that pair (docs/sites.md).
 */
import type { Db } from './db';

export type TransferOutcome = 'ok' | 'failed' | 'corrupt';

export interface TransferRecord {
  id: number;
  jobId: string;
  fromSite: string;
  toSite: string;
  source: string;
  destination: string;
  step: number;
  bytes: number;
  startedAtMs: number;
  endedAtMs: number;
  seconds: number;
  outcome: TransferOutcome;
  error: string | null;
}

interface TransferRow {
  id: number; job_id: string; from_site: string; to_site: string; source: string; destination: string; step: number;
  bytes: number; started_at: number; ended_at: number; seconds: number; outcome: TransferOutcome; error: string | null;
}

function decode(r: TransferRow): TransferRecord {
  return { id: r.id, jobId: r.job_id, fromSite: r.from_site, toSite: r.to_site, source: r.source, destination: r.destination, step: r.step,
    bytes: r.bytes, startedAtMs: r.started_at, endedAtMs: r.ended_at, seconds: r.seconds, outcome: r.outcome, error: r.error };
}

export function recordTransfer(db: Db, t: Omit<TransferRecord, 'id'>): TransferRecord {
  const info = db.prepare(`INSERT INTO checkpoint_transfers (job_id, from_site, to_site, source, destination, step, bytes, started_at, ended_at, seconds, outcome, error)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(t.jobId, t.fromSite, t.toSite, t.source, t.destination, t.step, t.bytes, t.startedAtMs, t.endedAtMs, t.seconds, t.outcome, t.error);
  return { id: Number(info.lastInsertRowid), ...t };
}

/** The newest successful copy from `fromSite` to `toSite`, if any. */
export function lastTransferBetween(db: Db, fromSite: string, toSite: string): TransferRecord | undefined {
  const row = db.prepare(`SELECT * FROM checkpoint_transfers WHERE from_site = ? AND to_site = ? AND outcome = 'ok' ORDER BY id DESC LIMIT 1`)
    .get(fromSite, toSite) as TransferRow | undefined;
  return row ? decode(row) : undefined;
}

/** The newest successful copy of every site pair (one read for a whole plan). */
export function lastTransfersByPair(db: Db): Map<string, TransferRecord> {
  const rows = db.prepare(`SELECT t.* FROM checkpoint_transfers t
    JOIN (SELECT MAX(id) AS id FROM checkpoint_transfers WHERE outcome = 'ok' GROUP BY from_site, to_site) newest ON newest.id = t.id`).all() as TransferRow[];
  return new Map(rows.map((r) => [pairKey(r.from_site, r.to_site), decode(r)]));
}

/** The key of a site pair in `lastTransfersByPair`. */
export function pairKey(fromSite: string, toSite: string): string {
  return `${fromSite}\u0000${toSite}`;
}

/** A job's copies, oldest first ([] on a ledger older than migration 6, read-only by `show`). */
export function transfersOf(db: Db, jobId: string): TransferRecord[] {
  if (!db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'checkpoint_transfers'`).get()) return [];
  return (db.prepare('SELECT * FROM checkpoint_transfers WHERE job_id = ? ORDER BY id').all(jobId) as TransferRow[]).map(decode);
}

/** Per job, the destinations whose newest copy since `sinceMs` failed (no successful copy after it). */
export function recentFailedDestinations(db: Db, sinceMs: number): Map<string, Set<string>> {
  const rows = db.prepare(`SELECT DISTINCT f.job_id AS jobId, f.to_site AS toSite FROM checkpoint_transfers f
    WHERE f.outcome != 'ok' AND f.ended_at >= ?
      AND NOT EXISTS (SELECT 1 FROM checkpoint_transfers o WHERE o.job_id = f.job_id AND o.to_site = f.to_site AND o.outcome = 'ok' AND o.id > f.id)`)
    .all(sinceMs) as Array<{ jobId: string; toSite: string }>;
  const out = new Map<string, Set<string>>();
  for (const r of rows) {
    const set = out.get(r.jobId) ?? new Set<string>();
    set.add(r.toSite);
    out.set(r.jobId, set);
  }
  return out;
}
