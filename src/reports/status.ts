/**
 * The energy part of `carbond status` (DESIGN §7): energy, emissions and avoided so far,
 * per running job and in total over every job in the ledger. Pure over rows
 * (`statusEnergyOf`), with a thin loader (`statusEnergy`) for the status command.
 */
import type { ReportRows } from '../accounting/rows';
import type { Db } from '../ledger/db';
import { loadReportRows } from '../ledger/report-rows';
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
}

export interface StatusEnergy {
  running: RunningJobEnergy[];
  /** Over every job in the ledger. */
  total: Pick<Figures, 'jobs' | 'energyKWh' | 'actualG' | 'baselineG' | 'avoidedG' | 'avoidedPct' | 'provisionalG' | 'status'>;
}

/** Pure: the status figures from report rows. */
export function statusEnergyOf(rows: ReportRows, nowMs: number): StatusEnergy {
  const report = buildReport(rows, { nowMs });
  const open = new Set(rows.runs.filter((r) => r.endedAtMs === null).map((r) => r.jobId));
  const t = report.totals;
  return {
    running: report.jobs.filter((j) => open.has(j.id)).map((j) => ({
      jobId: j.id, name: j.name, energyKWh: j.figures.energyKWh, actualG: j.figures.actualG, baselineG: j.figures.baselineG,
      avoidedG: j.figures.avoidedG, provisionalG: j.figures.provisionalG, status: j.figures.status, actualBasis: j.figures.actualBasis,
    })),
    total: { jobs: t.jobs, energyKWh: t.energyKWh, actualG: t.actualG, baselineG: t.baselineG, avoidedG: t.avoidedG, avoidedPct: t.avoidedPct, provisionalG: t.provisionalG, status: t.status },
  };
}

/** Loads the ledger rows and computes the status figures (read-only queries). */
export function statusEnergy(db: Db, nowMs: number, configSiteZones: Readonly<Record<string, string>> = {}): StatusEnergy {
  return statusEnergyOf(loadReportRows(db, {}, configSiteZones), nowMs);
}
