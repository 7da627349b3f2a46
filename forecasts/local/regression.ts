/**
 * The anomaly regression of the local forecaster (ADR 0008): how the deviation from the
 * seasonal profile P carries on, learnt per zone from its own recent history instead of
 * fixed decay constants.
 *
 * With `a(i) = log value(i) − log P(i)` the (relative) anomaly of grid interval `i` (or the plain
 * difference, `regressionLog: false`), the forecast of the anomaly
 * `h` intervals after the last known one, `t`, is a linear function of five features:
 *
 *   â(t + h) = β_h · [ a(t), mean a(t−d+1..t), a(t + h − d·⌈h/d⌉), a(t) − a(t−1), 1 ]
 *
 * (d = intervals per day: the last hour, the last day's level, the same hour on the last
 * known day, the last hour's trend, a bias). One `β_h` per lead `h` up to `regressionLeadHours`
 * ("direct" multi-step regression), fitted by ridge least squares on every origin of the last
 * `regressionDays` days, the ridge pulling towards the coefficients of the fixed-decay model
 * (`prior`), so a history without deviations to learn from gives that model back. Wind-driven
 * zones learn a slowly fading level; solar-driven ones a strong same-hour-yesterday term;
 * nobody has to tune taus by hand.
 *
 * The coefficients are fitted on the history up to a refit boundary (`endMs` rounded down to
 * `regressionRefitHours`), so they are a function of that history alone: a cache (one per
 * zone, held by the caller) may reuse them until the next boundary and gives the same numbers
 * as fitting afresh. Past `regressionLeadHours` the last lead's forecast fades to 0 with
 * e-folding time `regressionFadeHours`.
 *
 * Worked example (hourly, one lead, features [a(t), 1], plain differences): anomalies 10, 20,
 * 10, 20, … → the fit for lead 1 gives a(t+1) ≈ −a(t) + 30; after a 20 it forecasts 10.
 */
import { MS_PER_HOUR } from '../../src/core';
import type { Grid } from './grid';

export interface RegressionParams {
  /** Days of origins the regression is fitted on (0 = off: the fixed-decay model). */
  readonly regressionDays: number;
  /** Longest lead with its own coefficients, hours. */
  readonly regressionLeadHours: number;
  /**
   * Absolute ridge penalty pulling the coefficients towards the fixed-decay model's, in
   * squared anomaly units: (log ratio)² with `regressionLog`, else (g/kWh)². The bias always
   * takes 1/1000 of it (towards 0); the features take it only when `regressionRidgeRelative`
   * is 0. Four weeks of hourly origins with relative deviations of ~10 % give XᵀX diagonals
   * of ~7: 30 weighs the prior about four times the data.
   */
  readonly regressionRidge: number;
  /**
   * Ridge on each feature relative to the data, `r · max(1, h / h₀) · Σ x²` for lead `h`
   * (0 = use the absolute `regressionRidge`): the prior weighs `r` times the data at short
   * leads and more as the lead grows, because the outcomes of overlapping origins are
   * correlated: four weeks hold about 670 independent 1-h outcomes but only 28 independent
   * 24-h ones (ADR 0009). Scale-free: a quiet feature (the hourly trend) is not pinned to
   * its prior just because its values are small.
   */
  readonly regressionRidgeRelative: number;
  /** h₀ of `regressionRidgeRelative`, hours: the lead from which its weight grows in proportion to the lead. */
  readonly regressionRidgeLeadHours: number;
  /** Fit relative deviations, log(value) − log(P), instead of value − P; the forecast is then P·exp(â). */
  readonly regressionLog: boolean;
  /** Refit period, hours: coefficients are fitted on the history up to the last multiple of it. */
  readonly regressionRefitHours: number;
  /** e-folding time of the anomaly forecast past `regressionLeadHours`, hours. */
  readonly regressionFadeHours: number;
}

export const DEFAULT_REGRESSION_PARAMS: RegressionParams = Object.freeze({
  regressionDays: 28,
  regressionLeadHours: 72,
  regressionRidge: 30,
  regressionRidgeRelative: 0.1,
  regressionRidgeLeadHours: 4,
  regressionLog: true,
  regressionRefitHours: 24,
  regressionFadeHours: 48,
});

/** Number of features per lead. */
export const FEATURES = 5;

/** Fitted coefficients: `coefs[(h − 1)·FEATURES + k]` for lead h = 1..leads. */
export interface AnomalyFit {
  /** The refit boundary the fit used: history ending there, ms. */
  readonly boundaryMs: number;
  readonly stepMs: number;
  readonly leads: number;
  readonly coefs: Float64Array;
}

/**
 * Per-zone cache of the local forecaster (the caller keeps one per history): the regression's
 * fit, and the provider weights learnt from its past issues with the local backtests they
 * compare against (`provider-skill.ts`). A new refit boundary replaces the fit and weights.
 */
export interface AnomalyFitCache {
  fit?: AnomalyFit | null;
  key?: string;
  weights?: Float64Array;
  weightsKey?: string;
  backtests?: Map<number, { readonly startMs: number; readonly stepMs: number; readonly gPerKWh: Float64Array }>;
}

/** Running mean of `a` over the `window` intervals ending at each index (NaNs skipped; NaN if none). */
function trailingMeans(a: Float64Array, window: number): Float64Array {
  const out = new Float64Array(a.length);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i] as number;
    if (!Number.isNaN(v)) {
      sum += v;
      count++;
    }
    const old = i - window;
    if (old >= 0 && !Number.isNaN(a[old] as number)) {
      sum -= a[old] as number;
      count--;
    }
    out[i] = count > 0 ? sum / count : NaN;
  }
  return out;
}

/** The features of origin `t` (last known interval) for lead `h`, into `x`; false when one is unknown. */
function features(a: Float64Array, means: Float64Array, spd: number, t: number, h: number, x: Float64Array): boolean {
  const sameHour = t + h - spd * Math.ceil(h / spd);
  const a0 = a[t] as number;
  const a1 = t >= 1 ? (a[t - 1] as number) : NaN;
  x[0] = a0;
  x[1] = means[t] as number;
  x[2] = sameHour >= 0 ? (a[sameHour] as number) : NaN;
  x[3] = a0 - a1;
  x[4] = 1;
  return !(Number.isNaN(x[0]) || Number.isNaN(x[1]) || Number.isNaN(x[2]) || Number.isNaN(x[3]));
}

/** Solves the symmetric positive system `A·β = b` (k×k, row-major) in place by Gaussian elimination with pivoting. */
export function solveInPlace(A: Float64Array, b: Float64Array, k: number): Float64Array {
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(A[r * k + c] as number) > Math.abs(A[p * k + c] as number)) p = r;
    if (p !== c) {
      for (let cc = 0; cc < k; cc++) {
        const tmp = A[c * k + cc] as number;
        A[c * k + cc] = A[p * k + cc] as number;
        A[p * k + cc] = tmp;
      }
      const tb = b[c] as number;
      b[c] = b[p] as number;
      b[p] = tb;
    }
    const d = A[c * k + c] as number;
    if (Math.abs(d) < 1e-12) continue;
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = (A[r * k + c] as number) / d;
      if (f === 0) continue;
      for (let cc = c; cc < k; cc++) A[r * k + cc] = (A[r * k + cc] as number) - f * (A[c * k + cc] as number);
      b[r] = (b[r] as number) - f * (b[c] as number);
    }
  }
  const beta = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const d = A[i * k + i] as number;
    beta[i] = Math.abs(d) < 1e-12 ? 0 : (b[i] as number) / d;
  }
  return beta;
}

/**
 * Fits β_h for h = 1..leads on the anomalies `a` (index `a.length − 1` = the last known
 * interval), origins in the last `regressionDays` days. Undefined when lead 1 has fewer than
 * half of those (at least a week) of usable origins: too little history, and the caller keeps
 * the fixed-decay model.
 */
export function fitAnomalies(a: Float64Array, spd: number, leads: number, p: RegressionParams, boundaryMs: number, stepMs: number, prior: (h: number) => ArrayLike<number>): AnomalyFit | undefined {
  const n = a.length;
  const means = trailingMeans(a, spd);
  const K = FEATURES;
  const coefs = new Float64Array(leads * K);
  const x = new Float64Array(K);
  const A = new Float64Array(K * K);
  const b = new Float64Array(K);
  const first = Math.max(1, n - 1 - Math.round(p.regressionDays * spd));
  for (let h = 1; h <= leads; h++) {
    A.fill(0);
    b.fill(0);
    let rows = 0;
    for (let t = first; t + h <= n - 1; t++) {
      const y = a[t + h] as number;
      if (Number.isNaN(y) || !features(a, means, spd, t, h, x)) continue;
      rows++;
      for (let i = 0; i < K; i++) {
        const xi = x[i] as number;
        b[i] = (b[i] as number) + xi * y;
        for (let j = i; j < K; j++) A[i * K + j] = (A[i * K + j] as number) + xi * (x[j] as number);
      }
    }
    if (h === 1 && rows < Math.max(7, p.regressionDays / 2) * spd) return undefined;
    for (let i = 0; i < K; i++) for (let j = 0; j < i; j++) A[i * K + j] = A[j * K + i] as number;
    const beta0 = prior(h);
    const growth = p.regressionRidgeLeadHours > 0 ? Math.max(1, (h * stepMs) / (p.regressionRidgeLeadHours * MS_PER_HOUR)) : 1;
    for (let i = 0; i < K; i++) {
      // A feature without variation (a flat history) keeps a tiny absolute ridge: its prior, not 0.
      const feature = p.regressionRidgeRelative > 0 ? p.regressionRidgeRelative * growth * (A[i * K + i] as number) + 1e-9 : p.regressionRidge;
      const ridge = i === K - 1 ? p.regressionRidge / 1000 : feature;
      A[i * K + i] = (A[i * K + i] as number) + ridge;
      b[i] = (b[i] as number) + ridge * (beta0[i] as number);
    }
    coefs.set(solveInPlace(A, b, K), (h - 1) * K);
  }
  return { boundaryMs, stepMs, leads, coefs };
}

/** The anomaly forecast for `steps` intervals after the last one of `a`, from a fit. */
export function predictAnomalies(fit: AnomalyFit, a: Float64Array, spd: number, steps: number, p: RegressionParams): Float64Array {
  const n = a.length;
  const means = trailingMeans(a, spd);
  const x = new Float64Array(FEATURES);
  const out = new Float64Array(steps);
  const stepH = fit.stepMs / MS_PER_HOUR;
  for (let j = 0; j < steps; j++) {
    const h = j + 1;
    const hh = Math.min(h, fit.leads);
    if (!features(a, means, spd, n - 1, h, x)) {
      // An unknown feature counts as 0 anomaly (no information), except the bias.
      for (let k = 0; k < FEATURES - 1; k++) if (Number.isNaN(x[k] as number)) x[k] = 0;
    }
    let y = 0;
    for (let k = 0; k < FEATURES; k++) y += (fit.coefs[(hh - 1) * FEATURES + k] as number) * (x[k] as number);
    out[j] = h > fit.leads ? y * Math.exp(-((h - fit.leads) * stepH) / p.regressionFadeHours) : y;
  }
  return out;
}

/**
 * The refit boundary for a grid: its end rounded down to `regressionRefitHours`, as a grid
 * index (the number of intervals before it).
 */
export function refitBoundary(grid: Grid, p: RegressionParams): { boundaryMs: number; index: number } {
  const refitMs = Math.max(grid.stepMs, p.regressionRefitHours * MS_PER_HOUR);
  const boundaryMs = Math.floor(grid.endMs / refitMs) * refitMs;
  const index = grid.values.length - Math.round((grid.endMs - boundaryMs) / grid.stepMs);
  return { boundaryMs, index: Math.max(0, index) };
}
