/**
 * How wrong the local forecast tends to be, by lead time, measured on the zone's own recent
 * history: the forecaster is re-run at origins over the last `windowDays` (each seeing only
 * what was known at its origin) and scored against what was then measured — all before
 * `nowMs`. The planner can use it to plan under uncertainty (e.g. discount savings that
 * rest on far-ahead, uncertain hours).
 */
import { MS_PER_DAY, MS_PER_HOUR } from '../../src/core';
import { forecastLocalValues, type LocalParams } from './forecaster';
import { historyStepMs, toGrid, type HistoryInput } from './grid';

/** Forecast error by lead. Lead = end of the forecast interval − issue time (the next interval has lead 1 step). */
export interface ErrorModel {
  /** Lead-time bin edges, ms, ascending. Bin `b` holds leads in `(leadMs[b−1], leadMs[b]]`. */
  readonly leadMs: readonly number[];
  /** Mean absolute percentage error per bin, %. */
  readonly mapePct: readonly number[];
  /** Standard deviation of the relative error (forecast − actual) / actual per bin (0.12 = 12 %). */
  readonly relStd: readonly number[];
  /** Mean relative error per bin (+ = the forecast ran high). */
  readonly relBias: readonly number[];
  /** Scored pairs per bin (0 where the prior was used). */
  readonly samples: readonly number[];
}

const BIN_HOURS = [1, 3, 6, 12, 24, 48, 72, 96, 120, 168] as const;

/**
 * A prior for zones without enough history: roughly the local forecaster's mean MAPE over
 * the benchmark zones (`npm run bench:forecast`, ADR 0002: ~8 % at 6 h, ~14 % at 24 h,
 * ~18 % at 72 h), relative std ≈ 1.3 × MAPE.
 */
export const PRIOR_ERROR_MODEL: ErrorModel = Object.freeze({
  leadMs: BIN_HOURS.map((h) => h * MS_PER_HOUR),
  mapePct: [3, 5, 8, 10, 14, 17, 19, 20, 21, 22],
  relStd: [0.04, 0.07, 0.1, 0.13, 0.18, 0.22, 0.25, 0.26, 0.27, 0.29],
  relBias: BIN_HOURS.map(() => 0),
  samples: BIN_HOURS.map(() => 0),
});

export interface ErrorModelInput {
  readonly history: HistoryInput;
  readonly nowMs: number;
  /** Days of backtest origins before `nowMs`. Default 14. */
  readonly windowDays?: number;
  /** Hours between backtest origins. Default 6. */
  readonly originEveryHours?: number;
  /** Longest lead scored. Default 72 h (longer leads take the last bin's figures). */
  readonly maxLeadMs?: number;
  /** Fewest pairs a bin needs before it replaces the prior. Default 20. */
  readonly minSamples?: number;
  readonly params?: Partial<LocalParams>;
}

interface Acc {
  abs: number;
  sum: number;
  sq: number;
  n: number;
}

function binOf(leadMs: number, edges: readonly number[]): number {
  for (let b = 0; b < edges.length; b++) if (leadMs <= (edges[b] as number)) return b;
  return edges.length - 1;
}

/**
 * Backtests the local forecaster on the history known at `nowMs`.
 * @example estimateErrorModel({ history, nowMs }) → { leadMs: [1 h, 3 h, …], mapePct: [3.1, 6.0, …], … }
 */
export function estimateErrorModel(input: ErrorModelInput): ErrorModel {
  const stepMs = historyStepMs(input.history) ?? MS_PER_HOUR;
  const maxLeadMs = input.maxLeadMs ?? 72 * MS_PER_HOUR;
  const windowMs = (input.windowDays ?? 14) * MS_PER_DAY;
  const everyMs = (input.originEveryHours ?? 6) * MS_PER_HOUR;
  const truthSteps = Math.ceil((windowMs + maxLeadMs) / stepMs);
  const truth = toGrid(input.history, input.nowMs, stepMs, truthSteps);
  const truthFromMs = truth.endMs - truthSteps * stepMs;
  const edges = PRIOR_ERROR_MODEL.leadMs;
  const acc: Acc[] = edges.map(() => ({ abs: 0, sum: 0, sq: 0, n: 0 }));
  const firstOriginMs = Math.ceil((truth.endMs - windowMs) / everyMs) * everyMs;
  for (let originMs = firstOriginMs; originMs < truth.endMs; originMs += everyMs) {
    const f = forecastLocalValues({ history: input.history, nowMs: originMs, horizonMs: Math.min(maxLeadMs, truth.endMs - originMs) - 1, stepMs, params: input.params });
    for (let j = 0; j < f.gPerKWh.length; j++) {
      const actual = truth.values[(f.startMs + j * stepMs - truthFromMs) / stepMs] as number;
      const forecast = f.gPerKWh[j] as number;
      if (!(actual > 0) || Number.isNaN(forecast)) continue;
      const rel = (forecast - actual) / actual;
      const a = acc[binOf(f.startMs + (j + 1) * stepMs - originMs, edges)] as Acc;
      a.abs += Math.abs(rel);
      a.sum += rel;
      a.sq += rel * rel;
      a.n++;
    }
  }
  return fromAccumulators(acc, input.minSamples ?? 20);
}

function fromAccumulators(acc: readonly Acc[], minSamples: number): ErrorModel {
  const prior = PRIOR_ERROR_MODEL;
  const use = (b: number): boolean => (acc[b] as Acc).n >= minSamples;
  return {
    leadMs: prior.leadMs,
    mapePct: acc.map((a, b) => (use(b) ? (100 * a.abs) / a.n : (prior.mapePct[b] as number))),
    relStd: acc.map((a, b) => (use(b) ? Math.sqrt(Math.max(0, a.sq / a.n - (a.sum / a.n) ** 2)) : (prior.relStd[b] as number))),
    relBias: acc.map((a, b) => (use(b) ? a.sum / a.n : 0)),
    samples: acc.map((a, b) => (use(b) ? a.n : 0)),
  };
}

/**
 * The model's figures at any lead, interpolated linearly between bin edges (flat beyond the ends).
 * @example errorAtLead(PRIOR_ERROR_MODEL, 36 * MS_PER_HOUR).mapePct === 15.5  // halfway between 24 h (14) and 48 h (17)
 */
export function errorAtLead(model: ErrorModel, leadMs: number): { mapePct: number; relStd: number } {
  const e = model.leadMs;
  if (leadMs <= (e[0] as number)) return { mapePct: model.mapePct[0] as number, relStd: model.relStd[0] as number };
  for (let b = 1; b < e.length; b++) {
    if (leadMs <= (e[b] as number)) {
      const t = (leadMs - (e[b - 1] as number)) / ((e[b] as number) - (e[b - 1] as number));
      const lerp = (xs: readonly number[]): number => (xs[b - 1] as number) + t * ((xs[b] as number) - (xs[b - 1] as number));
      return { mapePct: lerp(model.mapePct), relStd: lerp(model.relStd) };
    }
  }
  return { mapePct: model.mapePct[e.length - 1] as number, relStd: model.relStd[e.length - 1] as number };
}
