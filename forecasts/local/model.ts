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
import { DEFAULT_REGRESSION_PARAMS, fitAnomalies, predictAnomalies, refitBoundary, type AnomalyFitCache, type RegressionParams } from './regression';

/** Tuning of the seasonal model (defaults tuned on 2021 data, ADR 0002; the regression on 2020 data, ADR 0008). */
export interface SeasonalParams extends RegressionParams {
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
  ...DEFAULT_REGRESSION_PARAMS,
});

/** History the profiles read, ms: the longer of the two (default 6 weeks). */
function profileHistoryMs(p: SeasonalParams): number {
  return Math.max(p.dailyDays + p.skillDays, p.weeklyWeeks * 7) * MS_PER_DAY;
}

/** Refit period of the anomaly regression, ms (0 when the regression is off). */
function refitMs(p: SeasonalParams): number {
  return p.regressionDays > 0 ? p.regressionRefitHours * MS_PER_HOUR : 0;
}

/**
 * History the model reads, ms: the longer of the two profiles (default 6 weeks), plus one
 * refit period for the regression, which is fitted on the profile window ending at the last
 * refit boundary (up to one period before now).
 * @example historyNeededMs(DEFAULT_SEASONAL_PARAMS) === 43 * MS_PER_DAY  // max(28 + 14 days, 6 weeks) + 24 h
 */
export function historyNeededMs(p: SeasonalParams = DEFAULT_SEASONAL_PARAMS): number {
  return profileHistoryMs(p) + refitMs(p);
}

/** Grid intervals of history the model reads (see `historyNeededMs`). */
export function lookbackSteps(stepMs: number, p: SeasonalParams): number {
  return Math.round(profileHistoryMs(p) / stepMs) + Math.ceil(refitMs(p) / stepMs);
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

/** The last `count` intervals of a grid (the whole grid when shorter). */
function tail(grid: Grid, count: number): Grid {
  return grid.values.length <= count ? grid : { stepMs: grid.stepMs, endMs: grid.endMs, values: grid.values.subarray(grid.values.length - count) };
}

/** `values[i] − P(i − n)`: the deviation of each known interval from the profile (NaN where unknown). */
function anomaliesOf(grid: Grid, profile: (j: number) => number, log = false): Float64Array {
  const n = grid.values.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = log ? Math.log(Math.max(1, grid.values[i] as number)) - Math.log(Math.max(1, profile(i - n))) : (grid.values[i] as number) - profile(i - n);
  return out;
}

/**
 * The fixed-decay model above as regression coefficients for lead `h` intervals (features of
 * `regression.ts`: last interval, last day's mean, same hour on the last known day, trend, bias;
 * the model's short level is taken as the last interval): the prior the regression is pulled towards.
 * @example decayCoefficients(DEFAULT_SEASONAL_PARAMS, MS_PER_HOUR, 24) ≈ [0.513, 0.090, 0.103, 0, 0]
 */
export function decayCoefficients(p: SeasonalParams, stepMs: number, h: number): Float64Array {
  const leadH = (h * stepMs) / MS_PER_HOUR;
  const shortW = Math.exp(-leadH / p.shortTauHours);
  return Float64Array.of(shortW, p.dayGain * Math.exp(-leadH / p.dayTauHours) - shortW, p.lastDayGain * Math.exp(-leadH / p.lastDayTauHours), 0, 0);
}

/**
 * The regression's forecast (profile + predicted anomaly), or undefined when it is off or
 * the history is too short to fit it. The fit reads only the profile window ending at the
 * refit boundary, so `cache` (one per history) returns exactly what a fresh fit would.
 */
function regressionForecast(grid: Grid, steps: number, p: SeasonalParams, cache?: AnomalyFitCache): Float64Array | undefined {
  if (p.regressionDays <= 0) return undefined;
  const spd = stepsPerDay(grid.stepMs);
  const window = Math.round(profileHistoryMs(p) / grid.stepMs);
  const { boundaryMs, index } = refitBoundary(grid, p);
  const leads = Math.max(1, Math.round((p.regressionLeadHours * MS_PER_HOUR) / grid.stepMs));
  const key = `${boundaryMs}|${grid.stepMs}|${JSON.stringify(p)}`;
  let fit = cache && cache.key === key ? cache.fit : undefined;
  if (fit === undefined) {
    const atBoundary: Grid = { stepMs: grid.stepMs, endMs: boundaryMs, values: grid.values.subarray(Math.max(0, index - window), index) };
    const fitted = atBoundary.values.length > 0 ? fitAnomalies(anomaliesOf(atBoundary, seasonalProfile(atBoundary, p, spd), p.regressionLog), spd, leads, p, boundaryMs, grid.stepMs, (h) => decayCoefficients(p, grid.stepMs, h)) : undefined;
    fit = fitted ?? null;
    if (cache) {
      cache.key = key;
      cache.fit = fit;
    }
  }
  if (fit === null) return undefined;
  const current = tail(grid, window);
  const profile = seasonalProfile(current, p, spd);
  const ahead = predictAnomalies(fit, anomaliesOf(current, profile, p.regressionLog), spd, steps, p);
  const out = new Float64Array(steps);
  for (let j = 0; j < steps; j++) out[j] = p.regressionLog ? Math.max(1, profile(j)) * Math.exp(ahead[j] as number) : Math.max(0, profile(j) + (ahead[j] as number));
  return out;
}

/**
 * Forecast of `steps` intervals from `grid.endMs`, g/kWh (never below 0). NaN everywhere
 * when the grid holds no known value at all. With the regression on (the default) and two
 * weeks of history to fit it on: profile + regressed anomaly (`regression.ts`); otherwise the fixed-decay
 * model above. `cache` (optional, one per history) keeps the regression's fit until the next
 * refit boundary.
 */
export function seasonalForecast(fullGrid: Grid, steps: number, p: SeasonalParams, cache?: AnomalyFitCache): Float64Array {
  const regressed = regressionForecast(fullGrid, steps, p, cache);
  if (regressed) return regressed;
  const grid = tail(fullGrid, Math.round(profileHistoryMs(p) / fullGrid.stepMs));
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
