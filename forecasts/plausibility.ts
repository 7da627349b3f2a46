/**
 * Plausible data only (ADR 0007): a provider's answer that holds an absurd point is refused
 * as a whole, with a `ProviderError` naming the provider and the value, so the zone keeps its
 * last good series and is reported stale instead of pricing jobs with -5 or 10⁹ g/kWh.
 *
 * Two layers, both here so there is one definition of "plausible":
 * - `plausibleSeries` ends every adapter's `map` (no clock needed): values, intervals, and a
 *   monotonic series (no two intervals of a kind overlap). A shuffled answer is the same data
 *   and is sorted, not refused (the provider contract suite requires it); duplicates keep the last.
 * - `checkServed` is where points enter the signal service (any provider, `file` and custom
 *   ones included): the same checks plus time against `now` (wrong day, clock skew).
 */
import { ProviderError } from '../src/core/errors';
import { dedupeByStart } from './map-util';
import type { IntensityPoint, SignalKind } from './types';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * Highest plausible intensity per signal, gCO2eq/kWh. Average: the dirtiest grids' yearly
 * averages are ~1,000 g (lignite, oil islands) and hourly values stay under ~1,300, so 2,000
 * leaves room for lifecycle factors. Marginal: the least efficient oil/OCGT peakers emit
 * ~1,300–1,500 g (WattTime MOER up to ~3,300 lbs/MWh ≈ 1,500 g), so 3,000. Negative values
 * are never plausible for these signals.
 * @example WattTime 5,000 lbs/MWh × 0.45359237 = 2,268 g/kWh: plausible as marginal, not as average.
 */
export const MAX_PLAUSIBLE_G_PER_KWH: Readonly<Record<SignalKind, number>> = { average: 2_000, marginal: 3_000 };
/** Longest plausible interval of one point, ms: a day (providers serve 5 min to 1 h). The static average is not checked here. */
export const MAX_POINT_DURATION_MS = 24 * HOUR_MS;
/** A forecast point may start at most this far after now, ms (providers forecast ≤ 72 h; 96 h leaves a margin). */
export const MAX_FORECAST_AHEAD_MS = 96 * HOUR_MS;
/** A forecast answer may reach at most this far into the past, and be issued at most this long ago, ms. */
export const MAX_FORECAST_BEHIND_MS = 48 * HOUR_MS;
/** Tolerated clock difference between carbond and a provider, ms: issue times and measured starts may lie this far after now. */
export const MAX_CLOCK_SKEW_MS = 10 * MINUTE_MS;

const iso = (ms: number): string => (Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms));

/** A value as messages show it: two decimals at most. @example 453592370.0001 → '453592370'; -2.26796185 → '-2.27'. */
function gText(g: number): string {
  return Number.isFinite(g) ? String(Math.round(g * 100) / 100) : String(g);
}

function refuse(provider: string, what: string): ProviderError {
  return new ProviderError(what, { provider, retryable: true });
}

/**
 * Why `p` is not a plausible point (value, interval, start), or undefined when it is.
 * @example { gPerKWh: -5, signal: 'average', startMs: 06:00 } → 'implausible intensity -5 gCO2eq/kWh (average, forecast for 2024-01-12T06:00:00.000Z; plausible 0–2000)'.
 */
export function implausibility(p: IntensityPoint): string | undefined {
  const max = MAX_PLAUSIBLE_G_PER_KWH[p.signal];
  if (max === undefined) return `unknown signal "${String(p.signal)}"`;
  if (!Number.isFinite(p.startMs)) return `a start that is not a time (${String(p.startMs)})`;
  if (!(Number.isFinite(p.gPerKWh) && p.gPerKWh >= 0 && p.gPerKWh <= max)) {
    return `implausible intensity ${gText(p.gPerKWh)} gCO2eq/kWh (${p.signal}, ${p.kind} for ${iso(p.startMs)}; plausible 0–${max})`;
  }
  if (!(Number.isFinite(p.durationMs) && p.durationMs > 0 && p.durationMs <= MAX_POINT_DURATION_MS)) {
    return `implausible interval of ${String(p.durationMs)} ms at ${iso(p.startMs)} (plausible: over 0, up to ${MAX_POINT_DURATION_MS / HOUR_MS} h)`;
  }
  return undefined;
}

/**
 * Throws for the first implausible point, then for two intervals of one kind that overlap
 * (starts sorted; equal starts are duplicates, not overlaps): the series is not monotonic.
 * @example 06:00 + 2 h, then 07:00 → 'intervals overlap: 2024-01-12T07:00:00.000Z starts before 2024-01-12T06:00:00.000Z + 120 min ends (forecast)'.
 */
export function checkPoints(points: readonly IntensityPoint[], provider: string): void {
  for (const p of points) {
    const why = implausibility(p);
    if (why !== undefined) throw refuse(provider, why);
  }
  const sorted = [...points].sort((a, b) => a.kind.localeCompare(b.kind) || a.startMs - b.startMs);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1] as IntensityPoint;
    const p = sorted[i] as IntensityPoint;
    if (p.kind !== prev.kind || p.startMs === prev.startMs) continue;
    if (p.startMs < prev.startMs + prev.durationMs) {
      throw refuse(provider, `intervals overlap: ${iso(p.startMs)} starts before ${iso(prev.startMs)} + ${prev.durationMs / MINUTE_MS} min ends (${p.kind})`);
    }
  }
}

/** What every adapter's `map` ends with: `checkPoints`, then one point per kind and start (duplicates keep the last), sorted. */
export function plausibleSeries(points: readonly IntensityPoint[], provider: string): IntensityPoint[] {
  checkPoints(points, provider);
  return dedupeByStart(points);
}

/**
 * Times against `nowMs`, for an answer entering the signal service. `forecast`: every point
 * starts in `[now − 48 h, now + 96 h]`, was issued in `[now − 48 h, now + 10 min]`, and the
 * answer reaches past now (else it is data for another day). Measured points never start
 * after now (+ 10 min of skew), in either role.
 */
export function checkTimes(points: readonly IntensityPoint[], provider: string, nowMs: number, role: 'forecast' | 'history'): void {
  for (const p of points) {
    if (p.kind === 'measured' && p.startMs > nowMs + MAX_CLOCK_SKEW_MS) throw refuse(provider, `a measured point starts at ${iso(p.startMs)}, after now (${iso(nowMs)}): clock skew?`);
    if (role !== 'forecast') continue;
    if (p.startMs > nowMs + MAX_FORECAST_AHEAD_MS) throw refuse(provider, `a forecast point starts at ${iso(p.startMs)}, more than ${MAX_FORECAST_AHEAD_MS / HOUR_MS} h after now (${iso(nowMs)}): clock skew or data for another day?`);
    if (p.startMs < nowMs - MAX_FORECAST_BEHIND_MS) throw refuse(provider, `a forecast point starts at ${iso(p.startMs)}, more than ${MAX_FORECAST_BEHIND_MS / HOUR_MS} h before now (${iso(nowMs)}): data for another day?`);
    if (p.issuedAtMs > nowMs + MAX_CLOCK_SKEW_MS) throw refuse(provider, `issued at ${iso(p.issuedAtMs)}, after now (${iso(nowMs)}): clock skew?`);
    if (p.issuedAtMs < nowMs - MAX_FORECAST_BEHIND_MS) throw refuse(provider, `issued at ${iso(p.issuedAtMs)}, more than ${MAX_FORECAST_BEHIND_MS / HOUR_MS} h before now (${iso(nowMs)}): an old forecast served as new?`);
  }
  if (role === 'forecast' && points.length > 0) {
    const endMs = Math.max(...points.map((p) => p.startMs + p.durationMs));
    if (endMs <= nowMs) throw refuse(provider, `the forecast ends at ${iso(endMs)}, before now (${iso(nowMs)}): data for another day?`);
  }
}

/** Everything a provider served, checked before the signal service stores it: `checkPoints` then `checkTimes`. */
export function checkServed(points: readonly IntensityPoint[], provider: string, nowMs: number, role: 'forecast' | 'history'): void {
  checkPoints(points, provider);
  checkTimes(points, provider, nowMs, role);
}
