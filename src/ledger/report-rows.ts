/**
 * The SQL that loads what a report needs (DESIGN §6): the jobs submitted in a period, their
 * runs, transitions, decisions (without `keep`) and energy samples, and every intensity
 * point of the zones involved over the time they span (a day either side, so uncovered
 * instants can borrow the nearest value). Each job carries its state from the ledger
 * (`jobs.state`, or its newest transition on a ledger older than migration 4), never guessed
 * from its runs. Works on a read-only ledger.
 */
import type { DecisionRow, EnergySample, IntensityPoint, JobRow, ReportRows, RunRow, TransitionRow } from '../accounting/rows';
import { MS_PER_DAY } from '../core/units';
import { LIVE_STATES, type JobState } from '../jobs/states';
import type { Db } from './db';
import { reportEnergySamples } from './energy';
import { checkedState, hasJobStateColumn } from './jobs';

export interface ReportWindow {
  /** Jobs submitted at or after this time (UTC epoch ms); absent = from the beginning. */
  fromMs?: number;
  /** Jobs submitted before this time; absent = up to now. */
  toMs?: number;
  /** Only these jobs (e.g. the running ones for `status`). */
  jobIds?: readonly string[];
}

function parseTags(json: string): Record<string, string> {
  try {
    const v = JSON.parse(json) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, String(x)]));
  } catch {
    return {};
  }
}

/** The SQL for a job's current state: the column, or the newest transition on an older ledger. */
function stateSql(db: Db): string {
  return hasJobStateColumn(db) ? 'state' : '(SELECT t.to_state FROM transitions t WHERE t.job_id = jobs.id ORDER BY t.id DESC LIMIT 1)';
}

function loadJobs(db: Db, window: ReportWindow): JobRow[] {
  const rows = db.prepare(`SELECT id, name, owner, submitted_at, deadline_at, gpus, home_site, tags_json, ${stateSql(db)} AS state FROM jobs
    WHERE submitted_at >= ? AND submitted_at < ? AND (? IS NULL OR id IN (SELECT value FROM json_each(?)))
    ORDER BY submitted_at, id`).all(
    window.fromMs ?? Number.MIN_SAFE_INTEGER, window.toMs ?? Number.MAX_SAFE_INTEGER,
    window.jobIds ? 1 : null, JSON.stringify(window.jobIds ?? []),
  ) as Array<{ id: string; name: string; owner: string; submitted_at: number; deadline_at: number; gpus: number; home_site: string; tags_json: string; state: string | null }>;
  return rows.map((r) => ({
    id: r.id, name: r.name, owner: r.owner, submittedAtMs: r.submitted_at, deadlineMs: r.deadline_at, gpus: r.gpus, homeSite: r.home_site, tags: parseTags(r.tags_json),
    state: stateOfRow(r.id, r.state),
  }));
}

/** A job row's state; a job without any transition yet is as good as just submitted (`queued`). */
function stateOfRow(jobId: string, state: string | null): JobState {
  return state === null ? 'queued' : checkedState(jobId, state);
}

/**
 * The jobs `carbond status` accounts: those with a live state (running, pausing, suspended)
 * and those submitted at or after `sinceMs`. Indexed; on a ledger older than migration 4 the
 * live ones are the jobs with an open run.
 */
export function statusJobIds(db: Db, sinceMs: number): string[] {
  const live = hasJobStateColumn(db)
    ? db.prepare('SELECT id FROM jobs WHERE state IN (SELECT value FROM json_each(?))').pluck().all(JSON.stringify(LIVE_STATES)) as string[]
    : db.prepare('SELECT DISTINCT job_id FROM runs WHERE ended_at IS NULL').pluck().all() as string[];
  const recent = db.prepare('SELECT id FROM jobs WHERE submitted_at >= ?').pluck().all(sinceMs) as string[];
  return [...new Set([...live, ...recent])];
}

function loadRuns(db: Db, ids: string): RunRow[] {
  const rows = db.prepare(`SELECT id, job_id, site, started_at, ended_at, start_step, last_step, exit_kind, lost_steps FROM runs
    WHERE job_id IN (SELECT value FROM json_each(?)) ORDER BY job_id, started_at, id`).all(ids) as Array<{
    id: number; job_id: string; site: string; started_at: number; ended_at: number | null; start_step: number; last_step: number | null; exit_kind: RunRow['exitKind']; lost_steps: number;
  }>;
  return rows.map((r) => ({
    id: r.id, jobId: r.job_id, site: r.site, startedAtMs: r.started_at, endedAtMs: r.ended_at, startStep: r.start_step, lastStep: r.last_step, exitKind: r.exit_kind, lostSteps: r.lost_steps,
  }));
}

function loadTransitions(db: Db, ids: string): TransitionRow[] {
  const rows = db.prepare(`SELECT job_id, at, from_state, to_state, reason FROM transitions WHERE job_id IN (SELECT value FROM json_each(?)) ORDER BY job_id, id`)
    .all(ids) as Array<{ job_id: string; at: number; from_state: string | null; to_state: string; reason: string }>;
  return rows.map((r) => ({ jobId: r.job_id, atMs: r.at, fromState: r.from_state, toState: r.to_state, reason: r.reason }));
}

function loadDecisions(db: Db, ids: string): DecisionRow[] {
  const rows = db.prepare(`SELECT job_id, at, action, site, reason FROM decisions WHERE job_id IN (SELECT value FROM json_each(?)) AND action <> 'keep' ORDER BY job_id, id`)
    .all(ids) as Array<{ job_id: string; at: number; action: string; site: string | null; reason: string }>;
  return rows.map((r) => ({ jobId: r.job_id, atMs: r.at, action: r.action, site: r.site, reason: r.reason }));
}

/** Every point of `zones` overlapping `[fromMs, toMs)`, with the `estimated` flag where the ledger has it (schema ≥ 2). */
export function intensityPointsOf(db: Db, zones: readonly string[], fromMs: number, toMs: number): IntensityPoint[] {
  if (zones.length === 0) return [];
  const hasEstimated = (db.prepare('PRAGMA table_info(intensity_points)').all() as Array<{ name: string }>).some((c) => c.name === 'estimated');
  const rows = db.prepare(`SELECT zone, start, duration_ms, g_per_kwh, kind, issued_at, provider, signal, ${hasEstimated ? 'estimated' : '0'} AS estimated FROM intensity_points
    WHERE zone IN (SELECT value FROM json_each(?)) AND start < ? AND start + duration_ms > ? ORDER BY zone, start`)
    .all(JSON.stringify(zones), toMs, fromMs) as Array<{ zone: string; start: number; duration_ms: number; g_per_kwh: number; kind: 'measured' | 'forecast'; issued_at: number; provider: string; signal: 'average' | 'marginal'; estimated: number }>;
  return rows.map((r) => {
    const p: IntensityPoint = { zone: r.zone, startMs: r.start, durationMs: r.duration_ms, gPerKWh: r.g_per_kwh, kind: r.kind, issuedAtMs: r.issued_at, provider: r.provider, signal: r.signal };
    return r.estimated === 1 ? { ...p, estimated: true } : p;
  });
}

/**
 * Loads the rows for a report on the jobs submitted in `window`.
 * @param configSiteZones zones of configured sites (used for home sites with no samples yet)
 */
export function loadReportRows(db: Db, window: ReportWindow, configSiteZones: Readonly<Record<string, string>> = {}): ReportRows {
  const jobs = loadJobs(db, window);
  const ids = JSON.stringify(jobs.map((j) => j.id));
  const samples: EnergySample[] = reportEnergySamples(db, jobs.map((j) => j.id));
  const siteZones: Record<string, string> = { ...configSiteZones };
  for (const r of db.prepare('SELECT DISTINCT site, zone FROM energy_samples').all() as Array<{ site: string; zone: string }>) siteZones[r.site] ??= r.zone;
  const zoneSet = new Set(jobs.map((j) => siteZones[j.homeSite]).filter((z): z is string => !!z));
  let fromMs = Infinity;
  let toMs = -Infinity;
  for (const j of jobs) fromMs = Math.min(fromMs, j.submittedAtMs);
  for (const s of samples) {
    zoneSet.add(s.zone);
    if (s.startMs + s.durationMs > toMs) toMs = s.startMs + s.durationMs;
  }
  const zones = [...zoneSet];
  const intensity = jobs.length === 0 ? [] : intensityPointsOf(db, zones, fromMs - MS_PER_DAY, Math.max(toMs, fromMs) + MS_PER_DAY);
  return { jobs, runs: loadRuns(db, ids), transitions: loadTransitions(db, ids), decisions: loadDecisions(db, ids), samples, intensity, siteZones };
}
