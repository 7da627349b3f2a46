/**
 * Carbon Aware SDK WebAPI responses → canonical points. Values are g/kWh already
 * (CASDK_G_PER_KWH_PER_UNIT = 1; the SDK converted WattTime's lbs/MWh itself). Two point shapes:
 * - `EmissionsData` `{location, time, rating, duration: "hh:mm:ss"}` (bylocations);
 * - `EmissionsForecast.forecastData[]` `{location, timestamp, duration: <minutes>, value}`.
 */
import { badShape, isObject, reading, timeMs, type Json } from '../map-util';
import { plausibleSeries } from '../plausibility';
import type { IntensityPoint, SignalKind } from '../types';

export const CASDK_G_PER_KWH_PER_UNIT = 1;
const MINUTE_MS = 60_000;

export interface CasdkMapContext {
  provider: string;
  zone: string;
  signal: SignalKind;
  fetchedAtMs: number;
}

/**
 * A .NET TimeSpan `[d.]hh:mm:ss[.fffffff]` → ms; undefined if unusable.
 * @example '00:05:00' → 300_000; '1.00:00:00' → 86_400_000.
 */
export function timeSpanMs(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(text.trim());
  if (!m) return undefined;
  const [, d, h, min, s] = m;
  return Math.round(((Number(d ?? 0) * 24 + Number(h)) * 3600 + Number(min) * 60 + Number(s)) * 1000);
}

/** `/emissions/forecasts/current` → forecast points issued at `generatedAt`. */
export function mapCasdkForecast(body: unknown, ctx: CasdkMapContext): IntensityPoint[] {
  const first: unknown = Array.isArray(body) ? body[0] : undefined;
  if (!isObject(first) || !Array.isArray(first['forecastData'])) throw badShape(ctx.provider, 'no forecastData');
  const issuedAtMs = timeMs(first['generatedAt']) ?? ctx.fetchedAtMs;
  const points: IntensityPoint[] = [];
  for (const d of (first['forecastData'] as unknown[]).filter(isObject)) {
    const startMs = timeMs(d['timestamp']);
    const value = reading(d['value']);
    const minutes = reading(d['duration']);
    if (startMs === undefined || value === undefined) continue;
    points.push(point(ctx, startMs, (minutes && minutes > 0 ? minutes : 5) * MINUTE_MS, value, 'forecast', issuedAtMs));
  }
  return plausibleSeries(points, ctx.provider);
}

/** `/emissions/bylocations` → measured points (204 No Content → no points). */
export function mapCasdkEmissions(body: unknown, ctx: CasdkMapContext): IntensityPoint[] {
  if (body === undefined) return [];
  if (!Array.isArray(body)) throw badShape(ctx.provider, 'emissions is not a list');
  const points: IntensityPoint[] = [];
  for (const d of body.filter(isObject) as Json[]) {
    const startMs = timeMs(d['time']);
    const value = reading(d['rating']);
    if (startMs === undefined || value === undefined) continue;
    points.push(point(ctx, startMs, timeSpanMs(d['duration']) ?? 5 * MINUTE_MS, value, 'measured', ctx.fetchedAtMs));
  }
  return plausibleSeries(points, ctx.provider);
}

function point(ctx: CasdkMapContext, startMs: number, durationMs: number, value: number, kind: 'measured' | 'forecast', issuedAtMs: number): IntensityPoint {
  return { zone: ctx.zone, startMs, durationMs, gPerKWh: value * CASDK_G_PER_KWH_PER_UNIT, kind, issuedAtMs, provider: ctx.provider, signal: ctx.signal };
}
