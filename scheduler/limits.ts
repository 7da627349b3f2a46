/**
 * What one job may take of the exact planner (issue 14). Its time grows with the DP's
 * state-cells — (slot, work done) pairs in the feasible band W − (T − t) ≤ w ≤ t, times the
 * S + 1 states {paused, running on site s} — at about 1.5–3 ns each per pass. With
 * `slotMinutes = 1`, which the configuration allows, one 7-day job with a 14-day deadline
 * has 203 M on one site (0.6 s and more per tick, re-planned at every tick); the cap keeps
 * one job's plan within about 0.2–0.4 s and the window of values (./exact-table.ts) within
 * about 20 MB. A job over it is planned on coarser slots (./coarse.ts), not refused.
 */
import { CarbondError, ExitCode } from '../src/core/errors';

/** Most DP state-cells one job may take: 64 M (a 7-day job, 14-day deadline, 5-min slots, 8 sites: 36.7 M). */
export const MAX_STATE_CELLS_PER_JOB = 64_000_000;

/**
 * State-cells of one job's DP: Σ_t (cells of the band at t) × (S + 1).
 * @example T = 4, W = 2, S = 1: rows t = 0…4 hold 1, 2, 3, 2, 1 cells → 9 × 2 = 18
 */
export function stateCellsOf(T: number, W: number, S: number): number {
  if (W <= 0 || W > T) return 0;
  let cells = 0;
  for (let t = 0; t <= T; t++) cells += Math.min(W, t) - Math.max(0, W - (T - t)) + 1;
  return cells * (S + 1);
}

/** One job's plan would take more than the planner allows. */
export class PlanLimitError extends CarbondError {
  readonly jobId: string;
  readonly stateCells: number;
  readonly limitStateCells: number;
  constructor(jobId: string, stateCells: number, limitStateCells: number) {
    super('E_PLAN_LIMIT', `job ${jobId} needs ${millions(stateCells)} DP state-cells, over the limit of ${millions(limitStateCells)} per job`, ExitCode.Failure);
    this.jobId = jobId;
    this.stateCells = stateCells;
    this.limitStateCells = limitStateCells;
  }
}

/** @example millions(203_241_000) === '203.2 M' */
function millions(n: number): string {
  return `${(n / 1e6).toFixed(1)} M`;
}

/** The per-job limit `solveExact` enforces when given one. */
export interface JobLimit {
  jobId: string;
  maxStateCells: number;
}

/** Throws `PlanLimitError` when a T × W × S problem is over `limit`. */
export function checkJobLimit(limit: JobLimit | undefined, T: number, W: number, S: number): void {
  if (limit === undefined) return;
  const cells = stateCellsOf(T, W, S);
  if (cells > limit.maxStateCells) throw new PlanLimitError(limit.jobId, cells, limit.maxStateCells);
}
