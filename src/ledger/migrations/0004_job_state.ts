/**
 * Migration 4: a job's current state on its row, so that a daemon tick reads its open jobs
 * through an index instead of every job and transition ever written (a year of history cost a
 * year of rows on every tick). Append-only: never edit once landed.
 * - `jobs.state`: the `to_state` of the job's newest `transitions` row, kept by
 *   `appendTransition` in the same transaction as the row it appends; null while the job has
 *   no transition (the moment inside `insertJob` before its `→ queued`). `transitions` stays
 *   the history and is never rewritten. No CHECK: the state table (src/jobs/states.ts) is
 *   enforced where transitions are appended, and a CHECK could not grow with it without a
 *   table rebuild.
 * - `jobs_state`: the open jobs (and the running ones, on a graceful stop) by state.
 * - `jobs_submitted`: reports and `status` choose jobs by submission time.
 * - `runs_open`: the open runs (every tick reads them) without scanning every run ever.
 * Backfill: each existing job gets its newest transition's state.
 */
export const migration0004 = {
  version: 4,
  name: 'job_state',
  sql: `
ALTER TABLE jobs ADD COLUMN state TEXT;

UPDATE jobs SET state = (SELECT t.to_state FROM transitions t WHERE t.job_id = jobs.id ORDER BY t.id DESC LIMIT 1);

CREATE INDEX jobs_state ON jobs(state, submitted_at);
CREATE INDEX jobs_submitted ON jobs(submitted_at);
CREATE INDEX runs_open ON runs(id) WHERE ended_at IS NULL;
`,
};
