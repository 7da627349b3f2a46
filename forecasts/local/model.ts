/**
 * The seasonal model of the local forecaster, on a dense grid (see `grid.ts`):
 *
 *   forecast(lead) = P(slot) + eDay · dayGain · exp(−lead / dayTau) + (eShort − eDay) · exp(−lead / shortTau)
 *
 * - `P` is the seasonal profile: the hour-of-day profile of the last days (recent days weigh
 *   more) plus the weekly anomaly of the last weeks (weekends, see `seasonalProfile`);
 * - `eShort`, `eDay` are the recent deviations from `P` (last few hours, last day): the
 *   weather regime of now, which persists for hours to days and then fades back to the profile.
 *
 * Worked example (hourly, P = 200 at the target hour, eShort = +30, eDay = +20, shortTau = 6 h,
 * dayTau = 48 h, dayGain = 1), lead 24 h: 200 + 20·e^(−0.5) + 10·e^(−4) = 200 + 12.13 + 0.18 = 212.3 g/kWh.
 */
import { MS_PER_DAY, MS_PER_HOUR } from '../../src/core';
import type { Grid } from './grid';
import { seasonalProfile } from './profiles';

/** Tuning of the seasonal model (defaults tuned on 2021 data; see ADR 0002). */
export interface SeasonalParams {
  /** Days of history in the hour-of-day profile. */
  readonly dailyDays: number;
  /** Weight of day k back relative to day k−1 (1 = plain mean). */
  readonly dailyDecay: number;
  /** Days of the short hour-of-day profile competing with the long one (0 = long only). */
  readonly shortDailyDays: number;
  /** Days over which the two hour-of-day profiles' recent skill is compared. */
  readonly skillDays: number;
  /** Weeks of history in the hour-of-week profile. */
  readonly weeklyWeeks: number;
  readonly weeklyDecay: number;
  /** Weight of the weekly anomaly in P (1 = full day-of-week effect, 0 = hour-of-day only). */
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
  dailyDays: 28,
  dailyDecay: 0.95,
  shortDailyDays: 10,
  skillDays: 14,
  weeklyWeeks: 6,
  weeklyDecay: 1,
  weeklyWeight: 0.3,
  shortLevelHours: 1,
  shortTauHours: 36,
  dayLevelHours: 24,
  dayTauHours: 60,
  dayGain: 0.9,
  lastDayGain: 0.2,
  lastDayTauHours: 36,
});

/**
 * History the model reads, ms: the longer of the two profiles (default 6 weeks).
 * @example historyNeededMs(DEFAULT_SEASONAL_PARAMS) === 42 * MS_PER_DAY  // max(28 + 14 days, 6 weeks)
 */
export function historyNeededMs(p: SeasonalParams = DEFAULT_SEASONAL_PARAMS): number {
  return Math.max(p.dailyDays + p.skillDays, p.weeklyWeeks * 7) * MS_PER_DAY;
}

/** Grid intervals of history the model reads: the longer of the two profiles. */
export function lookbackSteps(stepMs: number, p: SeasonalParams): number {
  return Math.round(historyNeededMs(p) / stepMs);
}

export function stepsPerDay(stepMs: number): number {
  return Math.max(1, Math.round(MS_PER_DAY / stepMs));
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
  const profile = seasonalProfile(grid, p, stepsPerDay(grid.stepMs));
  const stepH = grid.stepMs / MS_PER_HOUR;
  const eShort = recentDeviation(grid, profile, Math.max(1, Math.round(p.shortLevelHours / stepH)));
  const eDay = recentDeviation(grid, profile, Math.max(1, Math.round(p.dayLevelHours / stepH)));
  const spd = stepsPerDay(grid.stepMs);
  const n = grid.values.length;
  const out = new Float64Array(steps);
  for (let j = 0; j < steps; j++) {
    const leadH = (j + 1) * stepH;
    const pj = profile(j);
    // The last known day at the same hour, against the profile of that day (not of the target day).
    const lastDayJ = (j % spd) - spd;
    const lastDay = grid.values[n + lastDayJ] as number;
    const yesterday = p.lastDayGain > 0 && !Number.isNaN(lastDay) ? p.lastDayGain * (lastDay - profile(lastDayJ)) * Math.exp(-leadH / p.lastDayTauHours) : 0;
    const y = pj + eDay * p.dayGain * Math.exp(-leadH / p.dayTauHours) + (eShort - eDay) * Math.exp(-leadH / p.shortTauHours) + yesterday;
    out[j] = Math.max(0, y);
  }
  return out;
}
