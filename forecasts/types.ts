/**
 * The carbon signal contracts (DESIGN §1, §3). Every provider adapter, the replay
 * provider and the local forecaster speak in `IntensityPoint`s: one interval of one
 * zone with its intensity in gCO2eq/kWh, normalised at the edge (CONVENTIONS §4).
 */

/** `average`: consumption/production average; `marginal`: the emitting rate of the next kWh (MOER). */
export type SignalKind = 'average' | 'marginal';

/** `measured`: observed (or the provider's estimate of the past); `forecast`: predicted ahead of time. */
export type PointKind = 'measured' | 'forecast';

/**
 * What a figure is where carbond shows it (status, metrics, `carbond forecast`, reports):
 * `estimated` for a modelled value (the static yearly average, Electricity Maps `isEstimated`),
 * else the point's kind. Stored points keep `kind` + `estimated` (the ledger allows only the
 * two kinds), so this is the one place the label is derived, as accounting's `basis` is.
 */
export type FigureKind = PointKind | 'estimated';

/** @example figureKind((await new StaticProvider().forecast('DE', now))[0]) → 'estimated' (its kind is 'forecast'). */
export function figureKind(p: Pick<IntensityPoint, 'kind' | 'estimated'>): FigureKind {
  return p.estimated === true ? 'estimated' : p.kind;
}

/** The provider types carbond knows; config entries name one of these as `type`. */
export type ProviderType =
  | 'uk-carbon-intensity'
  | 'electricity-maps'
  | 'watttime'
  | 'carbon-aware-sdk'
  | 'file'
  | 'static'
  | 'local';

/**
 * One interval of carbon intensity: `[startMs, startMs + durationMs)` in zone `zone`.
 * @example { zone: 'GB', startMs: Date.parse('2024-01-12T06:00Z'), durationMs: 1_800_000,
 *            gPerKWh: 293, kind: 'forecast', issuedAtMs: Date.parse('2024-01-12T06:01Z'),
 *            provider: 'uk', signal: 'average' }
 */
export interface IntensityPoint {
  /** carbond zone key (`GB`, `DE`, `US-CAL-CISO`, `GB-13`…), not the provider's own id. */
  readonly zone: string;
  /** Interval start, UTC epoch ms. */
  readonly startMs: number;
  /** Interval length in ms (30 min UK, 1 h Electricity Maps, 5 min WattTime). */
  readonly durationMs: number;
  /** Intensity in gCO2eq/kWh (never lbs/MWh, never a percentile). */
  readonly gPerKWh: number;
  readonly kind: PointKind;
  /** When this value was known (forecast generation time, or fetch time), UTC epoch ms. */
  readonly issuedAtMs: number;
  /** Name of the configured provider entry that produced it (`static`, `local` for the built-ins). */
  readonly provider: string;
  readonly signal: SignalKind;
  /** True when the provider flags a measured value as modelled/estimated (Electricity Maps `isEstimated`). */
  readonly estimated?: boolean;
}

/** A forecast source: the series for a zone as known at `nowMs`. */
export interface ForecastProvider {
  /** The configured entry name (e.g. `uk`, `emaps`). */
  readonly name: string;
  readonly type: ProviderType;
  readonly signal: SignalKind;
  /**
   * Forecast points starting from around `nowMs` up to the provider horizon. Providers that
   * return the current (measured) interval too may include it with `kind: 'measured'`.
   * Throws `ProviderError` on any failure (never returns a partial series silently:
   * an empty array means the provider had no data and is treated as a soft failure).
   */
  forecast(zone: string, nowMs: number): Promise<IntensityPoint[]>;
}

/** A measured-history source: points with `startMs` in `[fromMs, toMs)` as known at `nowMs`. */
export interface HistoryProvider {
  history(zone: string, fromMs: number, toMs: number, nowMs: number): Promise<IntensityPoint[]>;
}

/** A provider that also serves history (most do). */
export type SignalProvider = ForecastProvider & Partial<HistoryProvider>;

/** True when `p` can serve measured history. */
export function hasHistory(p: ForecastProvider): p is ForecastProvider & HistoryProvider {
  return typeof (p as Partial<HistoryProvider>).history === 'function';
}
