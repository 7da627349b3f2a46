/**
 * Recurring schedules and the occurrences handled (migration 5). A schedule is never deleted:
 * `remove` sets `removed_at`, so its jobs keep naming it. An occurrence's row is keyed by
 * (schedule, occurrence time) and written in the same transaction as its job and the
 * schedule's `last_occurrence_at`: an occurrence submits one job at most.
 */
import { cachedStatement, type Db } from './db';
import type { JobSpec } from '../jobs/spec';

/** A job template: the submit fields without the deadline, which each occurrence computes. */
export type JobTemplate = Omit<JobSpec, 'deadlineMs'>;

/** A schedule as carbond holds it. Times are UTC epoch ms. */
export interface ScheduleRecord {
  id: string;
  owner: string;
  uid: number;
  /** 5-field cron expression, read in `tz`. */
  cron: string;
  /** IANA zone of the expression and of `finishBy`. */
  tz: string;
  /** `HH:MM` in `tz`: each occurrence's job must finish by the next such time; or null with `withinMs`. */
  finishBy: string | null;
  /** Each occurrence's job must finish within this long of the occurrence; or null with `finishBy`. */
  withinMs: number | null;
  template: JobTemplate;
  createdAtMs: number;
  removedAtMs: number | null;
  /** The newest occurrence handled (submitted, skipped or failed); null before the first. */
  lastOccurrenceMs: number | null;
}

export type OccurrenceOutcome = 'submitted' | 'skipped' | 'failed';

export interface OccurrenceRecord {
  scheduleId: string;
  occurrenceMs: number;
  outcome: OccurrenceOutcome;
  jobId: string | null;
  reason: string;
  recordedAtMs: number;
}

interface ScheduleRow {
  id: string; owner: string; uid: number; cron: string; tz: string; finish_by: string | null; within_ms: number | null;
  template_json: string; created_at: number; removed_at: number | null; last_occurrence_at: number | null;
}

function decodeSchedule(r: ScheduleRow): ScheduleRecord {
  return {
    id: r.id, owner: r.owner, uid: r.uid, cron: r.cron, tz: r.tz, finishBy: r.finish_by, withinMs: r.within_ms,
    template: JSON.parse(r.template_json) as JobTemplate, createdAtMs: r.created_at, removedAtMs: r.removed_at,
    lastOccurrenceMs: r.last_occurrence_at,
  };
}

export function insertSchedule(db: Db, s: ScheduleRecord): void {
  cachedStatement(db, `INSERT INTO schedules (id, owner, uid, cron, tz, finish_by, within_ms, template_json, created_at, removed_at, last_occurrence_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(s.id, s.owner, s.uid, s.cron, s.tz, s.finishBy, s.withinMs, JSON.stringify(s.template), s.createdAtMs, s.removedAtMs, s.lastOccurrenceMs);
}

/** A schedule by id (removed ones too). */
export function getSchedule(db: Db, id: string): ScheduleRecord | undefined {
  const row = cachedStatement(db, 'SELECT * FROM schedules WHERE id = ?').get(id) as ScheduleRow | undefined;
  return row ? decodeSchedule(row) : undefined;
}

/** Schedules not removed, oldest first (what a tick reads, through `schedules_active`). */
export function listActiveSchedules(db: Db): ScheduleRecord[] {
  return (cachedStatement(db, 'SELECT * FROM schedules WHERE removed_at IS NULL ORDER BY created_at, id').all() as ScheduleRow[]).map(decodeSchedule);
}

/** Marks a schedule removed at `atMs`; false when it was already removed (or does not exist). */
export function removeSchedule(db: Db, id: string, atMs: number): boolean {
  return cachedStatement(db, 'UPDATE schedules SET removed_at = ? WHERE id = ? AND removed_at IS NULL').run(atMs, id).changes === 1;
}

/**
 * Records an occurrence as handled and moves the schedule's `last_occurrence_at` to it, in one
 * transaction with `alsoWrite` (the job's insert, for a submitted one). A second record of the
 * same occurrence throws (primary key) and rolls everything back, the job included.
 */
export function recordOccurrence(db: Db, o: OccurrenceRecord, alsoWrite: () => void = () => undefined): void {
  db.transaction(() => {
    alsoWrite();
    cachedStatement(db, 'INSERT INTO schedule_occurrences (schedule_id, occurrence_at, outcome, job_id, reason, recorded_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(o.scheduleId, o.occurrenceMs, o.outcome, o.jobId, o.reason, o.recordedAtMs);
    cachedStatement(db, 'UPDATE schedules SET last_occurrence_at = MAX(COALESCE(last_occurrence_at, ?), ?) WHERE id = ?').run(o.occurrenceMs, o.occurrenceMs, o.scheduleId);
  })();
}

/** The occurrences of a schedule, newest first, at most `limit`. */
export function occurrencesOf(db: Db, scheduleId: string, limit = 50): OccurrenceRecord[] {
  const rows = cachedStatement(db, 'SELECT * FROM schedule_occurrences WHERE schedule_id = ? ORDER BY occurrence_at DESC LIMIT ?').all(scheduleId, limit) as Array<{
    schedule_id: string; occurrence_at: number; outcome: OccurrenceOutcome; job_id: string | null; reason: string; recorded_at: number;
  }>;
  return rows.map((r) => ({ scheduleId: r.schedule_id, occurrenceMs: r.occurrence_at, outcome: r.outcome, jobId: r.job_id, reason: r.reason, recordedAtMs: r.recorded_at }));
}

/** Every schedule, oldest first, removed ones included (for `schedule list`). */
export function listSchedules(db: Db): ScheduleRecord[] {
  return (cachedStatement(db, 'SELECT * FROM schedules ORDER BY created_at, id').all() as ScheduleRow[]).map(decodeSchedule);
}
