/**
 * Runs (execution segments of a job) and their progress events. A run is open while
 * `ended_at` is null; the daemon re-adopts open runs on start (DESIGN §7).
 */
import { cachedStatement, type Db } from './db';

export type RunExitKind = 'finished' | 'paused' | 'failed' | 'killed' | 'lost';

export interface RunRecord {
  id: number;
  jobId: string;
  site: string;
  startedAtMs: number;
  endedAtMs: number | null;
  pid: number | null;
  /** /proc/PID/stat field 22 (start time in clock ticks since boot), as text. */
  pidStartTicks: string | null;
  executorRef: string | null;
  /** CUDA_VISIBLE_DEVICES given to the run, e.g. `0,1`; '' = none. */
  gpuIds: string;
  resumedFrom: number | null;
  startStep: number;
  lastStep: number | null;
  exitKind: RunExitKind | null;
  exitCode: number | null;
  exitSignal: string | null;
  lostSteps: number;
  logPath: string | null;
}

interface RunRow {
  id: number; job_id: string; site: string; started_at: number; ended_at: number | null;
  pid: number | null; pid_start_ticks: string | null; executor_ref: string | null; gpu_ids: string;
  resumed_from: number | null; start_step: number; last_step: number | null;
  exit_kind: RunExitKind | null; exit_code: number | null; exit_signal: string | null;
  lost_steps: number; log_path: string | null;
}

function decodeRun(r: RunRow): RunRecord {
  return {
    id: r.id, jobId: r.job_id, site: r.site, startedAtMs: r.started_at, endedAtMs: r.ended_at,
    pid: r.pid, pidStartTicks: r.pid_start_ticks, executorRef: r.executor_ref, gpuIds: r.gpu_ids,
    resumedFrom: r.resumed_from, startStep: r.start_step, lastStep: r.last_step, exitKind: r.exit_kind,
    exitCode: r.exit_code, exitSignal: r.exit_signal, lostSteps: r.lost_steps, logPath: r.log_path,
  };
}

export interface NewRun {
  jobId: string;
  site: string;
  startedAtMs: number;
  gpuIds: string;
  resumedFrom: number | null;
  startStep: number;
}

/** Opens a run (before the process starts, so a crash between the two leaves a trace). */
export function insertRun(db: Db, run: NewRun): RunRecord {
  const info = cachedStatement(db, `INSERT INTO runs (job_id, site, started_at, gpu_ids, resumed_from, start_step)
    VALUES (?, ?, ?, ?, ?, ?)`).run(run.jobId, run.site, run.startedAtMs, run.gpuIds, run.resumedFrom, run.startStep);
  return getRun(db, Number(info.lastInsertRowid))!;
}

export function getRun(db: Db, id: number): RunRecord | undefined {
  const row = cachedStatement(db, 'SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
  return row ? decodeRun(row) : undefined;
}

/** Records the process identity of a started run. */
export function setRunProcess(db: Db, id: number, p: { pid: number | null; pidStartTicks: string | null; executorRef: string | null; logPath: string | null }): void {
  db.prepare('UPDATE runs SET pid = ?, pid_start_ticks = ?, executor_ref = ?, log_path = ? WHERE id = ?')
    .run(p.pid, p.pidStartTicks, p.executorRef, p.logPath, id);
}

export interface RunEnd {
  endedAtMs: number;
  exitKind: RunExitKind;
  exitCode: number | null;
  exitSignal: string | null;
  lostSteps: number;
}

/** Closes a run; a run already closed is left as it is (returns false). */
export function endRun(db: Db, id: number, end: RunEnd): boolean {
  const info = cachedStatement(db, `UPDATE runs SET ended_at = ?, exit_kind = ?, exit_code = ?, exit_signal = ?, lost_steps = ?
    WHERE id = ? AND ended_at IS NULL`).run(end.endedAtMs, end.exitKind, end.exitCode, end.exitSignal, end.lostSteps, id);
  return info.changes === 1;
}

/** Runs not yet ended, oldest first. */
export function openRuns(db: Db): RunRecord[] {
  return (cachedStatement(db, 'SELECT * FROM runs WHERE ended_at IS NULL ORDER BY id').all() as RunRow[]).map(decodeRun);
}

/** The job's open run, if any. */
export function openRunOf(db: Db, jobId: string): RunRecord | undefined {
  const row = cachedStatement(db, 'SELECT * FROM runs WHERE job_id = ? AND ended_at IS NULL ORDER BY id DESC LIMIT 1').get(jobId) as RunRow | undefined;
  return row ? decodeRun(row) : undefined;
}

export function runsOf(db: Db, jobId: string): RunRecord[] {
  return (db.prepare('SELECT * FROM runs WHERE job_id = ? ORDER BY id').all(jobId) as RunRow[]).map(decodeRun);
}

/**
 * Appends a progress event and raises the run's `last_step`. Idempotent per (run, step):
 * re-reading an events file after a restart does not duplicate rows. Returns true when new.
 */
export function recordProgress(db: Db, runId: number, atMs: number, step: number, totalSteps: number | null): boolean {
  return db.transaction((): boolean => {
    const seen = cachedStatement(db, 'SELECT 1 FROM progress WHERE run_id = ? AND step = ?').get(runId, step);
    if (seen) return false;
    cachedStatement(db, 'INSERT INTO progress (run_id, at, step, total_steps) VALUES (?, ?, ?, ?)').run(runId, atMs, step, totalSteps);
    cachedStatement(db, 'UPDATE runs SET last_step = ? WHERE id = ? AND (last_step IS NULL OR last_step < ?)').run(step, runId, step);
    return true;
  })();
}

/**
 * Where a job stands now, in steps — what the planner's remaining work and `list`/`show` use:
 * - a run is open: that run's last reported step (its start step before its first report);
 * - its newest run finished: that run's last step;
 * - otherwise (paused, killed, lost, failed, or never run): the step of the checkpoint it resumes
 *   from, its newest verified one (0 without one) — never the highest step ever reported.
 * @example run 1 reached step 88, was killed, last verified checkpoint 40 → 40 (48 steps are to be done again)
 */
export function currentStepOfJob(db: Db, jobId: string): number {
  const newest = db.prepare('SELECT * FROM runs WHERE job_id = ? ORDER BY id DESC LIMIT 1').get(jobId) as RunRow | undefined;
  if (newest && (newest.ended_at === null || newest.exit_kind === 'finished')) return newest.last_step ?? newest.start_step;
  const ckpt = db.prepare(`SELECT MAX(step) AS s FROM checkpoints WHERE job_id = ? AND status = 'verified'`).get(jobId) as { s: number | null };
  return ckpt.s ?? 0;
}

/** Corrects a closed run's lost steps once the checkpoint its job really resumes from is known. */
export function setLostSteps(db: Db, runId: number, lostSteps: number): void {
  db.prepare('UPDATE runs SET lost_steps = ? WHERE id = ? AND ended_at IS NOT NULL').run(lostSteps, runId);
}

export interface ProgressRecord { runId: number; atMs: number; step: number; totalSteps: number | null }

/** Progress of one job across runs, oldest first. */
export function progressOfJob(db: Db, jobId: string): ProgressRecord[] {
  const rows = db.prepare(`SELECT p.run_id, p.at, p.step, p.total_steps FROM progress p JOIN runs r ON r.id = p.run_id
    WHERE r.job_id = ? ORDER BY p.id`).all(jobId) as Array<{ run_id: number; at: number; step: number; total_steps: number | null }>;
  return rows.map((r) => ({ runId: r.run_id, atMs: r.at, step: r.step, totalSteps: r.total_steps }));
}

/** A run as the planner's input needs it. */
export interface PlanRunRow {
  id: number;
  site: string;
  startedAtMs: number;
  endedAtMs: number | null;
}

/** What the planner's input reads of one unfinished job. */
export interface PlanJobRows {
  /** Its runs, oldest first. */
  runs: PlanRunRow[];
  /** The first and the last progress event of each run, in the order they were recorded (all `msPerStepObserved` reads). */
  progressEnds: ProgressRecord[];
  /** Its newest verified checkpoint (highest step, then newest row). */
  lastVerified?: { runId: number | null; step: number; createdAtMs: number };
}

/**
 * Runs, progress ends and newest verified checkpoint of each job in `jobIds`: three
 * queries whatever the number of jobs (a tick passes its open jobs). A job without rows maps
 * to empty lists. Read one job at a time, a tick over 1,000 jobs prepared some 4,000
 * statements, whose native memory waits for the garbage collector (the daemon's RSS).
 */
export function planJobRows(db: Db, jobIds: readonly string[]): Map<string, PlanJobRows> {
  const out = new Map<string, PlanJobRows>(jobIds.map((id) => [id, { runs: [], progressEnds: [] }]));
  if (jobIds.length === 0) return out;
  const ids = JSON.stringify(jobIds);
  const runs = db.prepare(`SELECT job_id, id, site, started_at, ended_at FROM runs
    WHERE job_id IN (SELECT value FROM json_each(?)) ORDER BY id`).raw().all(ids) as Array<[string, number, string, number, number | null]>;
  for (const [jobId, id, site, startedAtMs, endedAtMs] of runs) out.get(jobId)?.runs.push({ id, site, startedAtMs, endedAtMs });
  const ends = db.prepare(`WITH mine AS (SELECT id FROM runs WHERE job_id IN (SELECT value FROM json_each(?))),
      ends AS (SELECT MIN(id) AS first, MAX(id) AS last FROM progress WHERE run_id IN (SELECT id FROM mine) GROUP BY run_id)
    SELECT r.job_id, p.run_id, p.at, p.step, p.total_steps FROM progress p JOIN runs r ON r.id = p.run_id
    WHERE p.id IN (SELECT first FROM ends UNION SELECT last FROM ends) ORDER BY p.id`).raw().all(ids) as Array<[string, number, number, number, number | null]>;
  for (const [jobId, runId, atMs, step, totalSteps] of ends) out.get(jobId)?.progressEnds.push({ runId, atMs, step, totalSteps });
  const ckpts = db.prepare(`SELECT job_id, run_id, step, created_at FROM checkpoints
    WHERE status = 'verified' AND job_id IN (SELECT value FROM json_each(?)) ORDER BY step, id`).raw().all(ids) as Array<[string, number | null, number, number]>;
  for (const [jobId, runId, step, createdAtMs] of ckpts) {
    const rows = out.get(jobId);
    if (rows) rows.lastVerified = { runId, step, createdAtMs };
  }
  return out;
}
