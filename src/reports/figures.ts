/**
 * The figures a report shows for a set of jobs (the totals, a group, or one job), summed
 * from per-job accounts and rounded once, here, so that every format prints the same numbers.
 */
import type { JobAccount } from '../accounting/job';
import { mergeTally, newTally, tallySources, tallyStatus, type SourceShare, type Tally } from '../accounting/tally';
import { deadlineOf } from './deadlines';

/** Energy in kWh to 6 decimals (mWh), grams to 3 decimals (mg), percentages to 2 decimals. */
export const KWH_DECIMALS = 6;
export const G_DECIMALS = 3;
export const PCT_DECIMALS = 2;

export function round(n: number, decimals: number): number {
  const f = 10 ** decimals;
  const r = Math.round(n * f) / f;
  return Object.is(r, -0) ? 0 : r;
}

export interface Figures {
  jobs: number;
  energyKWh: number;
  overheadKWh: number;
  actualG: number;
  baselineG: number;
  avoidedG: number;
  /** avoided / baseline × 100; null when the baseline is 0. */
  avoidedPct: number | null;
  /** Grams of the actual figure priced with forecasts (provisional until settled). */
  provisionalG: number;
  /** Grams of the actual figure priced with the nearest value where no point covered the time. */
  estimatedG: number;
  /** Energy that could not be priced (zone without data). */
  unpricedKWh: number;
  /** Sum of the delays of finished jobs, ms. */
  delayMs: number;
  maxDelayMs: number;
  /** Checkpointed pauses after which the job went on at the same site (or not yet); see `stopOf`. */
  pauses: number;
  /** Checkpointed pauses after which the job went on at another site; see `stopOf`. */
  moves: number;
  pausedMs: number;
  /** Embodied emissions (SCI's M), g. */
  embodiedG: number;
  /** Σ SCI per training run (E × I + M), g: the sum over the jobs, NOT per run (see `sciPerRunG`). */
  sciG: number;
  /** SCI per training run: `sciG` / the jobs that used energy (R = one run); null without any. @example 40 runs, sciG 90 280 g → 2257 g */
  sciPerRunG: number | null;
  /** Jobs that met their deadline (finished by it). */
  deadlinesMet: number;
  /** Jobs that missed it: finished after it, or still unfinished past it at report time. */
  deadlinesMissed: number;
  /** Unfinished jobs whose deadline is still ahead (failed and cancelled jobs are not judged). */
  deadlinesOpen: number;
  /** `settled` | `provisional` | `estimated` (see `tallyStatus`). */
  status: string;
  /** Where the actual grams came from, e.g. `average/uk measured 93.10%; average/uk forecast 6.90%`. */
  actualBasis: string;
  baselineBasis: string;
}

/**
 * Names each source with its share of the energy.
 * @example basisLabel(tally) === 'average/uk measured 75.00%; average/uk forecast 25.00%'
 */
export function basisLabel(sources: readonly SourceShare[]): string {
  const total = sources.reduce((s, x) => s + x.energyKWh, 0);
  if (total <= 0) return 'no energy';
  return sources.map((s) => `${s.signal}/${s.provider} ${s.basis} ${((s.energyKWh / total) * 100).toFixed(2)}%`).join('; ');
}

/**
 * What one row of figures holds of one job: all of it (`wholeShare`), or, in a report grouped
 * by site or zone, the part that happened in the group (see `groups.ts`).
 */
export interface FigureShare {
  account: JobAccount;
  /** Whether the job counts in this row: its `jobs`, deadline, delay and SCI run. */
  countsJob: boolean;
  actual: Tally;
  /** Null when the job's baseline belongs to another row (its home's). */
  baseline: Tally | null;
  overheadKWh: number;
  pauses: number;
  moves: number;
  pausedMs: number;
  embodiedG: number;
}

/** All of a job, for the totals, its own row, and groups by job, owner or tag. */
export function wholeShare(a: JobAccount): FigureShare {
  return { account: a, countsJob: true, actual: a.actual, baseline: a.baseline, overheadKWh: a.overheadKWh, pauses: a.pauses, moves: a.moves, pausedMs: a.pausedMs, embodiedG: a.sci.embodiedG };
}

/** Sums accounts into rounded figures, with the merged tallies for provenance. */
export function figuresOf(accounts: readonly JobAccount[], nowMs = -Infinity): { figures: Figures; actual: Tally; baseline: Tally } {
  return figuresOfShares(accounts.map(wholeShare), nowMs);
}

/** Sums shares of jobs into rounded figures, with the merged tallies for provenance. */
export function figuresOfShares(shares: readonly FigureShare[], nowMs = -Infinity): { figures: Figures; actual: Tally; baseline: Tally } {
  const actual = newTally();
  const baseline = newTally();
  let jobs = 0;
  let overheadKWh = 0;
  let delayMs = 0;
  let maxDelayMs = 0;
  let pauses = 0;
  let moves = 0;
  let pausedMs = 0;
  let embodiedG = 0;
  let runs = 0;
  const deadlines = { met: 0, missed: 0, open: 0, 'not-judged': 0 };
  for (const s of shares) {
    mergeTally(actual, s.actual);
    if (s.baseline) mergeTally(baseline, s.baseline);
    overheadKWh += s.overheadKWh;
    pauses += s.pauses;
    moves += s.moves;
    pausedMs += s.pausedMs;
    embodiedG += s.embodiedG;
    if (!s.countsJob) continue;
    const a = s.account;
    jobs += 1;
    if (s.actual.energyKWh > 0) runs += 1;
    deadlines[deadlineOf(a, nowMs).outcome] += 1;
    if (a.delayMs !== null) {
      delayMs += a.delayMs;
      maxDelayMs = Math.max(maxDelayMs, a.delayMs);
    }
  }
  const avoidedG = baseline.g - actual.g;
  const figures: Figures = {
    jobs,
    energyKWh: round(actual.energyKWh, KWH_DECIMALS),
    overheadKWh: round(overheadKWh, KWH_DECIMALS),
    actualG: round(actual.g, G_DECIMALS),
    baselineG: round(baseline.g, G_DECIMALS),
    avoidedG: round(avoidedG, G_DECIMALS),
    avoidedPct: baseline.g > 0 ? round((avoidedG / baseline.g) * 100, PCT_DECIMALS) : null,
    provisionalG: round(actual.forecastG, G_DECIMALS),
    estimatedG: round(actual.estimatedG, G_DECIMALS),
    unpricedKWh: round(actual.unpricedKWh, KWH_DECIMALS),
    delayMs: Math.round(delayMs),
    maxDelayMs: Math.round(maxDelayMs),
    pauses,
    moves,
    pausedMs: Math.round(pausedMs),
    embodiedG: round(embodiedG, G_DECIMALS),
    sciG: round(actual.g + embodiedG, G_DECIMALS),
    sciPerRunG: runs === 0 ? null : round((actual.g + embodiedG) / runs, G_DECIMALS),
    deadlinesMet: deadlines.met,
    deadlinesMissed: deadlines.missed,
    deadlinesOpen: deadlines.open,
    status: shares.length === 0 ? 'settled' : tallyStatus(actual),
    actualBasis: basisLabel(tallySources(actual)),
    baselineBasis: basisLabel(tallySources(baseline)),
  };
  return { figures, actual, baseline };
}

/** The numeric fields of `Figures`, in the order every tabular format prints them. */
export const FIGURE_COLUMNS = [
  'jobs', 'energyKWh', 'overheadKWh', 'actualG', 'baselineG', 'avoidedG', 'avoidedPct', 'provisionalG',
  'estimatedG', 'unpricedKWh', 'delayMs', 'maxDelayMs', 'pauses', 'pausedMs', 'embodiedG', 'sciG',
] as const satisfies ReadonlyArray<keyof Figures>;

/** Fields added after the first release: CSV prints them after every older column, so scripts reading by position keep working. */
export const ADDED_FIGURE_COLUMNS = ['sciPerRunG', 'deadlinesMet', 'deadlinesMissed', 'deadlinesOpen'] as const satisfies ReadonlyArray<keyof Figures>;

/** A figure as every format prints it: the number as JSON writes it, `null` as empty. */
export function figureText(v: number | null): string {
  return v === null ? '' : String(v);
}
