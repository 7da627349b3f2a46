/**
 * Jobs and their transitions (DESIGN §1, CONVENTIONS §5). The current state of a job is
 * the `to_state` of its newest `transitions` row; `appendTransition` checks the state
 * table of `src/jobs/states.ts` against that row inside one transaction.
 */
import type { Db } from './db';
import { assertTransition, isJobState, type JobState } from '../jobs/states';
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
    db.prepare(`INSERT INTO jobs (id, name, owner, uid, gid, command_json, use_shell, cwd, env_json,
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
  const row = db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
  return row ? decodeJob(row) : undefined;
}

/** Every job, oldest submission first. */
export function listJobs(db: Db): JobRecord[] {
  return (db.prepare('SELECT * FROM jobs ORDER BY submitted_at, id').all() as JobRow[]).map(decodeJob);
}

/** Sets (or clears, with null) the user's manual override of the plan. */
export function setManualOverride(db: Db, id: string, override: ManualOverride | null): void {
  db.prepare('UPDATE jobs SET manual_override = ? WHERE id = ?').run(override, id);
}

/** Records the total steps a job reported in its progress events. */
export function setTotalSteps(db: Db, id: string, totalSteps: number): void {
  db.prepare('UPDATE jobs SET total_steps = ? WHERE id = ? AND (total_steps IS NULL OR total_steps != ?)').run(totalSteps, id, totalSteps);
}

/** The job's current state: the newest transition; null when it has none. */
export function currentState(db: Db, jobId: string): JobState | null {
  const row = db.prepare('SELECT to_state FROM transitions WHERE job_id = ? ORDER BY id DESC LIMIT 1').get(jobId) as { to_state: string } | undefined;
  if (!row) return null;
  if (!isJobState(row.to_state)) throw new LedgerError(`job ${jobId}: unknown state ${row.to_state} in the ledger`);
  return row.to_state;
}

/** Current state of every job, by id (one query). */
export function currentStates(db: Db): Map<string, JobState> {
  const rows = db.prepare(`SELECT t.job_id, t.to_state FROM transitions t
    JOIN (SELECT job_id, MAX(id) AS id FROM transitions GROUP BY job_id) n ON n.id = t.id`).all() as Array<{ job_id: string; to_state: JobState }>;
  return new Map(rows.map((r) => [r.job_id, r.to_state]));
}

/**
 * Appends `→ to` after checking it against the state table and the newest row, atomically.
 * Throws `StateError` on an illegal transition (nothing is written).
 */
export function appendTransition(db: Db, jobId: string, to: JobState, atMs: number, reason: string): TransitionRecord {
  return db.transaction((): TransitionRecord => {
    const from = currentState(db, jobId);
    assertTransition(jobId, from, to);
    const info = db.prepare('INSERT INTO transitions (job_id, at, from_state, to_state, reason) VALUES (?, ?, ?, ?, ?)').run(jobId, atMs, from, to, reason);
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

/** Ids of the jobs whose owner set a manual override (pause or resume): one query a tick. */
export function jobsWithManualOverride(db: Db): Set<string> {
  const rows = db.prepare('SELECT id FROM jobs WHERE manual_override IS NOT NULL').all() as Array<{ id: string }>;
  return new Set(rows.map((r) => r.id));
}
