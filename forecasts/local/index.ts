/**
 * The local forecaster (ADR 0002, 0008): seasonal profile + regressed anomaly (fixed-decay level
 * correction with under two weeks of history), blended into
 * provider forecasts. Pure functions of their inputs; they take `nowMs` and ignore any history
 * that had not ended by then.
 *
 * - `forecastLocal({ history, providerForecast?, nowMs, horizonMs, stepMs?, zone?, params? })`
 *   → `IntensityPoint[]` (`provider: 'local'`, `kind: 'forecast'`, `issuedAtMs: nowMs`) from the
 *   interval holding `nowMs` to `nowMs + horizonMs`; `forecastLocalValues` is the same as typed arrays.
 * - `extendSeries(known, nowMs, untilMs, history)` → `known` as given, then local points to `untilMs`.
 * - `estimateErrorModel({ history, nowMs })` → MAPE / relative std / bias by lead (backtest of
 *   the last 14 days); `errorAtLead(model, leadMs)` interpolates; `PRIOR_ERROR_MODEL` without history.
 */
export { blendProvider, DEFAULT_BLEND_PARAMS, type BlendParams } from './blend';
export { errorAtLead, estimateErrorModel, PRIOR_ERROR_MODEL, type ErrorModel, type ErrorModelInput } from './error-model';
export { DEFAULT_LOCAL_PARAMS, extendSeries, forecastLocal, forecastLocalValues, type LocalForecastInput, type LocalForecastValues, type LocalParams } from './forecaster';
export { firstForecastStartMs, resample, toGrid, type Grid, type HistoryInput } from './grid';
export { DEFAULT_SEASONAL_PARAMS, historyNeededMs, seasonalForecast, type SeasonalParams } from './model';
export { seasonalProfile } from './profiles';
export { DEFAULT_REGRESSION_PARAMS, type AnomalyFitCache, type RegressionParams } from './regression';
export { learnProviderWeights, type ProviderArchive, type ProviderIssue } from './provider-skill';
