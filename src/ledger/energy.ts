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
