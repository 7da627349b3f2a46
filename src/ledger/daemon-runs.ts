/**
 * `daemon_runs`: one row per daemon process that opened the ledger, so `carbond status`
 * can say when the daemon last ran and how it stopped even while it is down.
 * Times are UTC epoch ms bound by the caller.
 */
import type { Db } from './db';

/** One daemon process's life as recorded in the ledger. */
export interface DaemonRunRow {
  id: number;
  pid: number;
  version: string;
  startedAtMs: number;
  /** null while running, or when the process died without stopping cleanly. */
  stoppedAtMs: number | null;
  /** `SIGTERM`, `SIGINT`, `crashed (found at start)`, …; null while running. */
  stopReason: string | null;
}

interface RawRow {
  id: number;
  pid: number;
  version: string;
  started_at: number;
  stopped_at: number | null;
  stop_reason: string | null;
}

function toRow(r: RawRow): DaemonRunRow {
  return { id: r.id, pid: r.pid, version: r.version, startedAtMs: r.started_at, stoppedAtMs: r.stopped_at, stopReason: r.stop_reason };
}

/** Records a daemon start; returns the run id to pass to `recordDaemonStop`. */
export function recordDaemonStart(db: Db, run: { pid: number; version: string; startedAtMs: number }): number {
  const info = db.prepare('INSERT INTO daemon_runs (pid, version, started_at) VALUES (?, ?, ?)').run(run.pid, run.version, run.startedAtMs);
  return Number(info.lastInsertRowid);
}

/** Records a clean stop of run `id`. */
export function recordDaemonStop(db: Db, id: number, stoppedAtMs: number, reason: string): void {
  db.prepare('UPDATE daemon_runs SET stopped_at = ?, stop_reason = ? WHERE id = ?').run(stoppedAtMs, reason, id);
}

/**
 * Marks runs that never recorded a stop (the process died: kill -9, power loss) as
 * crashed, at `nowMs`. Called at start, after the state-dir lock is held, so no live
 * daemon owns them. Returns how many were closed.
 */
export function closeAbandonedDaemonRuns(db: Db, nowMs: number): number {
  return db.prepare("UPDATE daemon_runs SET stopped_at = ?, stop_reason = 'crashed (found at next start)' WHERE stopped_at IS NULL").run(nowMs).changes;
}

/** The newest daemon run, or undefined when the daemon never ran on this ledger. */
export function lastDaemonRun(db: Db): DaemonRunRow | undefined {
  const r = db.prepare('SELECT * FROM daemon_runs ORDER BY id DESC LIMIT 1').get() as RawRow | undefined;
  return r ? toRow(r) : undefined;
}

/** The ledger's schema version (newest applied migration), 0 for an empty file. */
export function schemaVersion(db: Db): number {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'").get();
  if (!exists) return 0;
  const r = db.prepare('SELECT MAX(version) AS v FROM migrations').get() as { v: number | null };
  return r.v ?? 0;
}
