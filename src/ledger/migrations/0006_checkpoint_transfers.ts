/**
 * Migration 6: checkpoint copies between sites (issue 15, docs/sites.md). Append-only: never edit once landed.
 * - `checkpoint_transfers`: one row per attempted copy of a job's verified checkpoint from one
 *   site's storage to another's: the sites, the source and destination paths, the step, the
 *   bytes copied, when it started and ended, the measured seconds (the planner's move cost for
 *   that site pair) and the outcome (`ok`, `failed`, `corrupt`: arrived but did not match the
 *   source's manifest, removed) with its error. The copy a job resumes from is also a
 *   `checkpoints` row (verified, no run).
 */
export const migration0006 = {
  version: 6,
  name: 'checkpoint transfers',
  sql: `
CREATE TABLE checkpoint_transfers (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id       TEXT    NOT NULL REFERENCES jobs(id),
  from_site    TEXT    NOT NULL,
  to_site      TEXT    NOT NULL,
  source       TEXT    NOT NULL,
  destination  TEXT    NOT NULL,
  step         INTEGER NOT NULL,
  bytes        INTEGER NOT NULL DEFAULT 0,
  started_at   INTEGER NOT NULL,
  ended_at     INTEGER NOT NULL,
  seconds      REAL    NOT NULL,
  outcome      TEXT    NOT NULL CHECK (outcome IN ('ok', 'failed', 'corrupt')),
  error        TEXT
);

CREATE INDEX checkpoint_transfers_pair ON checkpoint_transfers(from_site, to_site, outcome, id);
CREATE INDEX checkpoint_transfers_job ON checkpoint_transfers(job_id, id);
`,
} as const;
