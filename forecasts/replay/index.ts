/** File replay: trace files served as they were known at a given time (DESIGN §3). */
export { parseTraceCsv, parseIntensity, type TraceParseOptions } from './csv';
export { parseTraceJson } from './json';
export { loadTraceFile, mergeForecasts, mergeMeasured, parseTraceText, type TraceFileSpec } from './load';
export type { ParsedTrace } from './rows';
export { issueAt, lowerBound, measuredWindow, upperBound, type ForecastIssues, type ForecastView, type MeasuredSeries, type SeriesView } from './series';
export { ReplaySource, viewToPoints, type ReplaySourceOptions } from './source';
export { ReplayForecaster, type ReplayForecastMode } from './forecast-at';
export { FileProvider, fileProviderFactory } from './provider';
