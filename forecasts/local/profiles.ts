/**
 * The seasonal profile P of the local forecaster:
 *
 *   P(j) = D[hour of day of j] + weeklyWeight · A[hour of week of j]
 *
 * - `A` is the weekly anomaly (weekends, Monday mornings) from the last weeks;
 * - `D` is the hour-of-day profile of the recent days, with `A` taken out. Two windows
 *   compete: a long one (stable, e.g. 21 days) and a short one (quick to follow a changing
 *   season or fuel mix, e.g. 7 days). Each is scored on how well it would have predicted
 *   each of the last `skillDays` days from the days before, and they are mixed with
 *   inverse-squared-error weights: `w_short = E_long² / (E_short² + E_long²)`.
 *   Example: mean absolute day-ahead errors 30 (short) and 20 g (long) → w_short = 400 / 1300 = 0.31.
 */
import type { Grid } from './grid';
import type { SeasonalParams } from './model';

export const mod = (a: number, m: number): number => ((a % m) + m) % m;

/**
 * Weighted mean of `values[i]` at `i = n − (k + skip)·period + h` over `k = 1..periods`,
 * weight `decay^(k−1)`, for each phase `h`; NaN where nothing was known.
 */
function periodicProfile(values: Float64Array, period: number, periods: number, decay: number, skip = 0): Float64Array {
  const n = values.length;
  const out = new Float64Array(period);
  for (let h = 0; h < period; h++) {
    let sum = 0;
    let wsum = 0;
    let w = 1;
    for (let k = 1; k <= periods; k++, w *= decay) {
      const i = n - (k + skip) * period + h;
      const v = i >= 0 ? (values[i] as number) : NaN;
      if (!Number.isNaN(v)) {
        sum += w * v;
        wsum += w;
      }
    }
    out[h] = wsum > 0 ? sum / wsum : NaN;
  }
  return out;
}

export function meanOf(values: ArrayLike<number>): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isNaN(v)) {
      sum += v;
      count++;
    }
  }
  return count > 0 ? sum / count : NaN;
}

/**
 * The weekly anomaly `A[h7] = W[h7] − mean over the 7 days of W at the same hour of day`:
 * how much a given weekday at a given hour differs from that hour on an average day (0 if unknown).
 */
function weeklyAnomaly(values: Float64Array, spd: number, p: SeasonalParams): Float64Array {
  const spw = 7 * spd;
  const weekly = periodicProfile(values, spw, p.weeklyWeeks, p.weeklyDecay);
  const anomaly = new Float64Array(spw);
  for (let h = 0; h < spd; h++) {
    const sameHour = Array.from({ length: 7 }, (_, d) => weekly[h + d * spd] as number);
    const m = meanOf(sameHour);
    for (let d = 0; d < 7; d++) {
      const a = (sameHour[d] as number) - m;
      anomaly[h + d * spd] = Number.isNaN(a) ? 0 : a;
    }
  }
  return anomaly;
}

/** Mean absolute error of an hour-of-day profile of `days` days at predicting each of the last `skillDays` days. */
function recentSkill(values: Float64Array, spd: number, days: number, decay: number, skillDays: number): number {
  const n = values.length;
  let err = 0;
  let count = 0;
  for (let k = 0; k < skillDays; k++) {
    const prof = periodicProfile(values, spd, days, decay, k + 1);
    for (let h = 0; h < spd; h++) {
      const i = n - (k + 1) * spd + h;
      const v = i >= 0 ? (values[i] as number) : NaN;
      const pv = prof[h] as number;
      if (!Number.isNaN(v) && !Number.isNaN(pv)) {
        err += Math.abs(v - pv);
        count++;
      }
    }
  }
  return count > 0 ? err / count : NaN;
}

/** The hour-of-day profile D of `values` (weekly anomaly already removed): long and short windows mixed by their recent skill. */
function adaptiveDaily(values: Float64Array, spd: number, p: SeasonalParams): Float64Array {
  const long = periodicProfile(values, spd, p.dailyDays, p.dailyDecay);
  if (p.shortDailyDays <= 0 || p.skillDays <= 0) return long;
  const short = periodicProfile(values, spd, p.shortDailyDays, p.dailyDecay);
  const eLong = recentSkill(values, spd, p.dailyDays, p.dailyDecay, p.skillDays);
  const eShort = recentSkill(values, spd, p.shortDailyDays, p.dailyDecay, p.skillDays);
  const wShort = Number.isNaN(eLong) || Number.isNaN(eShort) || eLong + eShort === 0 ? 0 : (eLong * eLong) / (eShort * eShort + eLong * eLong);
  return long.map((l, h) => {
    const s = short[h] as number;
    if (Number.isNaN(l)) return s;
    return Number.isNaN(s) ? l : wShort * s + (1 - wShort) * l;
  });
}

/**
 * The seasonal profile P as a function of the offset `j` from the grid's end (j ≥ 0: future,
 * j < 0: past). For an exactly weekly pattern (and weeklyWeight 1) P reproduces it exactly.
 */
export function seasonalProfile(grid: Grid, p: SeasonalParams, spd: number): (j: number) => number {
  const spw = 7 * spd;
  const n = grid.values.length;
  const anomaly = p.weeklyWeight > 0 ? weeklyAnomaly(grid.values, spd, p) : new Float64Array(spw);
  const a = (j: number): number => p.weeklyWeight * (anomaly[mod(j, spw)] as number);
  // The values with their weekly anomaly taken out, computed once (the skill scoring reads them ~40 times).
  const deseasoned = grid.values.map((v, i) => v - a(i - n));
  const daily = adaptiveDaily(deseasoned, spd, p);
  const overall = meanOf(grid.values);
  return (j: number): number => {
    const d = daily[mod(j, spd)] as number;
    return (Number.isNaN(d) ? overall : d) + a(j);
  };
}
