/** The local forecaster: seasonal profile + decaying level correction, blended into provider forecasts (ADR 0002). */
export { blendProvider, DEFAULT_BLEND_PARAMS, type BlendParams } from './blend';
export { errorAtLead, estimateErrorModel, PRIOR_ERROR_MODEL, type ErrorModel, type ErrorModelInput } from './error-model';
export { DEFAULT_LOCAL_PARAMS, extendSeries, forecastLocal, forecastLocalValues, type LocalForecastInput, type LocalForecastValues, type LocalParams } from './forecaster';
export { firstForecastStartMs, resample, toGrid, type Grid, type HistoryInput } from './grid';
export { DEFAULT_SEASONAL_PARAMS, historyNeededMs, seasonalForecast, type SeasonalParams } from './model';
export { seasonalProfile } from './profiles';
