/**
 * History → a dense, regular grid ending at the last interval known at `nowMs`, with NaN
 * for gaps: the local forecaster's working array. Only intervals that had ended by `nowMs`
 * are used, whatever the caller passes (no peeking, by construction).
 */
import type { IntensityPoint } from '../types';
import { lowerBound, type SeriesView } from '../replay/series';

/** Measured history: canonical points (any order) or typed-array views (sorted starts). */
export type HistoryInput = readonly IntensityPoint[] | SeriesView;

/** A regular grid: `values[i]` covers `[endMs - (n - i)·stepMs, endMs - (n - i - 1)·stepMs)`, NaN = unknown. */
export interface Grid {
  readonly stepMs: number;
  /** End of the last interval, = the first forecast interval's start; a multiple of `stepMs`. */
  readonly endMs: number;
  readonly values: Float64Array;
}

function isView(h: HistoryInput): h is SeriesView {
  return !Array.isArray(h);
}

/** The interval length of a history (its first point's), or undefined when it is empty. */
export function historyStepMs(h: HistoryInput): number | undefined {
  if (isView(h)) return h.startMs.length > 0 ? h.stepMs : undefined;
  return (h as readonly IntensityPoint[])[0]?.durationMs;
}

/** Number of points in a history input. */
export function historyLength(h: HistoryInput): number {
  return isView(h) ? h.startMs.length : (h as readonly IntensityPoint[]).length;
}

/**
 * Start of the first interval of the forecast: the grid interval holding `nowMs`
 * (measured values are known only once their interval has ended).
 * @example firstForecastStartMs(10:20, 60 min) === 10:00
 */
export function firstForecastStartMs(nowMs: number, stepMs: number): number {
  return Math.floor(nowMs / stepMs) * stepMs;
}

/**
 * Time-weighted resampling of `h` onto `n` intervals of `stepMs` from `fromMs`, ignoring points
 * that end after `knownUntilMs`. An interval gets a value when points cover at least half of it.
 * @example 15-min points 100, 200, 300, 400 in 10:00–11:00 → the 60-min interval 10:00 = 250
 */
export function resample(h: HistoryInput, fromMs: number, stepMs: number, n: number, knownUntilMs = Infinity): Float64Array {
  const endMs = fromMs + n * stepMs;
  const sum = new Float64Array(n);
  const cover = new Float64Array(n);
  const add = (startMs: number, durationMs: number, g: number): void => {
    const stopMs = startMs + durationMs;
    if (stopMs > knownUntilMs || stopMs <= fromMs || startMs >= endMs || !Number.isFinite(g)) return;
    const first = Math.max(0, Math.floor((startMs - fromMs) / stepMs));
    const last = Math.min(n - 1, Math.floor((stopMs - 1 - fromMs) / stepMs));
    for (let i = first; i <= last; i++) {
      const overlapMs = Math.min(stopMs, fromMs + (i + 1) * stepMs) - Math.max(startMs, fromMs + i * stepMs);
      sum[i] = (sum[i] as number) + g * overlapMs;
      cover[i] = (cover[i] as number) + overlapMs;
    }
  };
  if (isView(h)) {
    // Sorted starts: visit only the window (a year of history costs a binary search, not a scan).
    const hi = lowerBound(h.startMs, endMs);
    for (let k = lowerBound(h.startMs, fromMs - h.stepMs); k < hi; k++) add(h.startMs[k] as number, h.stepMs, h.gPerKWh[k] as number);
  } else for (const p of h as readonly IntensityPoint[]) add(p.startMs, p.durationMs, p.gPerKWh);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = (cover[i] as number) * 2 >= stepMs ? (sum[i] as number) / (cover[i] as number) : NaN;
  return values;
}

/**
 * The known history on `n` grid intervals ending at `firstForecastStartMs(nowMs, stepMs)`;
 * points that end after `nowMs` are ignored (no peeking).
 */
export function toGrid(h: HistoryInput, nowMs: number, stepMs: number, n: number): Grid {
  const endMs = firstForecastStartMs(nowMs, stepMs);
  return { stepMs, endMs, values: resample(h, endMs - n * stepMs, stepMs, n, nowMs) };
}
