/**
 * The seasonal model of the local forecaster, on a dense grid (see `grid.ts`):
 *
 *   forecast(lead) = P(slot) + eDay · dayGain · exp(−lead / dayTau) + (eShort − eDay) · exp(−lead / shortTau)
 *
 * - `P` is the seasonal profile: a blend of the hour-of-day profile of the last days
 *   (recent days weigh more) and the hour-of-week profile of the last weeks (weekends);
 * - `eShort`, `eDay` are the recent deviations from `P` (last few hours, last day): the
 *   weather regime of now, which persists for hours to days and then fades back to the profile.
 *
 * Worked example (hourly, P = 200 at the target hour, eShort = +30, eDay = +20, shortTau = 6 h,
 * dayTau = 48 h, dayGain = 1), lead 24 h: 200 + 20·e^(−0.5) + 10·e^(−4) = 200 + 12.13 + 0.18 = 212.3 g/kWh.
 */
import { MS_PER_DAY, MS_PER_HOUR } from '../../src/core';
import type { Grid } from './grid';

/** Tuning of the seasonal model (defaults tuned on 2021 data; see ADR 0002). */
export interface SeasonalParams {
  /** Days of history in the hour-of-day profile. */
  readonly dailyDays: number;
  /** Weight of day k back relative to day k−1 (1 = plain mean). */
  readonly dailyDecay: number;
  /** Weeks of history in the hour-of-week profile. */
  readonly weeklyWeeks: number;
  readonly weeklyDecay: number;
  /** Share of the hour-of-week profile in P (the rest is hour-of-day). */
  readonly weeklyWeight: number;
  /** Hours averaged for the short-term deviation. */
  readonly shortLevelHours: number;
  /** e-folding time of the short-term deviation, hours. */
  readonly shortTauHours: number;
  /** Hours averaged for the day-level deviation. */
  readonly dayLevelHours: number;
  /** e-folding time of the day-level deviation, hours. */
  readonly dayTauHours: number;
  /** Multiplier on the day-level deviation (corrects for it being partly in P already). */
  readonly dayGain: number;
  /** Weight of the last known day's deviation from P at the same hour of day ("yesterday"). */
  readonly lastDayGain: number;
  /** e-folding time of that weight, hours. */
  readonly lastDayTauHours: number;
}

export const DEFAULT_SEASONAL_PARAMS: SeasonalParams = Object.freeze({
  dailyDays: 14,
  dailyDecay: 0.7,
  weeklyWeeks: 6,
  weeklyDecay: 0.9,
  weeklyWeight: 0.55,
  shortLevelHours: 1,
  shortTauHours: 24,
  dayLevelHours: 3,
  dayTauHours: 72,
  dayGain: 0.5,
  lastDayGain: 1,
  lastDayTauHours: 24,
});

/** Grid intervals of history the model reads: the longer of the two profiles. */
export function lookbackSteps(stepMs: number, p: SeasonalParams): number {
  return Math.max(p.dailyDays * stepsPerDay(stepMs), p.weeklyWeeks * 7 * stepsPerDay(stepMs));
}

export function stepsPerDay(stepMs: number): number {
  return Math.max(1, Math.round(MS_PER_DAY / stepMs));
}

/**
 * Weighted mean of `values[n − k·period + h]` over `k = 1..periods`, weight `decay^(k−1)`,
 * for each phase `h` of the period; NaN where no value was known.
 */
function periodicProfile(values: Float64Array, period: number, periods: number, decay: number): Float64Array {
  const n = values.length;
  const out = new Float64Array(period);
  for (let h = 0; h < period; h++) {
    let sum = 0;
    let wsum = 0;
    let w = 1;
    for (let k = 1; k <= periods; k++, w *= decay) {
      const i = n - k * period + h;
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

function meanOf(values: Float64Array): number {
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (!Number.isNaN(v)) {
      sum += v;
      count++;
    }
  }
  return count > 0 ? sum / count : NaN;
}

/** The seasonal profile P as a function of the offset `j` from the grid's end (j ≥ 0: future, j < 0: past). */
export function seasonalProfile(grid: Grid, p: SeasonalParams): (j: number) => number {
  const spd = stepsPerDay(grid.stepMs);
  const spw = 7 * spd;
  const daily = periodicProfile(grid.values, spd, p.dailyDays, p.dailyDecay);
  const weekly = p.weeklyWeight > 0 ? periodicProfile(grid.values, spw, p.weeklyWeeks, p.weeklyDecay) : undefined;
  const overall = meanOf(grid.values);
  return (j: number): number => {
    const d = daily[((j % spd) + spd) % spd] as number;
    const base = Number.isNaN(d) ? overall : d;
    const wk = weekly ? (weekly[((j % spw) + spw) % spw] as number) : NaN;
    return Number.isNaN(wk) ? base : p.weeklyWeight * wk + (1 - p.weeklyWeight) * base;
  };
}

/** Mean of `values[i] − P(i − n)` over the last `steps` known intervals (0 when none is known). */
function recentDeviation(grid: Grid, profile: (j: number) => number, steps: number): number {
  const n = grid.values.length;
  let sum = 0;
  let count = 0;
  for (let i = Math.max(0, n - steps); i < n; i++) {
    const v = grid.values[i] as number;
    const pv = profile(i - n);
    if (!Number.isNaN(v) && !Number.isNaN(pv)) {
      sum += v - pv;
      count++;
    }
  }
  return count > 0 ? sum / count : 0;
}

/**
 * Forecast of `steps` intervals from `grid.endMs`, g/kWh (never below 0). NaN everywhere
 * when the grid holds no known value at all.
 */
export function seasonalForecast(grid: Grid, steps: number, p: SeasonalParams): Float64Array {
  const profile = seasonalProfile(grid, p);
  const stepH = grid.stepMs / MS_PER_HOUR;
  const eShort = recentDeviation(grid, profile, Math.max(1, Math.round(p.shortLevelHours / stepH)));
  const eDay = recentDeviation(grid, profile, Math.max(1, Math.round(p.dayLevelHours / stepH)));
  const spd = stepsPerDay(grid.stepMs);
  const n = grid.values.length;
  const out = new Float64Array(steps);
  for (let j = 0; j < steps; j++) {
    const leadH = (j + 1) * stepH;
    const pj = profile(j);
    const lastDay = grid.values[n - spd + (j % spd)] as number;
    const yesterday = p.lastDayGain > 0 && !Number.isNaN(lastDay) ? p.lastDayGain * (lastDay - pj) * Math.exp(-leadH / p.lastDayTauHours) : 0;
    const y = pj + eDay * p.dayGain * Math.exp(-leadH / p.dayTauHours) + (eShort - eDay) * Math.exp(-leadH / p.shortTauHours) + yesterday;
    out[j] = Math.max(0, y);
  }
  return out;
}
