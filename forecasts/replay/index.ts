/**
 * File replay (ADR 0002): trace files (CSV in the `../shared/data/` formats, or JSON) served
 * as they were known at a given time. A measured interval is known once it has ended; a
 * forecast issue from its `issued_at` on.
 *
 * - `ReplaySource.fromFiles([{ path, zoneAs? }])`: `measured(zone, from, to, now)`,
 *   `forecastAt(zone, now)`, typed-array views `measuredView` / `forecastViewAt`, `truth(zone)`
 *   (the whole series: scoring only), and the async provider contracts `history` / `forecast`.
 * - `ReplayForecaster(source, 'local' | 'provider' | 'perfect').at(zone, now, until)`: what a
 *   simulated daemon believes, memoised per (zone, interval, issue).
 * - `FileProvider` / `fileProviderFactory`: the `type = "file"` config entry, loaded lazily,
 *   failures as non-retryable `ProviderError`s.
 */
export { parseTraceCsv, parseIntensity, type TraceParseOptions } from './csv';
export { parseTraceJson } from './json';
export { loadTraceFile, mergeForecasts, mergeMeasured, parseTraceText, type TraceFileSpec } from './load';
export type { ParsedTrace } from './rows';
export { issueArchive, issueAt, lowerBound, measuredWindow, upperBound, type ForecastIssues, type ForecastView, type MeasuredSeries, type SeriesView } from './series';
export { ReplaySource, viewToPoints, type ReplaySourceOptions } from './source';
export { ReplayForecaster, type ReplayForecastMode } from './forecast-at';
export { FileProvider, fileProviderFactory } from './provider';
