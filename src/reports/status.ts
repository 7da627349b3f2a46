/**
 * The energy part of `carbond status` (DESIGN §7): energy, emissions and avoided so far,
 * per running job, and in total over the jobs submitted in a recent window (default the
 * last 7 days, so status stays fast on a big ledger; `carbond report` covers any period).
 * Pure over rows (`statusEnergyOf`), with a thin loader (`statusEnergy`) whose SQL is in
 * src/ledger. A running job is one whose ledger state is live (running, pausing, suspended).
 */
import type { ReportRows } from '../accounting/rows';
import { isLive } from '../jobs/states';
import type { Db } from '../ledger/db';
import { loadReportRows, statusJobIds } from '../ledger/report-rows';
import { buildReport } from './build';
import type { Figures } from './figures';

export interface RunningJobEnergy {
  jobId: string;
  name: string;
  energyKWh: number;
  actualG: number;
  baselineG: number;
  avoidedG: number;
  /** Grams priced with forecasts so far (provisional). */
  provisionalG: number;
  status: string;
  actualBasis: string;
  /** Its pauses and moves so far, counted as `carbond report` counts them. */
  pauses: number;
  moves: number;
}

export const STATUS_WINDOW_MS = 7 * 24 * 3_600_000;

export interface StatusEnergy {
  running: RunningJobEnergy[];
  /** Jobs submitted since this time (ISO-8601 UTC) make up `total`; running jobs always count. */
  since: string;
  /** Over the running jobs and every job submitted since `since`. */
  total: Pick<Figures, 'jobs' | 'energyKWh' | 'actualG' | 'baselineG' | 'avoidedG' | 'avoidedPct' | 'provisionalG' | 'status' | 'pauses' | 'moves'>;
}

/** Pure: the status figures from report rows. */
export function statusEnergyOf(rows: ReportRows, nowMs: number, sinceMs = Number.MIN_SAFE_INTEGER): StatusEnergy {
  const report = buildReport(rows, { nowMs });
  const open = new Set(rows.jobs.filter((j) => isLive(j.state)).map((j) => j.id));
  const t = report.totals;
  return {
    since: new Date(Math.max(sinceMs, -8.64e15)).toISOString(),
    running: report.jobs.filter((j) => open.has(j.id)).map((j) => ({
      jobId: j.id, name: j.name, energyKWh: j.figures.energyKWh, actualG: j.figures.actualG, baselineG: j.figures.baselineG,
      avoidedG: j.figures.avoidedG, provisionalG: j.figures.provisionalG, status: j.figures.status, actualBasis: j.figures.actualBasis,
      pauses: j.figures.pauses, moves: j.figures.moves,
    })),
    total: {
      jobs: t.jobs, energyKWh: t.energyKWh, actualG: t.actualG, baselineG: t.baselineG, avoidedG: t.avoidedG, avoidedPct: t.avoidedPct, provisionalG: t.provisionalG, status: t.status,
      pauses: t.pauses, moves: t.moves,
    },
  };
}

/** Loads the running jobs and the jobs submitted in the last `windowMs`, and computes the status figures (read-only queries). */
export function statusEnergy(db: Db, nowMs: number, configSiteZones: Readonly<Record<string, string>> = {}, windowMs = STATUS_WINDOW_MS): StatusEnergy {
  const sinceMs = nowMs - windowMs;
  return statusEnergyOf(loadReportRows(db, { jobIds: statusJobIds(db, sinceMs) }, configSiteZones), nowMs, sinceMs);
}
