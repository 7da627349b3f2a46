/**
 * Migration 3: a job's retry policy. Append-only: never edit once landed.
 * - `jobs.retries`: how many times a run that exits non-zero on its own is retried (from the
 *   last verified checkpoint, after a backoff) before the job is failed; 0–20, default 0
 *   (jobs submitted before keep failing at the first failure, as they did).
 */
export const migration0003 = {
  version: 3,
  name: 'job_retries',
  sql: `
ALTER TABLE jobs ADD COLUMN retries INTEGER NOT NULL DEFAULT 0 CHECK (retries BETWEEN 0 AND 20);
`,
};
