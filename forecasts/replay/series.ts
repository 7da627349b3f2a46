/**
 * Column-oriented intensity series on typed arrays: the replay provider's storage and the
 * local forecaster's input. Sorted by `startMs`, gaps left as gaps (no row), so a lookup
 * is a binary search and a time range is a zero-copy `subarray`.
 */

/** Measured intensity of one zone: interval `i` is `[startMs[i], startMs[i] + stepMs)`. */
export interface MeasuredSeries {
  readonly zone: string;
  /** Interval length, ms (the file's resolution: 15, 30 or 60 min). */
  readonly stepMs: number;
  /** Interval starts, UTC epoch ms, strictly increasing. */
  readonly startMs: Float64Array;
  /** gCO2eq/kWh per interval. */
  readonly gPerKWh: Float64Array;
  /** Where it came from (file name), for messages. */
  readonly source: string;
}

/**
 * Forecast issues of one zone. Issue `k` was issued at `issuedAtMs[k]` (non-decreasing in `k`)
 * and holds the points `offsets[k] .. offsets[k+1]-1` of `startMs`/`gPerKWh`
 * (strictly increasing starts within an issue).
 */
export interface ForecastIssues {
  readonly zone: string;
  readonly stepMs: number;
  readonly issuedAtMs: Float64Array;
  /** Length = issues + 1. */
  readonly offsets: Uint32Array;
  readonly startMs: Float64Array;
  readonly gPerKWh: Float64Array;
  readonly source: string;
}

/** A window of a series: plain typed arrays (often `subarray` views; do not mutate). */
export interface SeriesView {
  readonly zone: string;
  readonly stepMs: number;
  readonly startMs: Float64Array;
  readonly gPerKWh: Float64Array;
}

/** One forecast issue as typed arrays. */
export interface ForecastView extends SeriesView {
  readonly issuedAtMs: number;
}

/**
 * First index `i` with `a[i] >= x` (`a.length` when none): binary search on a sorted array.
 * @example lowerBound(Float64Array.of(10, 20, 30), 20) === 1; lowerBound(Float64Array.of(10, 20, 30), 25) === 2
 */
export function lowerBound(a: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * First index `i` with `a[i] > x` (`a.length` when none).
 * @example upperBound(Float64Array.of(10, 20, 30), 20) === 2
 */
export function upperBound(a: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The measured points with start in `[fromMs, toMs)` that were known at `nowMs`, i.e. whose
 * interval had ended: `start + stepMs <= nowMs` (a measured interval is published once it is over).
 * Zero-copy.
 * @example 60-min series, nowMs = 10:30 → the last point returned starts at 09:00 (ends 10:00).
 */
export function measuredWindow(s: MeasuredSeries, fromMs: number, toMs: number, nowMs: number): SeriesView {
  const endMs = Math.min(toMs, nowMs - s.stepMs + 1);
  const lo = lowerBound(s.startMs, fromMs);
  const hi = Math.max(lo, lowerBound(s.startMs, endMs));
  return { zone: s.zone, stepMs: s.stepMs, startMs: s.startMs.subarray(lo, hi), gPerKWh: s.gPerKWh.subarray(lo, hi) };
}

/**
 * The newest issue with `issuedAtMs <= nowMs` (all its points, including any that start
 * before `nowMs`), or undefined when nothing had been issued yet. Zero-copy.
 */
/** Issue `k` of `f` as a view. */
function issueView(f: ForecastIssues, k: number): ForecastView {
  const lo = f.offsets[k] as number;
  const hi = f.offsets[k + 1] as number;
  return { zone: f.zone, stepMs: f.stepMs, issuedAtMs: f.issuedAtMs[k] as number, startMs: f.startMs.subarray(lo, hi), gPerKWh: f.gPerKWh.subarray(lo, hi) };
}

/**
 * The issues of `f` as the local forecaster's provider archive (`issuesBetween(from, to)`:
 * issues with `from <= issuedAt < to`, oldest first), for learning the provider's skill.
 */
export function issueArchive(f: ForecastIssues): { issuesBetween(fromMs: number, toMs: number): { issuedAtMs: number; forecast: ForecastView }[] } {
  return {
    issuesBetween(fromMs: number, toMs: number) {
      const out: { issuedAtMs: number; forecast: ForecastView }[] = [];
      for (let k = lowerBound(f.issuedAtMs, fromMs); k < f.issuedAtMs.length && (f.issuedAtMs[k] as number) < toMs; k++) out.push({ issuedAtMs: f.issuedAtMs[k] as number, forecast: issueView(f, k) });
      return out;
    },
  };
}

export function issueAt(f: ForecastIssues, nowMs: number): ForecastView | undefined {
  const k = upperBound(f.issuedAtMs, nowMs) - 1;
  return k < 0 ? undefined : issueView(f, k);
}
