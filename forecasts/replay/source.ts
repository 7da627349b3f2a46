/**
 * The replay provider (DESIGN §3, `carbond simulate`): serves trace files as they were
 * known at a given time, so a simulation can never peek at the future.
 *
 * What "known at `nowMs`" means here (ADR 0002):
 * - a measured interval is known once it has **ended**: `startMs + durationMs <= nowMs`
 *   (operators publish an interval's value after it is over); its `issuedAtMs` is that end;
 * - a forecast issue is known from its `issued_at` on: `forecastAt` serves the newest issue
 *   with `issuedAtMs <= nowMs`, all of its points (also those that start before `nowMs`).
 *
 * Usable directly by the simulator (typed-array views, no allocation per lookup) and as a
 * configured provider of type `file` (the async `ForecastProvider`/`HistoryProvider` contracts).
 */
import { ProviderError } from '../../src/core';
import type { ForecastProvider, HistoryProvider, IntensityPoint, SignalKind } from '../types';
import { loadTraceFile, mergeForecasts, mergeMeasured, type TraceFileSpec } from './load';
import type { ParsedTrace } from './rows';
import { issueAt, measuredWindow, type ForecastIssues, type ForecastView, type MeasuredSeries, type SeriesView } from './series';

export interface ReplaySourceOptions {
  /** Provider entry name put on every point. Default `file`. */
  readonly name?: string;
  /** What the files hold. Default `average` (every file in `../shared/data/` is average). */
  readonly signal?: SignalKind;
}

/** Converts a view to canonical points. */
export function viewToPoints(v: SeriesView, kind: IntensityPoint['kind'], provider: string, signal: SignalKind, issuedAtMs?: number): IntensityPoint[] {
  const out: IntensityPoint[] = new Array(v.startMs.length);
  for (let i = 0; i < v.startMs.length; i++) {
    const startMs = v.startMs[i] as number;
    out[i] = { zone: v.zone, startMs, durationMs: v.stepMs, gPerKWh: v.gPerKWh[i] as number, kind, issuedAtMs: issuedAtMs ?? startMs + v.stepMs, provider, signal };
  }
  return out;
}

export class ReplaySource implements ForecastProvider, HistoryProvider {
  readonly name: string;
  readonly type = 'file' as const;
  readonly signal: SignalKind;
  private readonly measuredByZone = new Map<string, MeasuredSeries>();
  private readonly forecastsByZone = new Map<string, ForecastIssues>();

  /** Builds a source from parsed traces; several traces of one zone are merged. */
  constructor(traces: readonly ParsedTrace[], opts: ReplaySourceOptions = {}) {
    this.name = opts.name ?? 'file';
    this.signal = opts.signal ?? 'average';
    for (const t of traces) {
      for (const m of t.measured) {
        const had = this.measuredByZone.get(m.zone);
        this.measuredByZone.set(m.zone, had ? mergeMeasured(had, m) : m);
      }
      for (const f of t.forecasts) {
        const had = this.forecastsByZone.get(f.zone);
        this.forecastsByZone.set(f.zone, had ? mergeForecasts(had, f) : f);
      }
    }
  }

  /**
   * Loads files (CSV or JSON) into one source.
   * @throws InputError naming the file and line of any problem.
   * @example ReplaySource.fromFiles([{ path: 'GB_2021_em-lca.csv' }, { path: 'x.csv', zoneAs: 'DE' }])
   */
  static fromFiles(files: readonly TraceFileSpec[], opts: ReplaySourceOptions = {}): ReplaySource {
    return new ReplaySource(files.map(loadTraceFile), opts);
  }

  /** Zones with measured data or forecasts, sorted. */
  zones(): string[] {
    return [...new Set([...this.measuredByZone.keys(), ...this.forecastsByZone.keys()])].sort();
  }

  hasMeasured(zone: string): boolean {
    return this.measuredByZone.has(zone);
  }

  hasForecasts(zone: string): boolean {
    return this.forecastsByZone.has(zone);
  }

  /** Interval length of the zone's measured series (else its forecasts), ms; undefined for an unknown zone. */
  stepMs(zone: string): number | undefined {
    return (this.measuredByZone.get(zone) ?? this.forecastsByZone.get(zone))?.stepMs;
  }

  /** Measured points with start in `[fromMs, toMs)` that had ended by `nowMs`, as typed-array views. */
  measuredView(zone: string, fromMs: number, toMs: number, nowMs: number): SeriesView | undefined {
    const s = this.measuredByZone.get(zone);
    return s && measuredWindow(s, fromMs, toMs, nowMs);
  }

  /** Measured points with start in `[fromMs, toMs)` known at `nowMs` (ended by then); [] for an unknown zone. */
  measured(zone: string, fromMs: number, toMs: number, nowMs: number): IntensityPoint[] {
    const v = this.measuredView(zone, fromMs, toMs, nowMs);
    return v ? viewToPoints(v, 'measured', this.name, this.signal) : [];
  }

  /** The newest forecast issue with `issuedAtMs <= nowMs`, as typed-array views. */
  forecastViewAt(zone: string, nowMs: number): ForecastView | undefined {
    const f = this.forecastsByZone.get(zone);
    return f && issueAt(f, nowMs);
  }

  /** All points of the newest forecast issue with `issuedAtMs <= nowMs`; [] when none. */
  forecastAt(zone: string, nowMs: number): IntensityPoint[] {
    const v = this.forecastViewAt(zone, nowMs);
    return v ? viewToPoints(v, 'forecast', this.name, this.signal, v.issuedAtMs) : [];
  }

  /**
   * The whole measured series, past and future of any "now": for scoring emissions against
   * what really happened (never for planning).
   */
  truth(zone: string): MeasuredSeries | undefined {
    return this.measuredByZone.get(zone);
  }

  /** `ForecastProvider`: the forecast known at `nowMs`. @throws ProviderError for a zone without forecasts. */
  async forecast(zone: string, nowMs: number): Promise<IntensityPoint[]> {
    if (!this.forecastsByZone.has(zone)) throw this.unknown(zone, 'forecasts');
    return this.forecastAt(zone, nowMs);
  }

  /** `HistoryProvider`: measured points known at `nowMs`. @throws ProviderError for a zone without measured data. */
  async history(zone: string, fromMs: number, toMs: number, nowMs: number): Promise<IntensityPoint[]> {
    if (!this.measuredByZone.has(zone)) throw this.unknown(zone, 'measured data');
    return this.measured(zone, fromMs, toMs, nowMs);
  }

  private unknown(zone: string, what: string): ProviderError {
    return new ProviderError(`no ${what} for zone ${zone} in the trace files (zones: ${this.zones().join(', ') || 'none'})`, { provider: this.name, retryable: false });
  }
}
