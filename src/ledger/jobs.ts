/**
 * Jobs and their transitions (DESIGN §1, CONVENTIONS §5). `transitions` is the history, never
 * rewritten; the current state is the `to_state` of a job's newest row, and `jobs.state`
 * (migration 4) holds that same value, written by `appendTransition` in the same transaction
 * as the row, so that the daemon's tick reads its open jobs through an index instead of every
 * job ever (a year of finished jobs is not read again on every tick). `appendTransition`
 * checks the state table of `src/jobs/states.ts` against the current state in that transaction.
 * On a ledger older than migration 4 (read-only while the daemon is down) the state is read
 * from `transitions`.
 */
import { cachedStatement, schemaFact, type Db } from './db';
import { assertTransition, isJobState, isTerminal, JOB_STATES, type JobState } from '../jobs/states';
import { LedgerError } from '../core/errors';

export type JobMode = 'checkpoint' | 'suspend';
export type ManualOverride = 'pause' | 'resume';

/** A job as carbond holds it (the `jobs` row, decoded). Times are UTC epoch ms. */
export interface JobRecord {
  id: string;
  name: string;
  owner: string;
  uid: number | null;
  gid: number | null;
  command: readonly string[];
  useShell: boolean;
  cwd: string;
  env: Readonly<Record<string, string>>;
  submittedAtMs: number;
  deadlineMs: number;
  estimateMs: number;
  totalSteps: number | null;
  powerW: number | null;
  gpus: number;
  sites: readonly string[];
  homeSite: string;
  mode: JobMode;
  pauseSignal: string;
  checkpointTimeoutMs: number;
  pauseOverheadMs: number;
  tags: Readonly<Record<string, string>>;
  manualOverride: ManualOverride | null;
  checkpointDir: string;
  /**
   * Times a run that fails on its own is retried (migration 3); absent = 0. Optional so that
   * records built elsewhere (the simulation's ledger) need not name it.
   */
  retries?: number;
}

export interface TransitionRecord {
  id: number;
  jobId: string;
  atMs: number;
  from: JobState | null;
  to: JobState;
  reason: string;
}

interface JobRow {
  id: string; name: string; owner: string; uid: number | null; gid: number | null;
  command_json: string; use_shell: number; cwd: string; env_json: string;
  submitted_at: number; deadline_at: number; estimate_ms: number; total_steps: number | null;
  power_w: number | null; gpus: number; sites_json: string; home_site: string; mode: JobMode;
  pause_signal: string; checkpoint_timeout_ms: number; pause_overhead_ms: number;
  tags_json: string; manual_override: ManualOverride | null; checkpoint_dir: string; retries: number;
}

function decodeJob(r: JobRow): JobRecord {
  return {
    id: r.id, name: r.name, owner: r.owner, uid: r.uid, gid: r.gid,
    command: JSON.parse(r.command_json) as string[], useShell: r.use_shell === 1, cwd: r.cwd,
    env: JSON.parse(r.env_json) as Record<string, string>,
    submittedAtMs: r.submitted_at, deadlineMs: r.deadline_at, estimateMs: r.estimate_ms,
    totalSteps: r.total_steps, powerW: r.power_w, gpus: r.gpus,
    sites: JSON.parse(r.sites_json) as string[], homeSite: r.home_site, mode: r.mode,
    pauseSignal: r.pause_signal, checkpointTimeoutMs: r.checkpoint_timeout_ms,
    pauseOverheadMs: r.pause_overhead_ms, tags: JSON.parse(r.tags_json) as Record<string, string>,
    manualOverride: r.manual_override, checkpointDir: r.checkpoint_dir, retries: r.retries,
  };
}

/** Inserts a job and its first transition (`→ queued`) in one transaction. */
export function insertJob(db: Db, job: JobRecord, reason = 'submitted'): void {
  db.transaction(() => {
    cachedStatement(db, `INSERT INTO jobs (id, name, owner, uid, gid, command_json, use_shell, cwd, env_json,
      submitted_at, deadline_at, estimate_ms, total_steps, power_w, gpus, sites_json, home_site, mode,
      pause_signal, checkpoint_timeout_ms, pause_overhead_ms, tags_json, manual_override, checkpoint_dir, retries)
      VALUES (@id, @name, @owner, @uid, @gid, @command_json, @use_shell, @cwd, @env_json, @submitted_at,
      @deadline_at, @estimate_ms, @total_steps, @power_w, @gpus, @sites_json, @home_site, @mode,
      @pause_signal, @checkpoint_timeout_ms, @pause_overhead_ms, @tags_json, @manual_override, @checkpoint_dir, @retries)`).run({
      id: job.id, name: job.name, owner: job.owner, uid: job.uid, gid: job.gid,
      command_json: JSON.stringify(job.command), use_shell: job.useShell ? 1 : 0, cwd: job.cwd,
      env_json: JSON.stringify(job.env), submitted_at: job.submittedAtMs, deadline_at: job.deadlineMs,
      estimate_ms: job.estimateMs, total_steps: job.totalSteps, power_w: job.powerW, gpus: job.gpus,
      sites_json: JSON.stringify(job.sites), home_site: job.homeSite, mode: job.mode,
      pause_signal: job.pauseSignal, checkpoint_timeout_ms: job.checkpointTimeoutMs,
      pause_overhead_ms: job.pauseOverheadMs, tags_json: JSON.stringify(job.tags),
      manual_override: job.manualOverride, checkpoint_dir: job.checkpointDir, retries: job.retries ?? 0,
    });
    appendTransition(db, job.id, 'queued', job.submittedAtMs, reason);
  })();
}

export function getJob(db: Db, id: string): JobRecord | undefined {
  const row = cachedStatement(db, 'SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
  return row ? decodeJob(row) : undefined;
}

/**
 * Every job, oldest submission first. Reads the whole history: for `list` and tools, never
 * for a daemon tick (use `listOpenJobs` / `listJobsInStates`).
 */
export function listJobs(db: Db): JobRecord[] {
  return (db.prepare('SELECT * FROM jobs ORDER BY submitted_at, id').all() as JobRow[]).map(decodeJob);
}

/** A job with its current state. */
export interface JobInState {
  job: JobRecord;
  state: JobState;
}

/** The states a job can still leave: queued, running, pausing, paused, suspended. */
export const OPEN_STATES: readonly JobState[] = (Object.keys(JOB_STATES) as JobState[]).filter((s) => !isTerminal(s));

/** Whether the ledger has `jobs.state` (migration 4); a read-only older ledger does not. */
export function hasJobStateColumn(db: Db): boolean {
  return schemaFact(db, 'jobs.state', () => (db.prepare('PRAGMA table_info(jobs)').all() as Array<{ name: string }>).some((c) => c.name === 'state'));
}

/**
 * The jobs whose current state is one of `states`, oldest submission first: one query on the
 * `jobs_state` index, so its cost follows the jobs in those states, not the history.
 */
export function listJobsInStates(db: Db, states: readonly JobState[]): JobInState[] {
  if (!hasJobStateColumn(db)) {
    const current = currentStates(db);
    return listJobs(db).filter((job) => states.includes(current.get(job.id) as JobState)).map((job) => ({ job, state: current.get(job.id)! }));
  }
  const rows = db.prepare('SELECT * FROM jobs WHERE state IN (SELECT value FROM json_each(?)) ORDER BY submitted_at, id')
    .all(JSON.stringify(states)) as Array<JobRow & { state: string }>;
  return rows.map((r) => ({ job: decodeJob(r), state: checkedState(r.id, r.state) }));
}

/** The jobs not yet finished, failed or cancelled (what a tick plans), oldest submission first. */
export function listOpenJobs(db: Db): JobInState[] {
  return listJobsInStates(db, OPEN_STATES);
}

/** Sets (or clears, with null) the user's manual override of the plan. */
export function setManualOverride(db: Db, id: string, override: ManualOverride | null): void {
  db.prepare('UPDATE jobs SET manual_override = ? WHERE id = ?').run(override, id);
}

/** Records the total steps a job reported in its progress events. */
export function setTotalSteps(db: Db, id: string, totalSteps: number): void {
  db.prepare('UPDATE jobs SET total_steps = ? WHERE id = ? AND (total_steps IS NULL OR total_steps != ?)').run(totalSteps, id, totalSteps);
}

/** `state` as read from the ledger, checked against the state table (a LedgerError names the job and the value). */
export function checkedState(jobId: string, state: string): JobState {
  if (!isJobState(state)) throw new LedgerError(`job ${jobId}: unknown state ${state} in the ledger`);
  return state;
}

/** The job's current state (its newest transition's); null when it has none (or no such job). */
export function currentState(db: Db, jobId: string): JobState | null {
  const row = cachedStatement(db, hasJobStateColumn(db)
    ? 'SELECT state AS to_state FROM jobs WHERE id = ?'
    : 'SELECT to_state FROM transitions WHERE job_id = ? ORDER BY id DESC LIMIT 1').get(jobId) as { to_state: string | null } | undefined;
  return row?.to_state == null ? null : checkedState(jobId, row.to_state);
}

/** Current state of every job, by id (one query over every job: for `list`, not for a tick). */
export function currentStates(db: Db): Map<string, JobState> {
  const rows = (hasJobStateColumn(db)
    ? db.prepare('SELECT id AS job_id, state AS to_state FROM jobs WHERE state IS NOT NULL')
    : db.prepare(`SELECT t.job_id, t.to_state FROM transitions t
      JOIN (SELECT job_id, MAX(id) AS id FROM transitions GROUP BY job_id) n ON n.id = t.id`)).all() as Array<{ job_id: string; to_state: string }>;
  return new Map(rows.map((r) => [r.job_id, checkedState(r.job_id, r.to_state)]));
}

/**
 * Appends `→ to` after checking it against the state table and the current state, and sets
 * `jobs.state` to `to`, in one transaction (the row and the column never disagree).
 * Throws `StateError` on an illegal transition (nothing is written).
 */
export function appendTransition(db: Db, jobId: string, to: JobState, atMs: number, reason: string): TransitionRecord {
  return db.transaction((): TransitionRecord => {
    const from = currentState(db, jobId);
    assertTransition(jobId, from, to);
    const info = cachedStatement(db, 'INSERT INTO transitions (job_id, at, from_state, to_state, reason) VALUES (?, ?, ?, ?, ?)').run(jobId, atMs, from, to, reason);
    if (hasJobStateColumn(db)) cachedStatement(db, 'UPDATE jobs SET state = ? WHERE id = ?').run(to, jobId);
    return { id: Number(info.lastInsertRowid), jobId, atMs, from, to, reason };
  })();
}

/** When the job finished (its transition to `finished`), or undefined when it has not. */
export function finishedAtOf(db: Db, jobId: string): number | undefined {
  const row = db.prepare(`SELECT at FROM transitions WHERE job_id = ? AND to_state = 'finished' ORDER BY id DESC LIMIT 1`).get(jobId) as { at: number } | undefined;
  return row?.at;
}

export function transitionsOf(db: Db, jobId: string): TransitionRecord[] {
  const rows = db.prepare('SELECT * FROM transitions WHERE job_id = ? ORDER BY id').all(jobId) as Array<{
    id: number; job_id: string; at: number; from_state: JobState | null; to_state: JobState; reason: string;
  }>;
  return rows.map((r) => ({ id: r.id, jobId: r.job_id, atMs: r.at, from: r.from_state, to: r.to_state, reason: r.reason }));
}

/**
 * Ids of the open jobs whose owner set a manual override (pause or resume): one query a tick,
 * on the `jobs_state` index (an override left on a finished job is of no use to a tick).
 */
export function jobsWithManualOverride(db: Db): Set<string> {
  const rows = (hasJobStateColumn(db)
    ? db.prepare('SELECT id FROM jobs WHERE state IN (SELECT value FROM json_each(?)) AND manual_override IS NOT NULL').all(JSON.stringify(OPEN_STATES))
    : db.prepare('SELECT id FROM jobs WHERE manual_override IS NOT NULL').all()) as Array<{ id: string }>;
  return new Set(rows.map((r) => r.id));
}
