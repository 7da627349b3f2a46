/**
 * Migration 5: recurring schedules (README "Recurring schedules"). Append-only: never edit once landed.
 * - `schedules`: who owns it (uid and name, as the kernel gave them at `schedule add`), the cron
 *   expression and its IANA zone, the deadline rule (`finish_by` HH:MM in that zone, or
 *   `within_ms` after the occurrence: exactly one), the job template (the validated submit
 *   fields without a deadline, JSON), when it was added and removed (a removed schedule is kept:
 *   its jobs still name it), and the newest occurrence handled (submitted, skipped or failed).
 * - `schedule_occurrences`: one row per occurrence handled, keyed by (schedule, occurrence time):
 *   the key is what makes an occurrence submit at most one job, whatever restarts or ticks do.
 *   A submitted one names its job (which also carries the tag `schedule = <id>`); older
 *   occurrences missed while the daemon was down are logged, not stored one by one.
 */
export const migration0005 = {
  version: 5,
  name: 'schedules',
  sql: `
CREATE TABLE schedules (
  id                  TEXT    PRIMARY KEY,
  owner               TEXT    NOT NULL,
  uid                 INTEGER NOT NULL,
  cron                TEXT    NOT NULL,
  tz                  TEXT    NOT NULL,
  finish_by           TEXT,
  within_ms           INTEGER CHECK (within_ms > 0),
  template_json       TEXT    NOT NULL,
  created_at          INTEGER NOT NULL,
  removed_at          INTEGER,
  last_occurrence_at  INTEGER,
  CHECK ((finish_by IS NULL) <> (within_ms IS NULL))
);

CREATE INDEX schedules_active ON schedules(created_at) WHERE removed_at IS NULL;

CREATE TABLE schedule_occurrences (
  schedule_id    TEXT    NOT NULL REFERENCES schedules(id),
  occurrence_at  INTEGER NOT NULL,
  outcome        TEXT    NOT NULL CHECK (outcome IN ('submitted', 'skipped', 'failed')),
  job_id         TEXT    REFERENCES jobs(id),
  reason         TEXT    NOT NULL,
  recorded_at    INTEGER NOT NULL,
  PRIMARY KEY (schedule_id, occurrence_at)
);

CREATE INDEX schedule_occurrences_job ON schedule_occurrences(job_id) WHERE job_id IS NOT NULL;
`,
};
