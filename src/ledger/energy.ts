/**
 * SQL for `energy_samples` (DESIGN §6): the sampler appends, reports read. Times are UTC
 * epoch ms bound as parameters.
 */
import type { Db } from './db';

/** One stored energy sample. `overhead` is true for energy spent on a pause/resume. */
export interface EnergySampleRow {
  id?: number;
  jobId: string;
  runId: number | null;
  site: string;
  zone: string;
  startMs: number;
  durationMs: number;
  energyKWh: number;
  powerW: number;
  meter: string;
  overhead: boolean;
}

interface RawSample {
  id: number;
  job_id: string;
  run_id: number | null;
  site: string;
  zone: string;
  start: number;
  duration_ms: number;
  energy_kwh: number;
  power_w: number;
  meter: string;
  overhead: number;
}

const COLUMNS = 'id, job_id, run_id, site, zone, start, duration_ms, energy_kwh, power_w, meter, overhead';

function fromRaw(r: RawSample): EnergySampleRow {
  return {
    id: r.id, jobId: r.job_id, runId: r.run_id, site: r.site, zone: r.zone, startMs: r.start,
    durationMs: r.duration_ms, energyKWh: r.energy_kwh, powerW: r.power_w, meter: r.meter, overhead: r.overhead === 1,
  };
}

/** Appends samples in one transaction. */
export function insertEnergySamples(db: Db, samples: readonly EnergySampleRow[]): void {
  const stmt = db.prepare(`INSERT INTO energy_samples (job_id, run_id, site, zone, start, duration_ms, energy_kwh, power_w, meter, overhead)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  db.transaction(() => {
    for (const s of samples) {
      stmt.run(s.jobId, s.runId, s.site, s.zone, s.startMs, s.durationMs, s.energyKWh, s.powerW, s.meter, s.overhead ? 1 : 0);
    }
  })();
}

/** Every sample of the given jobs, ordered by job then start. Works on a read-only ledger. */
export function energySamplesOfJobs(db: Db, jobIds: readonly string[]): EnergySampleRow[] {
  if (jobIds.length === 0) return [];
  const rows = db
    .prepare(`SELECT ${COLUMNS} FROM energy_samples WHERE job_id IN (SELECT value FROM json_each(?)) ORDER BY job_id, start, id`)
    .all(JSON.stringify(jobIds)) as RawSample[];
  return rows.map(fromRaw);
}

/** Samples starting in `[fromMs, toMs)`, ordered by start. */
export function energySamplesBetween(db: Db, fromMs: number, toMs: number): EnergySampleRow[] {
  const rows = db.prepare(`SELECT ${COLUMNS} FROM energy_samples WHERE start >= ? AND start < ? ORDER BY start, id`).all(fromMs, toMs) as RawSample[];
  return rows.map(fromRaw);
}

/** The columns accounting needs, without per-row strings (fast path for reports). */
export type ReportEnergySample = Pick<EnergySampleRow, 'jobId' | 'runId' | 'zone' | 'startMs' | 'durationMs' | 'energyKWh' | 'overhead'>;

/**
 * Samples of each job for a report, ordered by start. Reads numeric columns only, one
 * query per (job, zone), so a month of minute samples loads without creating a string a
 * row (the bench measures this path).
 */
export function reportEnergySamples(db: Db, jobIds: readonly string[]): ReportEnergySample[] {
  const zonesOf = db.prepare('SELECT DISTINCT zone FROM energy_samples WHERE job_id = ?').pluck();
  const rowsOf = db.prepare('SELECT run_id, start, duration_ms, energy_kwh, overhead FROM energy_samples WHERE job_id = ? AND zone = ? ORDER BY start, id').raw();
  const out: ReportEnergySample[] = [];
  for (const jobId of jobIds) {
    const zones = zonesOf.all(jobId) as string[];
    const first = out.length;
    for (const zone of zones) {
      for (const r of rowsOf.all(jobId, zone) as Array<[number | null, number, number, number, number]>) {
        out.push({ jobId, runId: r[0], zone, startMs: r[1], durationMs: r[2], energyKWh: r[3], overhead: r[4] === 1 });
      }
    }
    if (zones.length > 1) {
      const mine = out.splice(first).sort((a, b) => a.startMs - b.startMs);
      for (const s of mine) out.push(s);
    }
  }
  return out;
}

/** A run that is going now, with what a meter needs to measure it. */
export interface OpenRunForMeter {
  runId: number;
  jobId: string;
  site: string;
  startedAtMs: number;
  gpuIds: string;
  /** The job's declared power, W; null = the site model. */
  declaredPowerW: number | null;
  /** True when this run resumed from a checkpoint (its first `pauseOverheadMs` are overhead). */
  resumed: boolean;
  pauseOverheadMs: number;
}

/** Every open run (no `ended_at`), oldest first. */
export function openRunsForMeter(db: Db): OpenRunForMeter[] {
  const rows = db.prepare(`SELECT r.id, r.job_id, r.site, r.started_at, r.gpu_ids, j.power_w, (r.resumed_from IS NOT NULL OR r.start_step > 0) AS resumed, j.pause_overhead_ms
    FROM runs r JOIN jobs j ON j.id = r.job_id WHERE r.ended_at IS NULL ORDER BY r.started_at, r.id`).raw().all() as Array<[number, string, string, number, string, number | null, number, number]>;
  return rows.map((r) => ({ runId: r[0], jobId: r[1], site: r[2], startedAtMs: r[3], gpuIds: r[4], declaredPowerW: r[5], resumed: r[6] === 1, pauseOverheadMs: r[7] }));
}

/** When run `runId` ended (UTC ms), or null while it is open or unknown. */
export function runEndedAt(db: Db, runId: number): number | null {
  const v = db.prepare('SELECT ended_at FROM runs WHERE id = ?').pluck().get(runId) as number | null | undefined;
  return v ?? null;
}
